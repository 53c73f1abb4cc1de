"""The part of a live object gitops-vela needs to plan it: a bounded view.

A watch cache that kept whole objects would grow with everything other
controllers write (``managedFields`` alone is often half an object). Planning
needs far less: the identity and ``resourceVersion``, labels and annotations
(ownership, our digest, a hand-over), the fields *we* apply (from our entry in
``managedFields``), the few ``spec`` fields health reads even when another
manager owns them (an HPA's ``replicas``) and ``status``. ``owned_view`` cuts an
object down to that; ``OwnedView`` marks the result, so a comparison knows it
holds only our fields (``same_owned``).

Pure functions over plain dicts; inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from gitops_vela.model.labels import FIELD_MANAGER
from gitops_vela.model.masking import LAST_APPLIED
from gitops_vela.model.objects import Manifest

KEPT_METADATA = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "labels",
    "deletionTimestamp",
)
"""Metadata planning, pruning and health read (annotations are kept too, see below)."""

HEALTH_SPEC_FIELDS = (
    "replicas",
    "paused",
    "type",
    "updateStrategy",
    "suspend",
    "completions",
    "restartPolicy",
)
"""``spec`` fields the health checks read, kept whoever owns them."""

_VOLATILE_METADATA = ("uid", "resourceVersion", "generation", "deletionTimestamp")


class OwnedView(dict[str, Any]):
    """A live object cut down by ``owned_view`` (a plain dict otherwise)."""


def owned_view(obj: Manifest, manager: str = FIELD_MANAGER) -> OwnedView:
    """``obj`` reduced to what planning, pruning and health need (module docstring).

    An object ``manager`` never applied (no entry of its in ``managedFields``)
    keeps its whole body: there is no "ours" to cut it to, and such objects are
    rare (adopted ones, until their first apply).
    """
    if isinstance(obj, OwnedView):
        return obj
    meta = obj.get("metadata") or {}
    fields = _manager_fields(meta.get("managedFields") or (), manager)
    if fields is None:
        body = {k: v for k, v in obj.items() if k not in ("metadata", "status", "managedFields")}
    else:
        body = _project(obj, fields)
        body.pop("metadata", None)
        body.pop("status", None)
    spec = obj.get("spec")
    if isinstance(spec, dict) and isinstance(body.get("spec", {}), dict):
        kept = {k: spec[k] for k in HEALTH_SPEC_FIELDS if k in spec}
        if kept:
            body["spec"] = {**kept, **(body.get("spec") or {})}
    view = OwnedView(body)
    view["apiVersion"], view["kind"] = obj.get("apiVersion"), obj.get("kind")
    view["metadata"] = _metadata(meta)
    if "status" in obj:
        view["status"] = obj["status"]
    return view


def same_owned(preview: Manifest, live: Manifest, manager: str = FIELD_MANAGER) -> bool:
    """Would applying change any field ``manager`` owns? Compared on both views,
    ignoring what the server writes on every change (``resourceVersion``...)."""
    return _comparable(owned_view(preview, manager)) == _comparable(owned_view(live, manager))


def _comparable(view: OwnedView) -> dict[str, Any]:
    meta = {k: v for k, v in view["metadata"].items() if k not in _VOLATILE_METADATA}
    return {**{k: v for k, v in view.items() if k != "status"}, "metadata": meta}


def _metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    kept = {k: meta[k] for k in KEPT_METADATA if k in meta}
    annotations = meta.get("annotations")
    if annotations:  # kubectl's last-applied copy is a whole second object
        kept["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
    return kept


def _manager_fields(entries: Any, manager: str) -> dict[str, Any] | None:
    """The union of ``manager``'s main-resource entries (Apply and Update), or None."""
    found: dict[str, Any] | None = None
    for entry in entries:
        if not isinstance(entry, Mapping) or entry.get("manager") != manager:
            continue
        if entry.get("subresource"):
            continue
        fields = entry.get("fieldsV1")
        if isinstance(fields, Mapping):
            found = _merge(found or {}, fields)
    return found


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key in out and isinstance(out[key], Mapping) and isinstance(value, Mapping):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _project(value: Any, fields: Mapping[str, Any]) -> Any:
    """``value`` with only the members ``fields`` (FieldsV1) names.

    A member whose entry has no children of its own (``{}`` or only ``"."``)
    is kept whole: it is a leaf, an atomic map or an atomic list.
    """
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, child in fields.items():
            if not key.startswith("f:"):
                continue
            name = key[2:]
            if name in value:
                out[name] = _project(value[name], child) if _has_children(child) else value[name]
        return out
    if isinstance(value, list):
        return [
            _project_item(item, fields) for item in value if _item_fields(item, fields) is not None
        ]
    return value


def _project_item(item: Any, fields: Mapping[str, Any]) -> Any:
    child = _item_fields(item, fields)
    return _project(item, child) if child is not None and _has_children(child) else item


def _item_fields(item: Any, fields: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The entry of ``fields`` that names this list item (by key or by value)."""
    for key, child in fields.items():
        if key.startswith("k:") and isinstance(item, dict):
            try:
                wanted = orjson.loads(key[2:])
            except orjson.JSONDecodeError:
                continue
            if isinstance(wanted, dict) and all(item.get(k) == v for k, v in wanted.items()):
                return child if isinstance(child, Mapping) else {}
        elif key.startswith("v:"):
            try:
                if orjson.loads(key[2:]) == item:
                    return child if isinstance(child, Mapping) else {}
            except orjson.JSONDecodeError:
                continue
    return None


def _has_children(fields: Any) -> bool:
    return isinstance(fields, Mapping) and any(k != "." for k in fields)
