"""Field ownership and server-side apply, as kube-apiserver's structured-merge-diff does it.

Pure functions over JSON-like dicts; the emulator's HTTP layer calls them.

Field paths, field sets and FieldsV1 are in ``fieldsets``; how lists and maps
merge per kind (``ListKeys``) is in ``mergeschema``; what a write changed
(``compare``) is in ``comparison``; the managedFields entries (``ManagerId``,
``Entry``, their decoding and encoding) are in ``managers``.

Server-side apply (``server_side_apply``)
    The applied configuration is merged into the live object; the applier
    then owns exactly the fields it sent. Fields it owned before and no longer
    sends are removed from the object unless another manager owns them too.
    Changing a value another manager owns is a conflict (``ApplyConflict``,
    worded like the apiserver) unless ``force``, which moves ownership to the
    applier. Sending a value equal to the live one shares ownership. An apply
    to the main resource never changes ``status``; a ``status`` subresource
    apply changes only ``status``. Merged lists take structured-merge-diff's
    order (shared items in the configuration's order, live-only items kept in
    place). The result is not defaulted: call ``defaults.apply_defaults``
    after it, as the apiserver defaults after merging, so defaulted values
    stay unowned. For an Update, default the new object *before*
    ``record_update``: the apiserver tracks the decoded (defaulted) object,
    so a creating manager owns ``dnsPolicy``, ``imagePullPolicy`` and the like.

Updates (``record_update``)
    A create, PUT or PATCH makes its manager (operation ``Update``) own every
    field it added or changed, and takes those fields away from other
    managers; removed fields leave every manager's set.

Known differences from the apiserver: no conversion between API versions (all
entries are read as the object's version); named struct fields are not added as
owned parents when pruning (removal follows leaves and list items, then drops
maps and lists left empty); there is no cap of ten Update managers (no
``ancient-changes`` entry), no last-applied annotation upgrade, and no
schema validation of the applied values (type errors pass through).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vela_emulator.comparison import Comparison, compare, elements_or_none
from vela_emulator.fieldsets import (
    FieldSet,
    FieldSetError,
    Path,
    field_path_str,
    fields_of,
    iterate_sorted,
)
from vela_emulator.managers import (
    Entry,
    ManagerId,
    decode_managed_fields,
    encode_managed_fields,
)
from vela_emulator.mergeschema import JSON, ListKeys, Node

# Public here: this module's own names, and the schema, field-set, comparison
# and manager names its importers have always taken from it.
__all__ = [
    "ApplyConflict",
    "ApplyInvalid",
    "Comparison",
    "Entry",
    "ListKeys",
    "ManagerId",
    "compare",
    "decode_managed_fields",
    "encode_managed_fields",
    "field_path_str",
    "fields_of",
    "json_copy",
    "record_update",
    "server_side_apply",
]

# ------------------------------------------------------------ managed fields

# Fields no manager ever owns (apiserver's stripMetaManager).
_STRIPPED: frozenset[Path] = frozenset(
    {
        ("f:apiVersion",),
        ("f:kind",),
        ("f:metadata",),
        *(
            ("f:metadata", "f:" + name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    }
)


def _owned_scope(paths: Iterable[Path], *, subresource: str, reset_status: bool) -> FieldSet:
    """Drop the fields no manager owns and those this endpoint cannot change."""
    out = {p for p in paths if p and p not in _STRIPPED}
    if subresource == "status":
        return {p for p in out if p[0] == "f:status"}
    if reset_status:
        return {p for p in out if p[0] != "f:status"}
    return out


def json_copy(value: JSON) -> JSON:
    """A deep copy of JSON-like data (several times faster than ``copy.deepcopy``)."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value


