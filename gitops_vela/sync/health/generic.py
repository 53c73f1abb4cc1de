"""The kstatus-style rule for kinds without a rule of their own (custom resources).

Order: the controller has not seen the latest spec (Progressing); Stalled=True
(Degraded); Reconciling=True (Progressing, naming the failure it retries, if
any); then Ready or Available. Ready/Available=False is Degraded unless its
reason is one of ``IN_PROGRESS``: reasons are matched exactly, since a
substring would read ``ReconciliationFailed`` as "reconciling".

Where we differ: kstatus calls every Ready=False InProgress; we call a reason
that names a failure Degraded (as Argo does), because ``apply --wait`` should
stop at a broken object rather than wait for its timeout. Reconciling=True
with Ready=False is Progressing (kstatus; Argo's Flux scripts say Degraded):
the controller is still retrying, and the message says what failed.
"""

from __future__ import annotations

from typing import Any

from gitops_vela.sync.health.types import (
    HEALTHY,
    ObjectHealth,
    condition,
    degraded,
    generation_pending,
    is_true,
    progressing,
)

# Ready/Available=False reasons that say "not yet", not "failed" (exact, as controllers write them).
IN_PROGRESS = frozenset(
    {
        "Progressing",
        "ProgressingWithRetry",
        "InProgress",
        "Reconciling",
        "Pending",
        "Creating",
        "Initializing",
        "Installing",
        "Provisioning",
        "Updating",
        "Upgrading",
        "Deploying",
        "Scaling",
        "Starting",
        "Waiting",
        "NotReadyYet",
        "DependencyNotReady",
    }
)


def generic(obj: dict[str, Any]) -> ObjectHealth:
    if generation_pending(obj):
        return progressing("waiting for the controller to observe the latest spec")
    if is_true(obj, "Stalled"):
        return degraded(reason_text(condition(obj, "Stalled"), "stalled"))
    readiness = _readiness(obj)
    if is_true(obj, "Reconciling"):
        return progressing(_retrying(condition(obj, "Reconciling"), readiness))
    if readiness is None or str(readiness.get("status")) == "True":
        return HEALTHY
    text = reason_text(readiness, f"{readiness.get('type')} is {readiness.get('status')}")
    if str(readiness.get("status")) == "Unknown" or readiness.get("reason") in IN_PROGRESS:
        return progressing(text)
    return degraded(text)


def _readiness(obj: dict[str, Any]) -> dict[str, Any] | None:
    return condition(obj, "Ready") or condition(obj, "Available")


def _retrying(reconciling: dict[str, Any] | None, readiness: dict[str, Any] | None) -> str:
    """What the controller is doing, and the failure it is retrying, if any."""
    doing = reason_text(reconciling, "reconciling")
    if readiness is None or str(readiness.get("status")) != "False":
        return doing
    if readiness.get("reason") in IN_PROGRESS or readiness.get("message") == doing:
        return doing
    return f"retrying after {reason_text(readiness, 'a failure')}"


def reason_text(found: dict[str, Any] | None, default: str) -> str:
    """``Reason: message``: what a person needs to act on a condition."""
    if not found:
        return default
    reason = found.get("reason")
    message = " ".join(str(found.get("message") or "").split())  # one line, for status
    if reason and message:
        return f"{reason}: {message}"
    return str(message or reason or default)
