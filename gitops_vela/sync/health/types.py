"""The value a health rule returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitops_vela.model.status import Health


@dataclass(frozen=True, slots=True)
class ObjectHealth:
    """A verdict; ``check_failed`` when the check itself broke (the app's HealthCheckFailed)."""

    health: Health
    message: str = ""
    check_failed: bool = False


Rule = Callable[[dict[str, Any]], ObjectHealth]

HEALTHY = ObjectHealth(Health.HEALTHY)


def progressing(message: str) -> ObjectHealth:
    return ObjectHealth(Health.PROGRESSING, message)


def degraded(message: str) -> ObjectHealth:
    return ObjectHealth(Health.DEGRADED, message)


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any] | None:
    """The status condition of a type, or None."""
    for item in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(item, dict) and item.get("type") == kind:
            return item
    return None


def is_true(obj: dict[str, Any], kind: str) -> bool:
    found = condition(obj, kind)
    return bool(found) and str(found.get("status")) == "True"  # type: ignore[union-attr]


def is_false(obj: dict[str, Any], kind: str) -> bool:
    found = condition(obj, kind)
    return bool(found) and str(found.get("status")) == "False"  # type: ignore[union-attr]


def generation_pending(obj: dict[str, Any]) -> bool:
    """The controller has not yet seen the latest spec."""
    generation = (obj.get("metadata") or {}).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return generation is not None and observed is not None and int(observed) < int(generation)
