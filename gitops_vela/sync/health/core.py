"""Rules for Service, Ingress, PVC, HPA, CRD, Namespace."""

from __future__ import annotations

from typing import Any

from gitops_vela.sync.health.types import (
    HEALTHY,
    ObjectHealth,
    condition,
    degraded,
    is_false,
    is_true,
    progressing,
)


def _load_balancer_ready(obj: dict[str, Any]) -> bool:
    return bool(((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress"))


def service(obj: dict[str, Any]) -> ObjectHealth:
    if (obj.get("spec") or {}).get("type") == "LoadBalancer" and not _load_balancer_ready(obj):
        return progressing("waiting for a load balancer address")
    return HEALTHY


def ingress(obj: dict[str, Any]) -> ObjectHealth:
    if not _load_balancer_ready(obj):
        return progressing("waiting for an ingress controller to assign an address")
    return HEALTHY


def persistent_volume_claim(obj: dict[str, Any]) -> ObjectHealth:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Bound":
        return HEALTHY
    if phase == "Lost":
        return degraded("the claim lost its volume")
    return progressing(f"claim is {phase or 'pending'}")


def horizontal_pod_autoscaler(obj: dict[str, Any]) -> ObjectHealth:
    for kind in ("AbleToScale", "ScalingActive"):
        found = condition(obj, kind)
        if found and is_false(obj, kind) and found.get("reason") != "ScalingDisabled":
            return degraded(str(found.get("message") or found.get("reason") or kind))
    if condition(obj, "AbleToScale") is None:
        return progressing("waiting for the autoscaler to observe the target")
    return HEALTHY


def custom_resource_definition(obj: dict[str, Any]) -> ObjectHealth:
    if is_false(obj, "NamesAccepted"):
        found = condition(obj, "NamesAccepted") or {}
        return degraded(str(found.get("message") or "names not accepted"))
    if is_true(obj, "Established"):
        return HEALTHY
    return progressing("waiting for the definition to be established")


def namespace(obj: dict[str, Any]) -> ObjectHealth:
    phase = (obj.get("status") or {}).get("phase")
    if phase == "Terminating":
        return progressing("namespace is terminating")
    return HEALTHY
