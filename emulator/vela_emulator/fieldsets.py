"""Field paths and field sets, and their FieldsV1 encoding.

A field path is a tuple of encoded path elements, exactly as they appear in
``metadata.managedFields[].fieldsV1``: ``f:<field>`` for a map key,
``k:{"name":"x"}`` for an item of an associative list (its keys sorted,
compact JSON), ``v:<json>`` for an item of a set list, and, in the tree form,
``.`` for "the node itself is owned" when it also has owned children.
``field_path_str`` prints a path as the apiserver does in messages
(``.spec.containers[name="app"].image``).

What an object owns (``fields_of``, structured-merge-diff's
toFieldSetWalker): every scalar, every atomic list or map, every list item
(with ``.``), and every key of a map that is not a struct field. A struct
field is owned only through its leaves, so ``securityContext: {}`` owns
nothing, while untyped custom-resource content gets ``.`` entries.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping

from vela_emulator.mergeschema import JSON, ListKeys, Node

Path = tuple[str, ...]
FieldSet = set[Path]


# ------------------------------------------------------------ path elements


class FieldSetError(ValueError):
    """An object cannot be turned into a field set (an associative list is malformed)."""


_COMPACT = json.JSONEncoder(separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _compact(value: JSON) -> str:
    return _COMPACT.encode(value)


def _key_element(item: JSON, node: Node, where: Path, index: int) -> str:
    if not isinstance(item, dict):
        raise FieldSetError(
            f"{field_path_str(where)}: element {index}: associative list can only contain maps"
        )
    key: dict[str, JSON] = {}
    for name in node.keys:
        if name in item:
            key[name] = item[name]
        elif name in node.key_defaults:
            key[name] = node.key_defaults[name]
        else:
            raise FieldSetError(
                f"{field_path_str(where)}: element {index}: associative list with keys has an element "
                f'that omits key field "{name}" (and doesn\'t have default value)'
            )
    return "k:" + _compact(key)


def list_elements(items: list[JSON], node: Node, where: Path) -> list[str] | None:
    """Path elements of a list's items, or None when the list is atomic.

    Raises ``FieldSetError`` for duplicates or items without their keys.
    """
    if node.list_type == "map":
        elements = [_key_element(item, node, where, i) for i, item in enumerate(items)]
    elif node.list_type == "set":
        elements = ["v:" + _compact(item) for item in items]
    else:
        return None
    seen: set[str] = set()
    for element in elements:
        if element in seen:
            raise FieldSetError(
                f"{field_path_str(where)}: duplicate entries for key {_element_str(element)}"
            )
        seen.add(element)
    return elements


def _value_str(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value_str(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_value_str(v)}" for k, v in value.items()) + "}"
    return str(value)


def _element_str(element: str) -> str:
    kind, _, rest = element.partition(":")
    if kind == "f":
        return "." + rest
    if kind == "k":
        key = json.loads(rest)
        return "[" + ",".join(f"{k}={_value_str(v)}" for k, v in key.items()) + "]"
    if kind == "v":
        return "[=" + _value_str(json.loads(rest)) + "]"
    return "[" + rest + "]"


def field_path_str(path: Path) -> str:
    """A path as the apiserver prints it: ``.spec.containers[name="a"].image``."""
    return "".join(_element_str(e) for e in path)


def _element_order(element: str) -> tuple[int, str]:
    return ("fkvi".find(element[0]), element[2:])


# ----------------------------------------------------------------- field sets


def fields_of(obj: JSON, list_keys: ListKeys | None = None) -> FieldSet:
    """The set of leaf fields and list items of ``obj`` (structured-merge-diff's ToFieldSet)."""
    keys = list_keys if list_keys is not None else ListKeys.for_object(obj)
    out: FieldSet = set()
    _collect(obj, keys.root, (), out)
    return out


def _collect(value: JSON, node: Node, prefix: Path, out: FieldSet) -> None:
    # structured-merge-diff's toFieldSetWalker: scalars, atomic values and list
    # items are members; a map key is a member unless it is a struct field.
    if isinstance(value, dict) and not node.atomic_map:
        for name, sub in value.items():
            path = (*prefix, "f:" + name)
            if not node.is_named(name):
                out.add(path)
            _collect(sub, node.child(name), path, out)
        return
    if isinstance(value, list):
        elements = list_elements(value, node, prefix)
        if elements is None:
            out.add(prefix)
            return
        for element, item in zip(elements, value, strict=True):
            path = (*prefix, element)
            out.add(path)
            if node.list_type == "map":
                _collect(item, node.item(), path, out)
        return
    out.add(prefix)


# ------------------------------------------------------------------ FieldsV1


def to_fields_v1(paths: Iterable[Path]) -> dict[str, JSON]:
    """Encode a field set as the FieldsV1 tree (``.`` marks an owned node with children)."""
    tree: dict[str, JSON] = {}
    members: set[Path] = set(paths)
    for path in members:
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    for path in members:
        node = tree
        for element in path:
            node = node[element]
        if node and "." not in node:
            node["."] = {}
    return _sorted_tree(tree)


def _sorted_tree(tree: dict[str, JSON]) -> dict[str, JSON]:
    ordered = sorted((k for k in tree if k != "."), key=_element_order)
    head: dict[str, JSON] = {".": {}} if "." in tree else {}
    return head | {k: _sorted_tree(tree[k]) for k in ordered}


def from_fields_v1(tree: Mapping[str, JSON], prefix: Path = ()) -> FieldSet:
    """Decode a FieldsV1 tree into a field set."""
    out: FieldSet = set()
    for element, sub in tree.items():
        if element == ".":
            out.add(prefix)
            continue
        path = (*prefix, element)
        if not sub:
            out.add(path)
        else:
            out |= from_fields_v1(sub, path)
    return out


def iterate_sorted(paths: Iterable[Path]) -> Iterator[Path]:
    """Paths in structured-merge-diff's set order: a node's members, then its children."""
    tree = to_fields_v1(paths)
    yield from _iterate(tree, ())


def _iterate(tree: Mapping[str, JSON], prefix: Path) -> Iterator[Path]:
    elements = [k for k in tree if k != "."]
    for element in elements:
        sub = tree[element]
        if not sub or "." in sub:
            yield (*prefix, element)
    for element in elements:
        if tree[element]:
            yield from _iterate(tree[element], (*prefix, element))
