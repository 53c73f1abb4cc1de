"""The kstatus-style rule for kinds without a rule of their own (custom resources)."""

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

# Reasons that say "not yet", not "failed", when Ready/Available is False.
_WAITING = ("progress", "pending", "reconcil", "creat", "initializ", "wait", "provision")


def generic(obj: dict[str, Any]) -> ObjectHealth:
    if generation_pending(obj):
        return progressing("waiting for the controller to observe the latest spec")
    if is_true(obj, "Stalled"):
        return degraded(_text(condition(obj, "Stalled"), "stalled"))
    if is_true(obj, "Reconciling"):
        return progressing(_text(condition(obj, "Reconciling"), "reconciling"))
    for kind in ("Ready", "Available"):
        found = condition(obj, kind)
        if found is None:
            continue
        if str(found.get("status")) == "True":
            return HEALTHY
        reason = str(found.get("reason") or "").lower()
        if str(found.get("status")) == "Unknown" or any(w in reason for w in _WAITING):
            return progressing(_text(found, f"{kind} is {found.get('status')}"))
        return degraded(_text(found, f"{kind} is False"))
    return HEALTHY


def _text(found: dict[str, Any] | None, default: str) -> str:
    if not found:
        return default
    return str(found.get("message") or found.get("reason") or default)
