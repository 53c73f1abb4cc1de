"""What each app applied, kept in the cluster as one ConfigMap per app.

The ConfigMap lives in the inventory namespace (``gitops-vela-system`` by
default), is named after the app's ownership value, and lists one object per
line: ``<apiVersion> <kind> <namespace or -> <name>``. It holds identities
only, so it changes when the app's set of objects changes, not when an
object's content does (a one-object change stays one write).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import MANAGED_BY, MANAGED_BY_VALUE, owner_value
from gitops_vela.model.objects import Manifest, ObjectRef

INVENTORY_LABEL = "gitops-vela.dev/inventory-of"
_NOT_NAME = re.compile(r"[^a-z0-9.-]")


@dataclass(frozen=True, slots=True)
class Inventory:
    """The objects one app applied (their apiVersion kept, for deleting them later)."""

    repo: str
    app: str
    namespace: str
    objects: frozenset[ObjectRef] = frozenset()

    @property
    def owner(self) -> str:
        return owner_value(self.repo, self.app)

    def with_objects(self, objects: Iterable[ObjectRef]) -> Inventory:
        return Inventory(self.repo, self.app, self.namespace, frozenset(objects))

    def encode(self) -> str:
        lines = sorted(
            f"{ref.api_version} {ref.kind} {ref.namespace or '-'} {ref.name}"
            for ref in self.objects
        )
        return "".join(f"{line}\n" for line in lines)

    def to_configmap(self, namespace: str) -> Manifest:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": configmap_name(self.owner),
                "namespace": namespace,
                "labels": {INVENTORY_LABEL: self.owner, MANAGED_BY: MANAGED_BY_VALUE},
            },
            "data": {
                "repo": self.repo,
                "app": self.app,
                "namespace": self.namespace,
                "objects": self.encode(),
            },
        }


def decode(configmap: Manifest) -> Inventory | None:
    """An inventory from its ConfigMap; None when it is not one of ours."""
    data = configmap.get("data") or {}
    if not data.get("repo") or not data.get("app"):
        return None
    return Inventory(
        str(data["repo"]),
        str(data["app"]),
        str(data.get("namespace") or ""),
        _parse(str(data.get("objects") or "")),
    )


@functools.lru_cache(maxsize=8192)
def _parse(text: str) -> frozenset[ObjectRef]:
    """Object lines -> refs; cached, as a daemon reads the same inventories every poll."""
    objects: set[ObjectRef] = set()
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        api_version, kind, namespace, name = parts
        group, _, version = api_version.rpartition("/")
        objects.add(ObjectRef(group, kind, "" if namespace == "-" else namespace, name, version))
    return frozenset(objects)


def configmap_name(owner: str) -> str:
    """A valid ConfigMap name for an ownership value (hashed when it had to change)."""
    name = _NOT_NAME.sub("-", owner.lower()).strip("-.")
    if name != owner:
        name = f"{name[:200]}-{hashlib.sha256(owner.encode()).hexdigest()[:8]}"
    return f"inventory.{name}"


def read_all(cluster: Cluster, *, namespace: str) -> dict[str, Inventory]:
    """Every inventory in the namespace, by ownership value (one list request)."""
    resource = cluster.resource("v1", "ConfigMap")
    items = cluster.list_objects(resource, namespace=namespace, label_selector=INVENTORY_LABEL)
    found = (_decode_version(item) for item in items)
    return {inv.owner: inv for inv in found if inv is not None}


_DECODED_MAX = 65536
_decoded: dict[tuple[str, str, str, str], Inventory | None] = {}


def _decode_version(configmap: Manifest) -> Inventory | None:
    """``decode``, remembered per object and resourceVersion.

    A daemon reads every inventory on every sync, a drift run of one app too;
    an inventory changes only when its app's set of objects does, so most of
    them were decoded last time. Without a resourceVersion and uid it decodes afresh.
    """
    meta = configmap.get("metadata") or {}
    version, uid = str(meta.get("resourceVersion") or ""), str(meta.get("uid") or "")
    if not version or not uid:  # uid: a recreated object (or cluster) reuses versions
        return decode(configmap)
    key = (
        uid,
        str(meta.get("namespace") or ""),
        str(meta.get("name")),
        version,
    )
    try:
        return _decoded[key]
    except KeyError:
        pass
    found = decode(configmap)
    if len(_decoded) >= _DECODED_MAX:  # stale versions pile up: start over
        _decoded.clear()
    _decoded[key] = found
    return found


def write(cluster: Cluster, inventory: Inventory, *, namespace: str) -> None:
    cluster.apply(inventory.to_configmap(namespace))


def delete(cluster: Cluster, inventory: Inventory, *, namespace: str) -> None:
    resource = cluster.resource("v1", "ConfigMap")
    cluster.delete(resource, namespace=namespace, name=configmap_name(inventory.owner))
