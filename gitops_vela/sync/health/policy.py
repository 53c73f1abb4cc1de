"""A definition's ``healthPolicy``: Jsonnet ``function(object) {healthy, message}``.

``healthy: true`` is Healthy; ``false`` is Progressing, or Degraded when the
policy also returns ``degraded: true``. A policy that fails to run or returns
something else makes the object's health Unknown, with the reason, and marks
the check as failed (the app's reason becomes HealthCheckFailed).

A policy is a pure function of the object, and a Jsonnet evaluation costs a
few milliseconds: verdicts are remembered by (policy, name, object), so a
poll that finds an object unchanged does not evaluate it again. Failures
are not remembered (a timeout may pass).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from gitops_vela.errors import GitopsVelaError
from gitops_vela.model import labels
from gitops_vela.model.status import Health
from gitops_vela.render.cache import LruCache
from gitops_vela.render.engine import call_function
from gitops_vela.sync.health.types import ObjectHealth


def evaluate_policy(
    policy: str, obj: dict[str, Any], *, name: str | None = None, timeout: float = 5.0
) -> ObjectHealth:
    name = name or _policy_name(obj)
    key = _key(policy, name, obj)
    remembered = _verdicts.get(key)
    if remembered is not None:
        return remembered
    verdict = _evaluate(policy, obj, name=name, timeout=timeout)
    if not verdict.check_failed:
        _verdicts.put(key, verdict)
    return verdict


_verdicts: LruCache[ObjectHealth] = LruCache(4096)


def _key(policy: str, name: str, obj: dict[str, Any]) -> str:
    text = json.dumps([policy, name, obj], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _evaluate(policy: str, obj: dict[str, Any], *, name: str, timeout: float) -> ObjectHealth:
    try:
        verdict = call_function(policy, args={"object": obj}, name=name, timeout=timeout)
    except GitopsVelaError as exc:
        return ObjectHealth(Health.UNKNOWN, f"{name} failed: {exc.message}", check_failed=True)
    if not isinstance(verdict, dict) or not isinstance(verdict.get("healthy"), bool):
        message = f"{name} must return {{healthy: bool, message: string}}"
        return ObjectHealth(Health.UNKNOWN, message, check_failed=True)
    message = str(verdict.get("message") or "")
    if verdict["healthy"]:
        return ObjectHealth(Health.HEALTHY, message)
    return ObjectHealth(Health.DEGRADED if verdict.get("degraded") else Health.PROGRESSING, message)


def _policy_name(obj: dict[str, Any]) -> str:
    """``healthPolicy for Canary web (definition 'canary')``: the labels name the definition."""
    metadata = obj.get("metadata") or {}
    name = f"healthPolicy for {obj.get('kind', 'object')} {metadata.get('name', '')}".strip()
    owned = metadata.get("labels") or {}
    definition = owned.get(labels.TRAIT_TYPE) or owned.get(labels.WORKLOAD_TYPE)
    return f"{name} (definition {definition!r})" if definition else name