def _without_managed_fields(obj: Mapping[str, JSON], *, deep: bool = True) -> dict[str, JSON]:
    """``obj`` without ``metadata.managedFields``; a shallow copy serves read-only uses."""
    out = json_copy(dict(obj)) if deep else dict(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return out


def _with_managed_fields(
    obj: dict[str, JSON], managers: Mapping[ManagerId, Entry]
) -> dict[str, JSON]:
    meta = obj.setdefault("metadata", {})
    encoded = encode_managed_fields(managers)
    if encoded:
        meta["managedFields"] = encoded
    else:
        meta.pop("managedFields", None)
    return obj


# ------------------------------------------------------------------- errors


class ApplyConflict(Exception):
    """An apply would change fields other managers own (the apiserver answers 409 Conflict).

    ``conflicts`` lists (field path, manager name); ``causes`` are the
    ``FieldManagerConflict`` StatusCauses of the apiserver's answer with Go's
    field names (``type``, ``message``, ``field``; ``type`` is ``reason`` in
    JSON), and ``str(exc)`` (also ``message``) is the Status message, e.g.
    ``Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key``.
    """

    def __init__(self, found: list[tuple[Path, ManagerId]]) -> None:
        self.found = found
        self.conflicts: list[tuple[str, str]] = [(field_path_str(p), m.manager) for p, m in found]
        self.message = self._message()
        super().__init__(self.message)

    def _message(self) -> str:
        if len(self.found) == 1:
            path, ident = self.found[0]
            return f"Apply failed with 1 conflict: conflict with {ident}: {field_path_str(path)}"
        lines: list[str] = []
        for ident in dict.fromkeys(m for _, m in self.found):
            lines.append(f"conflicts with {ident}:")
            lines.extend(f"- {field_path_str(p)}" for p, m in self.found if m == ident)
        return f"Apply failed with {len(self.found)} conflicts: " + "\n".join(lines)

    @property
    def causes(self) -> list[dict[str, str]]:
        return [
            {
                "type": "FieldManagerConflict",
                "message": f"conflict with {m}",
                "field": field_path_str(p),
            }
            for p, m in self.found
        ]


class ApplyInvalid(ValueError):
    """An applied configuration the apiserver refuses (400/422): the message says why."""


# ------------------------------------------------------------ server-side apply


def server_side_apply(
    live: dict[str, JSON] | None,
    applied: dict[str, JSON],
    *,
    manager: str,
    force: bool,
    now: str,
    list_keys: ListKeys | None = None,
    subresource: str = "",
    reset_status: bool = True,
) -> dict[str, JSON]:
    """Apply ``applied`` for ``manager`` onto ``live`` (None: create) and return the new object.

    ``reset_status`` (the default, right for every built-in kind and for CRDs
    with a status subresource) keeps ``status`` out of a main-resource apply.
    Raises ``ApplyConflict`` (unless ``force``) and ``ApplyInvalid``.
    """
    if (applied.get("metadata") or {}).get("managedFields"):
        raise ApplyInvalid("metadata.managedFields must be nil")
    keys = list_keys if list_keys is not None else ListKeys.for_object(applied)
    base = _without_managed_fields(live) if live is not None else {}
    managers = decode_managed_fields((live or {}).get("metadata", {}).get("managedFields"))
    config = _scoped_config(applied, subresource=subresource, reset_status=reset_status)
    try:
        config_set = _owned_scope(
            fields_of(config, keys), subresource=subresource, reset_status=reset_status
        )
    except FieldSetError as exc:
        raise ApplyInvalid(str(exc)) from exc
    ident = ManagerId(manager, "Apply", subresource)
    last = managers[ident].fields if ident in managers else set()
    others: FieldSet = set().union(*(e.fields for i, e in managers.items() if i != ident))
    merged = _merge_values(base, config, keys.root)
    _prune(merged, last - config_set - others, config_set | others, keys)
    _take_ownership(managers, ident, base, merged, keys, force=force, subresource=subresource)
    entry = managers.get(ident)
    api_version = str(applied.get("apiVersion", ""))
    if entry is None:
        managers[ident] = Entry(ident, api_version, now, config_set)
    else:
        entry.fields, entry.api_version = config_set, api_version
        entry.time = now if merged != base else entry.time
    return _with_managed_fields(merged, managers)


def _scoped_config(
    applied: Mapping[str, JSON], *, subresource: str, reset_status: bool
) -> dict[str, JSON]:
    config = _without_managed_fields(applied, deep=False)  # merging copies what it takes
    if subresource == "status":
        return {k: v for k, v in config.items() if k in ("apiVersion", "kind", "status")}
    if reset_status:
        config.pop("status", None)
    return config


def _take_ownership(
    managers: dict[ManagerId, Entry],
    ident: ManagerId,
    base: JSON,
    merged: JSON,
    keys: ListKeys,
    *,
    force: bool,
    subresource: str,
) -> None:
    """Conflict check, then move changed fields away from the other managers."""
    diff = compare(base, merged, keys)
    changed = _owned_scope(diff.added | diff.modified, subresource=subresource, reset_status=False)
    removed = _owned_scope(diff.removed, subresource=subresource, reset_status=False)
    found = [
        (path, other)
        for other in sorted(managers, key=_manager_order)
        if other != ident
        for path in iterate_sorted(managers[other].fields & changed)
    ]
    if found and not force:
        raise ApplyConflict(found)
    for other, entry in managers.items():
        if other != ident:
            entry.fields = entry.fields - changed - removed


def _manager_order(ident: ManagerId) -> tuple[str, str, str, str]:
    return (ident.manager, ident.operation, ident.api_version, ident.subresource)


def _merge_values(live: JSON, config: JSON, node: Node) -> JSON:
    """structured-merge-diff's Merge: the configuration wins, granular where the schema allows."""
    if isinstance(live, dict) and isinstance(config, dict) and not node.atomic_map:
        out = dict(live)
        for name, value in config.items():
            if value is None:
                out.pop(name, None)
            elif name in live:
                out[name] = _merge_values(live[name], value, node.child(name))
            else:
                out[name] = _without_nulls(value)
        return out
    if isinstance(live, list) and isinstance(config, list):
        live_el = elements_or_none(live, node, ())
        config_el = elements_or_none(config, node, ())
        if live_el is not None and config_el is not None:
            return _merge_lists(
                list(zip(live_el, live, strict=True)),
                dict(zip(config_el, config, strict=True)),
                node,
            )
    return _without_nulls(config)


def _merge_lists(live: list[tuple[str, JSON]], config: dict[str, JSON], node: Node) -> list[JSON]:
    """structured-merge-diff's mergingWalker.visitListItems, item order included.

    Shared items follow the configuration's order; items only the live list
    has stay where they were relative to them.
    """
    live_items = dict(live)
    lhs, rhs = [e for e, _ in live], list(config)
    shared = [e for e in rhs if e in live_items]
    next_shared = shared.pop(0) if shared else None
    out: list[JSON] = []

    def merged(element: str) -> JSON:
        if element not in config:
            return live_items[element]
        if element in live_items and node.list_type == "map":
            return _merge_values(live_items[element], config[element], node.item())
        return _without_nulls(config[element])

    li = ri = 0
    while li < len(lhs) or ri < len(rhs):
        if li < len(lhs) and ri < len(rhs):
            element = lhs[li]
            if element == rhs[ri]:
                out.append(merged(element))
                li, ri = li + 1, ri + 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in config and next_shared is not None and next_shared != element:
                li += 1  # a shared item, but not the one wanted in this round
                continue
        if li < len(lhs) and lhs[li] not in config:
            out.append(merged(lhs[li]))
            li += 1
            continue
        if ri < len(rhs):
            element = rhs[ri]
            out.append(merged(element))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop(0) if shared else None
            continue
        li += 1  # a shared live item whose configuration twin is already merged
    return out


def _without_nulls(value: JSON) -> JSON:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _prune(obj: dict[str, JSON], candidates: FieldSet, owned: FieldSet, keys: ListKeys) -> None:
    """Remove fields the applier gave up that nobody else owns (and containers left empty)."""
    inner = {p[:i] for p in owned for i in range(1, len(p))}
    for path in sorted(candidates, key=len):
        if path not in inner:
            _remove_path(obj, path, keys, owned)


def _remove_path(obj: dict[str, JSON], path: Path, keys: ListKeys, owned: FieldSet) -> None:
    trail: list[tuple[JSON, JSON, Node]] = []  # (container, index or key, node of the child)
    current: JSON = obj
    node = keys.root
    for element in path:
        found = _step(current, element, node)
        if found is None:
            return
        index, child_node = found
        trail.append((current, index, child_node))
        current = current[index]
        node = child_node
    for depth in range(len(trail) - 1, -1, -1):
        container, index, child_node = trail[depth]
        if depth < len(trail) - 1:
            value = container[index]
            if value or child_node.always or path[: depth + 1] in owned:
                return
        del container[index]


def _step(container: JSON, element: str, node: Node) -> tuple[JSON, Node] | None:
    if element.startswith("f:") and isinstance(container, dict):
        name = element[2:]
        return (name, node.child(name)) if name in container else None
    if isinstance(container, list):
        elements = elements_or_none(container, node, ())
        if elements is not None and element in elements:
            return elements.index(element), node.item()
    return None


# ------------------------------------------------------------------ updates


def record_update(
    old: dict[str, JSON] | None,
    new: dict[str, JSON],
    *,
    manager: str,
    now: str,
    operation: str = "Update",
    list_keys: ListKeys | None = None,
    subresource: str = "",
) -> dict[str, JSON]:
    """Return ``new`` with managedFields recording that ``manager`` changed ``old`` into it.

    The manager takes every field the change added or modified (other managers
    lose them); removed fields leave every manager. ``new`` may carry its own
    ``metadata.managedFields`` (taken as the starting point, ``[]`` resets
    them), as a PUT or PATCH may; a subresource request never can.
    """
    keys = list_keys if list_keys is not None else ListKeys.for_object(new)
    managers = _starting_managers(old, new, subresource=subresource)
    before = _without_managed_fields(old, deep=False) if old is not None else {}
    after = _without_managed_fields(new)
    diff = compare(before, after, keys)
    changed = _owned_scope(diff.added | diff.modified, subresource=subresource, reset_status=False)
    removed = _owned_scope(diff.removed, subresource=subresource, reset_status=False)
    for entry in managers.values():
        entry.fields = entry.fields - changed - removed
    api_version = str(new.get("apiVersion", ""))
    ident = ManagerId(manager, operation, subresource, api_version if operation != "Apply" else "")
    if changed:
        entry = managers.setdefault(ident, Entry(ident, api_version, now, set()))
        entry.fields |= changed
        entry.time, entry.api_version = now, api_version
    return _with_managed_fields(after, managers)


def _starting_managers(
    old: Mapping[str, JSON] | None, new: Mapping[str, JSON], *, subresource: str
) -> dict[ManagerId, Entry]:
    # apiserver's decodeLiveOrNew: the request's managedFields win unless it is
    # a subresource request or they are absent; [] (or [{}]) resets them.
    live = decode_managed_fields(((old or {}).get("metadata") or {}).get("managedFields"))
    if subresource:
        return live
    sent = (new.get("metadata") or {}).get("managedFields")
    if isinstance(sent, list) and (not sent or sent == [{}]):
        return {}
    decoded = decode_managed_fields(sent)
    return decoded or live
