"""What each app applied, kept in the cluster as one ConfigMap per app.

The ConfigMap lives in the inventory namespace (``gitops-vela-system`` by
default), is named after the app's ownership value and holds one line per
object: ``<apiVersion> <kind> <namespace or -> <name> <digest> <live>``.
``digest`` hashes the desired object as applied; ``live`` hashes the live
values of exactly the fields gitops-vela applies, as the server returned them.
A later run skips an object, with no request, when its desired digest is the
same and its applied fields are unchanged live (even where the server
normalised a value, e.g. ``cpu: 0.5`` stored as ``500m``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import MANAGED_BY, MANAGED_BY_VALUE, owner_value
from gitops_vela.model.objects import Manifest, ObjectRef

INVENTORY_LABEL = "gitops-vela.dev/inventory-of"
_NOT_NAME = re.compile(r"[^a-z0-9.-]")


@dataclass(frozen=True, slots=True)
class Record:
    """What was applied for one object: desired digest, and live hash of its applied fields."""

    digest: str
    live: str = "-"


@dataclass(frozen=True, slots=True)
class Inventory:
    """The objects one app applied, each with the digest of what was applied."""

    repo: str
    app: str
    namespace: str
    entries: Mapping[ObjectRef, Record] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return owner_value(self.repo, self.app)

    def encode(self) -> str:
        lines = (
            f"{ref.api_version} {ref.kind} {ref.namespace or '-'} {ref.name} {rec.digest} {rec.live}"
            for ref, rec in self.entries.items()
        )
        return "".join(f"{line}\n" for line in sorted(lines))

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
    entries: dict[ObjectRef, Record] = {}
    for line in str(data.get("objects") or "").splitlines():
        parts = line.split()
        if len(parts) not in (5, 6):
            continue
        api_version, kind, namespace, name, digest = parts[:5]
        group, _, version = api_version.rpartition("/")
        ref = ObjectRef(group, kind, "" if namespace == "-" else namespace, name, version)
        entries[ref] = Record(digest, parts[5] if len(parts) == 6 else "-")
    return Inventory(str(data["repo"]), str(data["app"]), str(data.get("namespace") or ""), entries)


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
    found = (decode(item) for item in items)
    return {inv.owner: inv for inv in found if inv is not None}


def write(cluster: Cluster, inventory: Inventory, *, namespace: str) -> None:
    cluster.apply(inventory.to_configmap(namespace))


def delete(cluster: Cluster, inventory: Inventory, *, namespace: str) -> None:
    resource = cluster.resource("v1", "ConfigMap")
    cluster.delete(resource, namespace=namespace, name=configmap_name(inventory.owner))
