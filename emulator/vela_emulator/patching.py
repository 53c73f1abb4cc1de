"""The three PATCH bodies kube-apiserver accepts besides apply, as pure functions.

``merge_patch`` (``application/merge-patch+json``, RFC 7386)
    Objects merge key by key, ``null`` deletes a key, anything else (lists
    included) replaces. ``kubectl label``/``annotate`` and ``kubectl patch
    --type merge`` send these.

``strategic_merge_patch`` (``application/strategic-merge-patch+json``)
    Kubernetes' strategic merge: like a merge patch, but lists whose Go type
    has ``patchStrategy=merge`` merge by their ``patchMergeKey`` (containers,
    volumes, env, imagePullSecrets by ``name``; container ports by
    ``containerPort``; service ports by ``port``; volumeMounts by
    ``mountPath``; conditions by ``type``; finalizers as a set of strings),
    other lists are replaced. Directives: ``$patch: replace|delete|merge`` on a
    map or as a list item, ``$retainKeys``, ``$deleteFromPrimitiveList/<f>``
    and ``$setElementOrder/<f>``. Merged lists keep the server's order for
    items the patch does not mention and the patch's (or
    ``$setElementOrder``'s) order for the others, as apimachinery's
    ``normalizeElementOrder`` does. ``kubectl scale`` (without the scale
    subresource), ``edit`` and client-side ``apply`` send these. The
    apiserver refuses this patch type for custom resources; that check is the
    caller's (here, CRD lists simply have no patch merge key, so they replace).

``json_patch`` (``application/json-patch+json``, RFC 6902)
    ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test`` over
    JSON pointers (``~0``/``~1`` escapes, ``-`` appends). The whole patch
    applies or nothing does.

Every function returns a new object and leaves its inputs untouched; bad
patches raise ``PatchError`` with a message naming the operation and path.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from vela_emulator.mergeschema import ListKeys, Node

JSON = Any

_DIRECTIVE = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


class PatchError(ValueError):
    """A patch is malformed or does not apply to the object (the apiserver answers 422/400)."""


# ------------------------------------------------------------- merge patch


def merge_patch(obj: dict[str, JSON], patch: dict[str, JSON]) -> dict[str, JSON]:
    """Apply an RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        raise PatchError("merge patch must be a JSON object")
    result = _merge(obj, patch)
    assert isinstance(result, dict)
    return result


def _merge(target: JSON, patch: JSON) -> JSON:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


# ---------------------------------------------------- strategic merge patch


def strategic_merge_patch(
    obj: dict[str, JSON], patch: dict[str, JSON], *, list_keys: ListKeys | None = None
) -> dict[str, JSON]:
    """Apply a Kubernetes strategic merge patch (list merge keys from ``list_keys`` or the kind)."""
    if not isinstance(patch, dict):
        raise PatchError("strategic merge patch must be a JSON object")
    keys = list_keys if list_keys is not None else ListKeys.for_object(obj)
    result = _smp_map(obj, patch, keys.root, "")
    if result is None:
        raise PatchError("strategic merge patch: $patch: delete of the whole object is not allowed")
    return result


def _smp_map(
    original: Mapping[str, JSON], patch: Mapping[str, JSON], node: Node, where: str
) -> dict[str, JSON] | None:
    directive = patch.get(_DIRECTIVE, "merge")
    if directive == "delete":
        return None
    if directive == "replace":
        return {k: _strip(v) for k, v in patch.items() if not k.startswith("$")}
    if directive != "merge":
        raise PatchError(f"{where or '.'}: unknown $patch directive {directive!r}")
    out = dict(original)
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        sub = f"{where}.{key}"
        if value is None:
            out.pop(key, None)
            continue
        merged = _smp_value(
            out.get(key), value, node.child(key), sub, order=patch.get(_ORDER + key)
        )
        if merged is None:
            out.pop(key, None)
        else:
            out[key] = merged
    _apply_map_directives(out, patch, node, where)
    return out


def _smp_value(original: JSON, value: JSON, node: Node, where: str, *, order: JSON) -> JSON:
    if isinstance(value, dict):
        return _smp_map(original if isinstance(original, dict) else {}, value, node, where)
    if isinstance(value, list):
        return _smp_list(
            original if isinstance(original, list) else [], value, node, where, order=order
        )
    return copy.deepcopy(value)


