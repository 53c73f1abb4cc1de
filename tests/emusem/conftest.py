"""Small object builders shared by the emusem tests."""

from __future__ import annotations

from typing import Any

import pytest

Obj = dict[str, Any]


def configmap(data: dict[str, str] | None = None, **meta: Any) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "t", **meta},
    }
    if data is not None:
        obj["data"] = data
    return obj


def deployment(*containers: Obj, replicas: int | None = None) -> Obj:
    spec: Obj = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": list(containers)},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "t"},
        "spec": spec,
    }


def managers(obj: Obj) -> dict[str, Obj]:
    """managedFields entries by manager name."""
    return {e["manager"]: e for e in obj["metadata"].get("managedFields", [])}


@pytest.fixture
def now() -> str:
    return "2026-01-01T00:00:00Z"
