"""The Pod rule: a finished pod by its phase, a running one by its containers and Ready.

Where the peers differ: a Ready pod is Healthy whatever its restartPolicy
(kstatus; Argo calls a running ``Never``/``OnFailure`` pod Progressing), a
waiting container that cannot start is Degraded under every restartPolicy
(kstatus; Argo only under ``Always``), and a Failed pod is Degraded (Argo;
kstatus calls it done).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gitops_vela.sync.health.types import (
    HEALTHY,
    ObjectHealth,
    condition,
    degraded,
    is_true,
    progressing,
)

# How long the scheduler may take before "Unschedulable" is a failure (kstatus waits 15s).
SCHEDULE_WINDOW_SECONDS = 15.0

# Waiting reasons of a container the kubelet cannot start (ErrImagePull, CrashLoopBackOff, ...).
_CANNOT_START = ("InvalidImageName", "CreateContainerConfigError", "CreateContainerError")


def pod(obj: dict[str, Any]) -> ObjectHealth:
    status = obj.get("status") or {}
    phase = status.get("phase")
    if phase == "Succeeded":
        return HEALTHY
    if phase == "Failed":
        return degraded(status.get("message") or _terminated(status) or "pod failed")
    stuck = _cannot_start(status)
    if stuck:
        return degraded(stuck)
    unschedulable = _unschedulable(obj)
    if unschedulable is not None:
        return unschedulable
    if is_true(obj, "Ready"):
        return HEALTHY
    restarts = (obj.get("spec") or {}).get("restartPolicy", "Always") == "Always"
    crashed = _terminated(status) if restarts and phase == "Running" else ""
    if crashed:
        return degraded(crashed)
    ready = condition(obj, "Ready") or {}
    return progressing(str(ready.get("message") or f"pod is {phase or 'Pending'}"))


def _containers(status: dict[str, Any]) -> list[dict[str, Any]]:
    found = [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    return [item for item in found if isinstance(item, dict)]


def _cannot_start(status: dict[str, Any]) -> str:
    for container in _containers(status):
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = str(waiting.get("reason") or "")
        failing = reason.startswith("Err") or reason.endswith("BackOff") or reason in _CANNOT_START
        if failing:
            detail = f": {waiting['message']}" if waiting.get("message") else ""
            return f"container {container.get('name', '?')}: {reason}{detail}"
    return ""


def _terminated(status: dict[str, Any]) -> str:
    """The first container that exited with an error, in words."""
    for container in _containers(status):
        if container.get("ready"):
            continue
        for key in ("state", "lastState"):
            done = (container.get(key) or {}).get("terminated") or {}
            if done and int(done.get("exitCode") or 0) != 0:
                reason = f" ({done['reason']})" if done.get("reason") else ""
                restarts = int(container.get("restartCount") or 0)
                again = f", restarted {restarts} times" if restarts else ""
                return (
                    f"container {container.get('name', '?')} exited with code "
                    f"{done.get('exitCode')}{reason}{again}"
                )
    return ""


def _unschedulable(obj: dict[str, Any]) -> ObjectHealth | None:
    scheduled = condition(obj, "PodScheduled") or {}
    if str(scheduled.get("status")) != "False" or scheduled.get("reason") != "Unschedulable":
        return None
    message = str(scheduled.get("message") or "no node fits the pod")
    since = scheduled.get("lastTransitionTime") or (obj.get("metadata") or {}).get(
        "creationTimestamp"
    )
    if _age_seconds(since) <= SCHEDULE_WINDOW_SECONDS:
        return progressing(f"waiting for the scheduler: {message}")
    return degraded(f"pod cannot be scheduled: {message}")


def _age_seconds(stamp: object) -> float:
    """Seconds since an RFC 3339 time; unknown or unreadable counts as long ago."""
    if isinstance(stamp, datetime):
        when = stamp
    else:
        try:
            when = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return float("inf")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (datetime.now(UTC) - when).total_seconds()
