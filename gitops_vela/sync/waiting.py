"""Waiting for the first stage: CRDs Established (their kinds served), Namespaces Active."""

from __future__ import annotations

import time
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ClusterError
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.sync.health.types import is_true


def ready(obj: Manifest) -> bool:
    if obj.get("kind") == "CustomResourceDefinition":
        return is_true(obj, "Established")
    if obj.get("kind") == "Namespace":
        return bool((obj.get("status") or {}).get("phase", "Active") == "Active")
    return True


def wait_ready(cluster: Cluster, obj: Manifest, *, timeout: float) -> Manifest:
    """Poll until ``obj`` is ready; the last state read is returned."""
    ref = ObjectRef.from_manifest(obj)
    resource = cluster.resource(ref.api_version, ref.kind)
    deadline = time.monotonic() + timeout
    delay = 0.05
    current: dict[str, Any] | None = obj
    while current is None or not ready(current):
        if time.monotonic() > deadline:
            raise ClusterError(f"{ref} did not become ready within {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 1.0)
        current = cluster.get(resource, namespace=ref.namespace, name=ref.name)
    return current


def served_versions(crd: Manifest) -> frozenset[str]:
    """``group/version`` of every version a CRD serves (discovery must refresh them)."""
    spec = crd.get("spec") or {}
    group = str(spec.get("group") or "")
    return frozenset(
        f"{group}/{v.get('name')}" for v in spec.get("versions") or [] if v.get("served", True)
    )
