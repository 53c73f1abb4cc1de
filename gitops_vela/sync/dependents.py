"""What still lives inside an object about to be pruned: a Namespace's contents, a CRD's
custom resources. Deleting either deletes them all, so neither is pruned while
anything survives in it that the pruning app does not delete itself.

A Namespace may be deleted anyway when its live object is annotated
``gitops-vela.dev/prune: force`` (a person's explicit decision). A CRD never
is while custom resources of it exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

from gitops_vela.cluster import Cluster, Resource
from gitops_vela.errors import GitopsVelaError, UnknownKindError
from gitops_vela.model.labels import OWNER, PRUNE_ANNOTATION
from gitops_vela.model.objects import Manifest, ObjectRef

FORCE = "force"
"""``gitops-vela.dev/prune: force`` on a Namespace: prune it even though it holds others."""

# Made by Kubernetes in every namespace, or records rather than objects someone keeps.
_SKIPPED_KINDS = frozenset({("", "Event"), ("events.k8s.io", "Event")})
_DEFAULTS = frozenset({("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")})


def holds(
    cluster: Cluster, ref: ObjectRef, live: Manifest, *, owner: str, pruned: Collection[ObjectRef]
) -> str:
    """Why ``live`` must be kept because of what it holds, or "" when it may be pruned."""
    if ref.kind == "Namespace" and not ref.group:
        annotations = (live.get("metadata") or {}).get("annotations") or {}
        if annotations.get(PRUNE_ANNOTATION) == FORCE:
            return ""
        return _namespace(cluster, ref.name, owner=owner, pruned=pruned)
    if ref.kind == "CustomResourceDefinition" and ref.group == "apiextensions.k8s.io":
        return _definition(cluster, ref.name, live)
    return ""


def _namespace(cluster: Cluster, name: str, *, owner: str, pruned: Collection[ObjectRef]) -> str:
    try:
        owners = contents(cluster, name, owner=owner, pruned=pruned)
    except GitopsVelaError as exc:
        return f"kept Namespace {name}: cannot tell what it holds ({exc.message})"
    if not owners:
        return ""
    total, unmanaged = sum(owners.values()), owners[""]
    apps = sorted(o for o in owners if o)
    whose = f"app {apps[0]}" if len(apps) == 1 else f"apps {', '.join(apps)}"
    if apps and unmanaged:
        whose = f"of {whose} and {unmanaged} unmanaged"
    else:
        whose = f"of {whose}" if apps else "unmanaged"
    return (
        f"kept Namespace {name}: holds {total} object{'s' if total > 1 else ''} {whose};"
        f" annotate it {PRUNE_ANNOTATION}={FORCE} to delete it anyway"
    )


def contents(
    cluster: Cluster, namespace: str, *, owner: str, pruned: Collection[ObjectRef]
) -> Counter[str]:
    """Objects in ``namespace`` that would outlive this prune, counted by owner ("": none)."""
    found: Counter[str] = Counter()
    for resource in cluster.discovery.namespaced():
        if (resource.group, resource.kind) in _SKIPPED_KINDS:
            continue
        for obj in _list(cluster, resource, namespace):
            meta = obj.get("metadata") or {}
            holder = str((meta.get("labels") or {}).get(OWNER) or "")
            if _incidental(resource, obj) or (
                holder == owner and ObjectRef.from_manifest(obj) in pruned
            ):
                continue
            found[holder] += 1
    return found


def _list(cluster: Cluster, resource: Resource, namespace: str) -> list[Manifest]:
    try:
        return cluster.list_objects(resource, namespace=namespace)
    except UnknownKindError:
        return []


def _incidental(resource: Resource, obj: Manifest) -> bool:
    """Going away, owned by another object (counted through it), or made by Kubernetes."""
    meta = obj.get("metadata") or {}
    if meta.get("deletionTimestamp") or meta.get("ownerReferences"):
        return True
    if obj.get("type") == "kubernetes.io/service-account-token":
        return True
    return (resource.kind, meta.get("name")) in _DEFAULTS


def _definition(cluster: Cluster, name: str, crd: Manifest) -> str:
    spec = crd.get("spec") or {}
    group, kind = str(spec.get("group") or ""), str((spec.get("names") or {}).get("kind") or "")
    served = [v.get("name") for v in spec.get("versions") or [] if v.get("served", True)]
    if not served:
        return ""
    try:
        resource = cluster.resource(f"{group}/{served[0]}", kind)
        alive = [o for o in _list(cluster, resource, "") if not _going(o)]
    except UnknownKindError:
        return ""
    except GitopsVelaError as exc:
        return f"kept CustomResourceDefinition {name}: cannot list its resources ({exc.message})"
    if not alive:
        return ""
    count = len(alive)
    return (
        f"kept CustomResourceDefinition {name}: {count} {kind}"
        f" {'resources still exist' if count > 1 else 'resource still exists'}; delete them first"
    )


def _going(obj: Manifest) -> bool:
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))