def _apply_map_directives(
    out: dict[str, JSON], patch: Mapping[str, JSON], node: Node, where: str
) -> None:
    for key, value in patch.items():
        if key.startswith(_DELETE_PRIMITIVE):
            name = key[len(_DELETE_PRIMITIVE) :]
            if not isinstance(value, list):
                raise PatchError(f"{where}.{name}: $deleteFromPrimitiveList must be a list")
            if isinstance(out.get(name), list):
                out[name] = [item for item in out[name] if item not in value]
        elif key.startswith(_ORDER) and key[len(_ORDER) :] not in patch:
            name = key[len(_ORDER) :]
            if isinstance(out.get(name), list):
                out[name] = _smp_list(
                    out[name], [], node.child(name), f"{where}.{name}", order=value
                )
    retain = patch.get(_RETAIN)
    if retain is not None:
        if not isinstance(retain, list):
            raise PatchError(f"{where or '.'}: $retainKeys must be a list of field names")
        for key in [k for k in out if k not in retain]:
            del out[key]


def _strip(value: JSON) -> JSON:
    """A patch value with its directives removed (what lands in the object)."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [
            _strip(v)
            for v in value
            if not (isinstance(v, dict) and _DIRECTIVE in v and len(v) == 1)
        ]
    return copy.deepcopy(value)


def _smp_list(
    original: list[JSON], patch: list[JSON], node: Node, where: str, *, order: JSON
) -> list[JSON]:
    if not node.patch_merge:
        return [_strip(v) for v in patch]
    if any(isinstance(v, dict) for v in [*original, *patch]):
        return _smp_list_of_maps(original, patch, node, where, order=order)
    merged = list(original) + [v for v in patch if v not in original]
    deduped: list[JSON] = []
    for item in merged:
        if item not in deduped:
            deduped.append(item)
    ordering = order if isinstance(order, list) else patch
    in_patch = [v for v in deduped if v in ordering]
    return _normalize_order(
        in_patch, [v for v in deduped if v not in ordering], ordering, original, lambda v: v
    )


def _smp_list_of_maps(
    original: list[JSON], patch: list[JSON], node: Node, where: str, *, order: JSON
) -> list[JSON]:
    key = node.patch_key
    if not key:
        raise PatchError(f"{where}: cannot merge lists without merge key")
    if any(isinstance(v, dict) and v.get(_DIRECTIVE) == "replace" for v in patch):
        return [_strip(v) for v in patch if not (isinstance(v, dict) and _DIRECTIVE in v)]
    merged: list[Mapping[str, JSON]] = [v for v in original if isinstance(v, dict)]
    for item in patch:
        if not isinstance(item, dict):
            raise PatchError(f"{where}: list of maps cannot contain {item!r}")
        if key not in item:
            raise PatchError(
                f"{where}: map: {dict(item)} does not contain declared merge key: {key}"
            )
        if item.get(_DIRECTIVE) == "delete":
            merged = [v for v in merged if v.get(key) != item[key]]
            continue
        index = next((i for i, v in enumerate(merged) if v.get(key) == item[key]), None)
        where_item = f"{where}[{key}={item[key]}]"
        result = _smp_map({} if index is None else merged[index], item, node.item(), where_item)
        if result is None:
            continue
        if index is None:
            merged.append(result)
        else:
            merged[index] = result
    ordering = (
        order if isinstance(order, list) else [v for v in patch if v.get(_DIRECTIVE) != "delete"]
    )
    wanted = [v.get(key) for v in ordering if isinstance(v, dict)]
    in_patch = [v for v in merged if v.get(key) in wanted]
    server_only = [v for v in merged if v.get(key) not in wanted]
    return _normalize_order(
        in_patch,
        server_only,
        ordering,
        original,
        lambda v: v.get(key) if isinstance(v, dict) else v,
    )


def _normalize_order(
    patch_items: list[JSON],
    server_only: list[JSON],
    patch_order: list[JSON],
    server_order: list[JSON],
    key: Any,
) -> list[JSON]:
    """apimachinery's normalizeElementOrder + mergeSortedSlice.

    Patch items follow the patch order, server-only items the server order;
    the two runs are interleaved using the server's order where both are known.
    """

    def index(seq: list[JSON], item: JSON) -> int:
        ident = key(item)
        return next((i for i, v in enumerate(seq) if key(v) == ident), -1)

    patch_items = sorted(patch_items, key=lambda v: _rank(index(patch_order, v)))
    server_only = sorted(server_only, key=lambda v: _rank(index(server_order, v)))
    left, right, out = server_only, patch_items, []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
        elif i >= len(left):
            out.append(right[j])
            j += 1
        else:
            li, ri = index(server_order, left[i]), index(server_order, right[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _rank(index: int) -> float:
    return index if index >= 0 else float("inf")


# --------------------------------------------------------------- JSON patch


def json_patch(obj: dict[str, JSON], ops: list[JSON]) -> dict[str, JSON]:
    """Apply an RFC 6902 JSON patch; all operations or none."""
    if not isinstance(ops, list):
        raise PatchError("json patch must be a JSON array of operations")
    doc: JSON = copy.deepcopy(obj)
    for number, op in enumerate(ops):
        doc = _json_op(doc, op, number)
    if not isinstance(doc, dict):
        raise PatchError("json patch: the result is not a JSON object")
    return doc


def _json_op(doc: JSON, op: JSON, number: int) -> JSON:
    if not isinstance(op, dict) or not isinstance(op.get("op"), str):
        raise PatchError(f"json patch operation {number}: must be an object with an 'op'")
    name = op["op"]
    path = _required_str(op, "path", f"json patch operation {number} ({name})")
    label = f"json patch operation {number} ({name} {path})"
    try:
        return _json_op_at(doc, op, name, path, label)
    except _MissingPath as exc:
        # Worded as evanphx/json-patch, the library the apiserver uses.
        raise PatchError(
            f'{name} operation does not apply: doc is missing path: "{path}": missing value'
        ) from exc


def _json_op_at(doc: JSON, op: Mapping[str, JSON], name: str, path: str, label: str) -> JSON:
    if name == "add":
        return _add(doc, _pointer(path, label), copy.deepcopy(_required(op, "value", label)), label)
    if name == "remove":
        return _remove(doc, _pointer(path, label), label)[0]
    if name == "replace":
        doc = _remove(doc, _pointer(path, label), label)[0]
        return _add(doc, _pointer(path, label), copy.deepcopy(_required(op, "value", label)), label)
    if name in ("move", "copy"):
        source = _pointer(_required_str(op, "from", label), label)
        if name == "move":
            doc, value = _remove(doc, source, label)
        else:
            value = copy.deepcopy(_get(doc, source, label))
        return _add(doc, _pointer(path, label), value, label)
    if name == "test":
        if not _json_equal(_get(doc, _pointer(path, label), label), _required(op, "value", label)):
            raise PatchError(f"testing value {path} failed: test failed")
        return doc
    raise PatchError(f"{label}: unknown op {name!r}")


def _required(op: Mapping[str, JSON], name: str, label: str) -> JSON:
    if name not in op:
        raise PatchError(f"{label}: missing {name!r}")
    return op[name]


def _required_str(op: Mapping[str, JSON], name: str, label: str) -> str:
    value = op.get(name)
    if not isinstance(value, str):
        raise PatchError(f"{label}: {name!r} must be a string")
    return value


class _MissingPath(Exception):
    """A JSON pointer names nothing in the document."""


def _pointer(path: str, label: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"{label}: a JSON pointer must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list[JSON], token: str, label: str, *, for_add: bool = False) -> int:
    if token == "-" and for_add:
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"{label}: {token!r} is not a list index")
    index = int(token)
    limit = len(container) if for_add else len(container) - 1
    if index > limit:
        raise PatchError(f"{label}: index {index} is out of range")
    return index


def _get(doc: JSON, tokens: list[str], label: str) -> JSON:
    current = doc
    for token in tokens:
        if isinstance(current, dict):
            if token not in current:
                raise _MissingPath
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, label)]
        else:
            raise _MissingPath
    return current


def _add(doc: JSON, tokens: list[str], value: JSON, label: str) -> JSON:
    if not tokens:
        return value
    parent = _get(doc, tokens[:-1], label)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, label, for_add=True), value)
    else:
        raise PatchError(f"{label}: the parent is not an object or a list")
    return doc


def _remove(doc: JSON, tokens: list[str], label: str) -> tuple[JSON, JSON]:
    if not tokens:
        return None, doc
    parent = _get(doc, tokens[:-1], label)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _MissingPath
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, label))
    raise PatchError(f"{label}: the parent is not an object or a list")


def _json_equal(a: JSON, b: JSON) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b
