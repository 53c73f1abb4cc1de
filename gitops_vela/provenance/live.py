"""The cluster's side of a field: its live value, drift, and who wrote it (managedFields).

A live object's ``metadata.managedFields`` says, per field manager and
operation, which fields it owns (``fieldsV1``: ``f:<key>`` for a map key,
``k:{"name":"web"}`` for a list item found by its keys, ``i:<n>`` by index,
``v:<json>`` for an item of a set). Walking that tree alongside the live
object names the manager that last wrote a field: after ``kubectl scale``,
``spec.replicas`` belongs to ``kubectl`` (``Update``, subresource ``scale``),
no longer to ``gitops-vela``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ClusterError
from gitops_vela.model.masking import MASK, is_secret
from gitops_vela.provenance.fields import MISSING, FieldPath, Named, lookup
from gitops_vela.provenance.origins import FieldOrigin, Live, ObjectOrigin, Owner


def owners(live: Mapping[str, Any], path: FieldPath) -> tuple[Owner, ...]:
    """The managers whose managedFields own the field at ``path`` of ``live``, latest first."""
    found: list[Owner] = []
    for entry in (live.get("metadata") or {}).get("managedFields") or []:
        fields = entry.get("fieldsV1")
        if isinstance(fields, dict) and _owns(fields, live, path):
            found.append(
                Owner(
                    manager=str(entry.get("manager", "")),
                    operation=str(entry.get("operation", "")),
                    time=str(entry.get("time") or ""),
                    subresource=str(entry.get("subresource") or ""),
                )
            )
    return tuple(sorted(found, key=lambda o: o.time, reverse=True))


def _owns(fields: Mapping[str, Any], value: Any, path: FieldPath) -> bool:
    node: Any = fields
    for segment in path:
        if not isinstance(node, dict):
            return False
        if isinstance(segment, str):
            node = node.get(f"f:{segment}")
            value = value.get(segment) if isinstance(value, dict) else MISSING
            continue
        items = value if isinstance(value, list) else []
        index = _index(items, segment)
        if index is None:
            return False
        item = items[index]
        node = _item_node(node, item, index)
        value = item
    return node is not None


def _index(items: Sequence[Any], segment: int | Named) -> int | None:
    if isinstance(segment, int):
        return segment if 0 <= segment < len(items) else None
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("name") == segment.value:
            return index
    return None


def _item_node(node: Mapping[str, Any], item: Any, index: int) -> Any:
    """The fieldsV1 node of a list item: by its keys (``k:``), its value (``v:``), or index."""
    for key, child in node.items():
        if key.startswith("k:"):
            try:
                keys = json.loads(key[2:])
            except ValueError:
                continue
            matches = isinstance(keys, dict) and isinstance(item, dict)
            if matches and all(item.get(k) == v for k, v in keys.items()):
                return child
        elif key.startswith("v:"):
            try:
                if json.loads(key[2:]) == item:
                    return child
            except ValueError:
                continue
    return node.get(f"i:{index}")


def with_live(
    origin: ObjectOrigin, live: Mapping[str, Any] | None, expected: Mapping[str, Any] | None = None
) -> ObjectOrigin:
    """``origin`` with each field's live value, drift and writers.

    ``expected``: the object as the server would store the rendered one (a
    dry-run apply), so server-side normalisation (``cpu: "0.5"`` read back as
    ``500m``) is not mistaken for drift; without it the rendered value is compared.
    A missing live object: every field is missing, hence drifted.
    """
    fields: list[FieldOrigin] = []
    secret = is_secret(origin.object)
    for field in origin.fields:
        value = lookup(live, field.path) if live is not None else MISSING
        wanted = lookup(expected, field.path) if expected is not None else MISSING
        if wanted is MISSING:
            wanted = field.value
        drifted = value is MISSING or not _equal(value, wanted)
        writers = owners(live, field.path) if live is not None else ()
        if secret and field.path[:1] in (("data",), ("stringData",)) and value is not MISSING:
            value = MASK  # the cluster's secret values never leave it, drifted or not
        fields.append(dataclasses.replace(field, live=Live(value, drifted, writers)))
    return dataclasses.replace(origin, fields=tuple(fields))


def _equal(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def read_live(cluster: Cluster, obj: Mapping[str, Any]) -> tuple[Any, Any]:
    """(the live object with its managedFields or None, the server's dry-run of ``obj`` or None).

    The dry run changes nothing. One the server refuses leaves the comparison to the
    rendered values.
    """
    metadata = obj.get("metadata") or {}
    resource = cluster.resource(str(obj["apiVersion"]), str(obj["kind"]))
    live = cluster.get(
        resource, namespace=str(metadata.get("namespace") or ""), name=str(metadata["name"])
    )
    if live is None:
        return None, None
    try:
        expected = cluster.apply(dict(obj), dry_run=True).object
    except ClusterError:
        expected = None
    return live, expected
