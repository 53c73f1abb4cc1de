"""Reading live state: one list per kind (and namespace), by the ownership label."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence

from gitops_vela.cluster import Cluster, Outcome, Resource
from gitops_vela.model.labels import OWNER
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.sync.desired import Desired
from gitops_vela.sync.ordering import kind_key


def list_live(
    cluster: Cluster, resource: Resource, items: Sequence[Desired]
) -> dict[ObjectRef, Manifest]:
    """Live objects of one kind that these desired objects may match.

    Lists in one namespace when all items share it, else across the cluster (or
    per namespace, for a client that impersonates a repository's ServiceAccount);
    selects by this app's ownership value when there is one app, else by the
    label's presence (one request either way).
    """
    namespaces = {item.ref.namespace for item in items}
    namespace = next(iter(namespaces)) if resource.namespaced and len(namespaces) == 1 else ""
    owners = {item.owner for item in items}
    selector = f"{OWNER}={next(iter(owners))}" if len(owners) == 1 else OWNER
    if resource.namespaced and not namespace and cluster.identity is not None:
        # A repository's ServiceAccount is usually granted namespaces, not the cluster:
        # one list per namespace it renders into.
        found = [
            obj
            for space in sorted(namespaces)
            for obj in cluster.list_objects(resource, namespace=space, label_selector=selector)
        ]
    else:
        found = cluster.list_objects(resource, namespace=namespace, label_selector=selector)
    return {ObjectRef.from_manifest(obj): obj for obj in found}


def namespaces(cluster: Cluster) -> dict[str, Manifest]:
    """Every namespace by name (one request; also tells which must be created)."""
    resource = cluster.resource("v1", "Namespace")
    return {str(ns["metadata"]["name"]): ns for ns in cluster.list_objects(resource)}


Batch = tuple[list[Desired], Outcome[dict[ObjectRef, Manifest]]]
"""The desired objects of one kind, in order, and what was read live for them."""


def by_kind(
    cluster: Cluster,
    items: Sequence[Desired],
    namespaces: Mapping[str, Manifest],
    *,
    empty: Collection[str] = (),
) -> list[Batch]:
    """``items`` grouped by kind in apply order, each kind read live (concurrently).

    Reads do not depend on the order (writes do); a kind that cannot be read
    carries its error. Namespaces come from ``namespaces`` (already listed);
    ``empty`` names namespaces known to hold nothing (this run just created them).
    """
    ordered = sorted(
        items, key=lambda i: (kind_key(i.ref.group, i.ref.kind), i.ref.namespace, i.ref.name)
    )
    batches = [
        list(g) for _, g in itertools.groupby(ordered, key=lambda i: (i.api_version, i.ref.kind))
    ]
    lives = cluster.map(lambda batch: _read(cluster, batch, namespaces, empty), batches)
    return list(zip(batches, lives, strict=True))


def _read(
    cluster: Cluster,
    batch: list[Desired],
    namespaces: Mapping[str, Manifest],
    empty: Collection[str] = (),
) -> dict[ObjectRef, Manifest]:
    resource = cluster.resource(batch[0].api_version, batch[0].ref.kind)
    if resource.kind == "Namespace" and not resource.group:
        return {ObjectRef.from_manifest(ns): ns for ns in namespaces.values()}
    found = list_live(cluster, resource, batch)
    missing = [i for i in batch if i.ref not in found and i.ref.namespace not in empty]
    return found | _unlabelled(cluster, resource, missing)


def _unlabelled(
    cluster: Cluster, resource: Resource, missing: Sequence[Desired]
) -> dict[ObjectRef, Manifest]:
    """Objects that exist without this app's label (another owner's, or nobody's).

    The planner must see them before it creates anything (it never applies over
    another owner's object). One list per namespace, only when something is missing:
    a quiet poll sends none.
    """
    refs = {item.ref for item in missing}
    spaces = sorted({ref.namespace for ref in refs}) if resource.namespaced else [""]
    found: dict[ObjectRef, Manifest] = {}
    for namespace in spaces:
        for obj in cluster.list_objects(resource, namespace=namespace):
            ref = ObjectRef.from_manifest(obj)
            if ref in refs:
                found[ref] = obj
    return found
