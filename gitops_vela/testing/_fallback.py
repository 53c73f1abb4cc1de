"""Minimal stand-ins for the emusem modules until they land (same signatures).

Lists are atomic, managedFields record leaf paths only. Replaced by
``managedfields``, ``patching`` and ``defaults``.
"""

from __future__ import annotations

import copy
from typing import Any

Path = tuple[str, ...]
_SKIP: set[Path] = {
    ("apiVersion",),
    ("kind",),
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("metadata", "resourceVersion"),
    ("metadata", "managedFields"),
    ("metadata", "uid"),
    ("metadata", "creationTimestamp"),
    ("metadata", "generation"),
}


class ApplyConflict(Exception):
    def __init__(self, conflicts: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


class PatchError(Exception):
    pass


def _leaves(obj: Any, prefix: Path = ()) -> dict[Path, Any]:
    if isinstance(obj, dict) and obj:
        out: dict[Path, Any] = {}
        for k, v in obj.items():
            out.update(_leaves(v, (*prefix, k)))
        return {p: v for p, v in out.items() if p not in _SKIP}
    return {prefix: obj} if prefix else {}


def _to_fields(paths: set[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for path in sorted(paths):
        node = root
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return root


def _from_fields(fields: dict[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for k, v in fields.items():
        if not k.startswith("f:"):
            continue
        path = (*prefix, k[2:])
        out |= _from_fields(v, path) if v else {path}
    return out


def _get(obj: Any, path: Path) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _delete(obj: dict[str, Any], path: Path) -> None:
    node = _get(obj, path[:-1])
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base.get(k), v)
        return out
    return copy.deepcopy(over)


def _entries(obj: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list(((obj or {}).get("metadata") or {}).get("managedFields") or [])


def _entry(
    manager: str, op: str, api_version: str, now: str, paths: set[Path], sub: str
) -> dict[str, Any]:
    entry = {
        "manager": manager,
        "operation": op,
        "apiVersion": api_version,
        "time": now,
        "fieldsType": "FieldsV1",
        "fieldsV1": _to_fields(paths),
    }
    if sub:
        entry["subresource"] = sub
    return entry


def _set_entries(obj: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    kept = [e for e in entries if e["fieldsV1"]]
    obj.setdefault("metadata", {})["managedFields"] = kept


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    now: str,
    list_keys: Any = None,
    subresource: str = "",
) -> dict[str, Any]:
    mine = set(_leaves({k: v for k, v in applied.items() if k != "status"}))
    api_version = str(applied.get("apiVersion", ""))
    if live is None:
        result = copy.deepcopy(applied)
        _set_entries(result, [_entry(manager, "Apply", api_version, now, mine, subresource)])
        return result
    others, previous = [], set()
    for entry in _entries(live):
        if entry["manager"] == manager and entry["operation"] == "Apply":
            previous = _from_fields(entry.get("fieldsV1") or {})
        else:
            others.append((entry, _from_fields(entry.get("fieldsV1") or {})))
    conflicts = [
        (".".join(("", *p)), entry["manager"])
        for entry, paths in others
        for p in sorted(mine & paths)
        if _get(live, p) != _get(applied, p)
    ]
    if conflicts and not force:
        raise ApplyConflict(conflicts)
    result = copy.deepcopy(live)
    owned_by_others = set().union(*(paths for _, paths in others)) if others else set()
    for path in previous - mine - owned_by_others:
        _delete(result, path)
    result = _merge(result, {k: v for k, v in applied.items() if k != "status"})
    entries = []
    for entry, paths in others:
        left = paths - mine if force else paths
        entries.append({**entry, "fieldsV1": _to_fields(left)})
    entries.append(_entry(manager, "Apply", api_version, now, mine, subresource))
    _set_entries(result, entries)
    return dict(result)


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    now: str,
    operation: str = "Update",
    list_keys: Any = None,
    subresource: str = "",
) -> dict[str, Any]:
    new_leaves = _leaves(new)
    old_leaves = _leaves(old or {})
    changed = {p for p, v in new_leaves.items() if old_leaves.get(p, object()) != v}
    result = copy.deepcopy(new)
    entries, mine = [], set(changed)
    for entry in _entries(old):
        paths = _from_fields(entry.get("fieldsV1") or {}) & set(new_leaves)
        if entry["manager"] == manager and entry["operation"] == operation:
            mine |= paths
            continue
        entries.append({**entry, "fieldsV1": _to_fields(paths - changed)})
    if mine:
        entries.append(
            _entry(manager, operation, str(new.get("apiVersion", "")), now, mine, subresource)
        )
    _set_entries(result, entries)
    return dict(result)


def merge_patch(obj: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    def merge(base: Any, over: Any) -> Any:
        if not isinstance(over, dict):
            return copy.deepcopy(over)
        out = dict(base) if isinstance(base, dict) else {}
        for k, v in over.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = merge(out.get(k), v)
        return out

    return dict(merge(obj, patch))


def strategic_merge_patch(
    obj: dict[str, Any], patch: dict[str, Any], *, list_keys: Any = None
) -> dict[str, Any]:
    return merge_patch(obj, patch)


def json_patch(obj: dict[str, Any], ops: list[Any]) -> dict[str, Any]:
    doc = copy.deepcopy(obj)
    for op in ops:
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent: Any = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        kind = op["op"]
        if kind == "test":
            value = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if value != op.get("value"):
                raise PatchError(f"testing value {op['path']} failed")
        elif kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        elif isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if kind == "add":
                parent.insert(index, op["value"])
            else:
                parent[index] = op["value"]
        else:
            if kind == "replace" and last not in parent:
                raise PatchError(
                    f"replace operation does not apply: doc is missing key: {op['path']}"
                )
            parent[last] = op["value"]
    return doc


def apply_defaults(obj: dict[str, Any]) -> None:
    return None
