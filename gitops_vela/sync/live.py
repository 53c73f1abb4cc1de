"""Reading live state: one list per kind (and namespace), by the ownership label."""

from __future__ import annotations

from collections.abc import Sequence

from gitops_vela.cluster import Cluster, Resource
from gitops_vela.model.labels import OWNER
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.sync.desired import Desired


def list_live(
    cluster: Cluster, resource: Resource, items: Sequence[Desired]
) -> dict[ObjectRef, Manifest]:
    """Live objects of one kind that these desired objects may match.

    Lists in one namespace when all items share it, else across the cluster;
    selects by this app's ownership value when there is one app, else by the
    label's presence (one request either way).
    """
    namespaces = {item.ref.namespace for item in items}
    namespace = next(iter(namespaces)) if resource.namespaced and len(namespaces) == 1 else ""
    owners = {item.owner for item in items}
    selector = f"{OWNER}={next(iter(owners))}" if len(owners) == 1 else OWNER
    found = cluster.list_objects(resource, namespace=namespace, label_selector=selector)
    return {ObjectRef.from_manifest(obj): obj for obj in found}


def namespaces(cluster: Cluster) -> dict[str, Manifest]:
    """Every namespace by name (one request; also tells which must be created)."""
    resource = cluster.resource("v1", "Namespace")
    return {str(ns["metadata"]["name"]): ns for ns in cluster.list_objects(resource)}
