"""Rules for Service, Ingress, PVC, HPA, CRD, Namespace."""

from __future__ import annotations

import json
from typing import Any

from gitops_vela.sync.health.generic import reason_text
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
    # A LoadBalancer is usable once it has an address (Argo agrees; kstatus accepts
    # a clusterIP).
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


# The HPA controller's reasons for "cannot scale" and "cannot compute a replica count".
_HPA_FAILURES = {
    "AbleToScale": {"FailedGetScale", "FailedUpdateScale"},
    "ScalingActive": {
        "FailedGetResourceMetric",
        "FailedGetContainerResourceMetric",
        "FailedGetPodsMetric",
        "FailedGetObjectMetric",
        "FailedGetExternalMetric",
        "FailedComputeMetricsReplicas",
        "InvalidSelector",
        "InvalidMetricSourceType",
    },
}
# AbleToScale=False while a scale-up or -down waits out its stabilization window: working.
_HPA_BACKOFF = {"BackoffBoth", "BackoffDownscale", "BackoffUpscale"}
HPA_V1_CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"


def hpa_conditions(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """status.conditions, or for autoscaling/v1 the JSON list kept in an annotation."""
    found = (obj.get("status") or {}).get("conditions")
    if found:
        return [item for item in found if isinstance(item, dict)]
    text = ((obj.get("metadata") or {}).get("annotations") or {}).get(HPA_V1_CONDITIONS)
    if not text:
        return []
    parsed = json.loads(text)  # malformed JSON: the caller reports Unknown
    return [item for item in parsed if isinstance(item, dict)] if isinstance(parsed, list) else []


def horizontal_pod_autoscaler(obj: dict[str, Any]) -> ObjectHealth:
    by_type = {str(c.get("type")): c for c in hpa_conditions(obj)}
    able = by_type.get("AbleToScale")
    if able is None:
        return progressing("waiting for the autoscaler to observe the target")
    # Metrics of new pods take a while to appear: right after a successful
    # rescale a metrics failure is not yet a fault (Argo agrees).
    rescaled = able.get("reason") == "SucceededRescale"
    for kind in ("AbleToScale", "ScalingActive"):
        found = by_type.get(kind) or {}
        if found.get("reason") in _HPA_FAILURES[kind] and not (rescaled and kind != "AbleToScale"):
            return degraded(reason_text(found, f"{kind} is {found.get('status')}"))
    if str(able.get("status")) == "False" and able.get("reason") not in _HPA_BACKOFF:
        return progressing(reason_text(able, "the autoscaler cannot scale the target yet"))
    return HEALTHY


def api_service(obj: dict[str, Any]) -> ObjectHealth:
    # Available=False mostly means the backing Service has no ready endpoints
    # yet: both Argo and kstatus wait rather than fail.
    available = condition(obj, "Available")
    if available is not None and str(available.get("status")) == "True":
        return HEALTHY
    return progressing(reason_text(available, "waiting for the API service to be available"))


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
