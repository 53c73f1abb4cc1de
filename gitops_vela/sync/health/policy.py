"""A definition's ``healthPolicy``: Jsonnet ``function(object) {healthy, message}``.

``healthy: true`` is Healthy; ``false`` is Progressing, or Degraded when the
policy also returns ``degraded: true``. A policy that fails to run or returns
something else makes the object's health Unknown, with the reason.
"""

from __future__ import annotations

from typing import Any

from gitops_vela.errors import GitopsVelaError
from gitops_vela.model.status import Health
from gitops_vela.render.engine import call_function
from gitops_vela.sync.health.types import ObjectHealth


def evaluate_policy(policy: str, obj: dict[str, Any], *, timeout: float = 5.0) -> ObjectHealth:
    kind = obj.get("kind", "object")
    name = f"healthPolicy for {kind} {(obj.get('metadata') or {}).get('name', '')}".strip()
    try:
        verdict = call_function(policy, args={"object": obj}, name=name, timeout=timeout)
    except GitopsVelaError as exc:
        return ObjectHealth(Health.UNKNOWN, f"{name} failed: {exc.message}")
    if not isinstance(verdict, dict) or not isinstance(verdict.get("healthy"), bool):
        return ObjectHealth(
            Health.UNKNOWN, f"{name} must return {{healthy: bool, message: string}}"
        )
    message = str(verdict.get("message") or "")
    if verdict["healthy"]:
        return ObjectHealth(Health.HEALTHY, message)
    return ObjectHealth(Health.DEGRADED if verdict.get("degraded") else Health.PROGRESSING, message)
