"""Built-in kinds served at two versions over one storage, converted as the apiserver does.

* ``autoscaling/v1`` HorizontalPodAutoscaler over the ``autoscaling/v2`` objects:
  v1's ``targetCPUUtilizationPercentage`` is v2's CPU ``Utilization`` metric,
  ``currentCPUUtilizationPercentage`` its current value.
* ``events.k8s.io/v1`` Event over the ``core/v1`` Events: ``regarding`` is
  ``involvedObject``, ``note`` is ``message``, the old fields are ``deprecated*``.

:func:`to_view` turns a stored object into the version a request names,
:func:`to_storage` a request body into the stored version. Other kinds only
change ``apiVersion``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vela_emulator.calls import Obj
from vela_emulator.registry import ResourceType

_CPU = "cpu"


def _hpa_v1(obj: Obj) -> Obj:
    spec = obj.get("spec") or {}
    view_spec: Obj = {
        k: spec[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec
    }
    for metric in spec.get("metrics") or []:
        target = (metric.get("resource") or {}).get("target") or {}
        if (metric.get("resource") or {}).get("name") == _CPU and "averageUtilization" in target:
            view_spec["targetCPUUtilizationPercentage"] = target["averageUtilization"]
    out: Obj = {**obj, "spec": view_spec}
    if "status" in obj:
        status = obj.get("status") or {}
        view_status: Obj = {
            k: status[k]
            for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
            if k in status
        }
        view_status.setdefault("currentReplicas", 0)
        view_status.setdefault("desiredReplicas", 0)
        for metric in status.get("currentMetrics") or []:
            current = (metric.get("resource") or {}).get("current") or {}
            if (metric.get("resource") or {}).get(
                "name"
            ) == _CPU and "averageUtilization" in current:
                view_status["currentCPUUtilizationPercentage"] = current["averageUtilization"]
        out["status"] = view_status
    return out


def _hpa_v2(obj: Obj) -> Obj:
    spec = dict(obj.get("spec") or {})
    percent = spec.pop("targetCPUUtilizationPercentage", None)
    if percent is not None:
        target = {"type": "Utilization", "averageUtilization": percent}
        spec["metrics"] = [{"type": "Resource", "resource": {"name": _CPU, "target": target}}]
    out = {**obj, "spec": spec}
    out.pop("status", None)  # status is the controller's, written through v2
    return out


_EVENT_RENAMES = (  # events.k8s.io/v1 name, core/v1 name
    ("regarding", "involvedObject"),
    ("note", "message"),
    ("reportingController", "reportingComponent"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
)
_EVENT_KEPT = (
    "metadata",
    "reason",
    "type",
    "eventTime",
    "reportingInstance",
    "action",
    "related",
    "series",
)


def _event_v1(obj: Obj) -> Obj:
    out: Obj = {k: obj[k] for k in _EVENT_KEPT if k in obj}
    for new, old in _EVENT_RENAMES:
        if obj.get(old) not in (None, "", {}):
            out[new] = obj[old]
    out["eventTime"] = (
        obj.get("eventTime")
        or obj.get("firstTimestamp")
        or obj["metadata"].get("creationTimestamp")
    )
    return out


def to_core_event(obj: Obj) -> Obj:
    """An ``events.k8s.io/v1`` Event in ``core/v1`` fields."""
    out: Obj = {k: obj[k] for k in _EVENT_KEPT if k in obj}
    for new, old in _EVENT_RENAMES:
        if obj.get(new) not in (None, ""):
            out[old] = obj[new]
    out.setdefault("involvedObject", {})
    return out


_VIEWS: dict[tuple[str, str, str], Callable[[Obj], Obj]] = {
    ("autoscaling", "v1", "HorizontalPodAutoscaler"): _hpa_v1,
    ("events.k8s.io", "v1", "Event"): _event_v1,
}
_STORES: dict[tuple[str, str, str], Callable[[Obj], Obj]] = {
    ("autoscaling", "v1", "HorizontalPodAutoscaler"): _hpa_v2,
    ("events.k8s.io", "v1", "Event"): to_core_event,
}


def converts(rtype: ResourceType) -> bool:
    return (rtype.group, rtype.version, rtype.kind) in _VIEWS


def to_view(rtype: ResourceType, obj: Obj) -> Obj:
    """A stored object as ``rtype``'s version shows it."""
    convert = _VIEWS.get((rtype.group, rtype.version, rtype.kind))
    viewed = convert(obj) if convert else obj
    return {**viewed, "apiVersion": rtype.api_version, "kind": rtype.kind}


def to_storage(rtype: ResourceType, storage: ResourceType, body: Any) -> Any:
    """A request body of ``rtype``'s version as the ``storage`` version holds it."""
    convert = _STORES.get((rtype.group, rtype.version, rtype.kind))
    if convert is None or not isinstance(body, dict):
        return body
    return {**convert(body), "apiVersion": storage.api_version, "kind": storage.kind}
