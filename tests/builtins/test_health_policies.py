"""The sample's custom resources report health through their definitions'
healthPolicy, evaluated the way sync evaluates it (``call_function``)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from gitops_vela.catalog import load_catalog
from gitops_vela.render.engine import call_function
from tests.builtins.conftest import SAMPLE


@cache
def health_policy(definition: str) -> str:
    found = load_catalog(SAMPLE, origin="sample").get(definition)
    assert found is not None and found.health_policy
    return found.health_policy


def verdict(definition: str, obj: dict[str, Any]) -> dict[str, Any]:
    policy = health_policy(definition)
    result: dict[str, Any] = call_function(policy, args={"object": obj}, name=definition)
    return result


def cloneset(generation: int, observed: int, ready: int) -> dict[str, Any]:
    return {
        "kind": "CloneSet",
        "metadata": {"name": "ledger", "generation": generation},
        "spec": {"replicas": 3},
        "status": {"observedGeneration": observed, "updatedReadyReplicas": ready},
    }


@pytest.mark.parametrize(
    ("obj", "healthy", "message"),
    [
        (cloneset(2, 2, 3), True, "3 replicas updated and ready"),
        (cloneset(2, 2, 1), False, "1 of 3 replicas updated and ready"),
        (cloneset(3, 2, 3), False, "waiting for the Kruise controller"),
        ({"kind": "Service", "metadata": {"name": "ledger"}, "spec": {}}, True, ""),
    ],
)
def test_cloneset_health(obj: dict[str, Any], healthy: bool, message: str) -> None:
    result = verdict("cloneset", obj)
    assert result["healthy"] is healthy
    assert result["message"].startswith(message)


@pytest.mark.parametrize(
    ("phase", "healthy", "degraded"),
    [
        ("Succeeded", True, False),
        ("Progressing", False, False),
        ("Failed", False, True),
        ("", False, False),
    ],
)
def test_canary_health(phase: str, healthy: bool, degraded: bool) -> None:
    status = {"phase": phase, "conditions": [{"type": "Promoted", "message": "Canary " + phase}]}
    result = verdict(
        "canary", {"kind": "Canary", "metadata": {"name": "checkout"}, "status": status}
    )
    assert result["healthy"] is healthy
    assert bool(result.get("degraded")) is degraded
    assert result["message"]
