"""Small helpers shared by the emulator tests."""

from __future__ import annotations

import json
from typing import Any

import yaml


def configmap(
    name: str, namespace: str, data: dict[str, str], labels: dict[str, str] | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def deployment(
    name: str, namespace: str, *, image: str = "nginx:1.25", replicas: int | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {"containers": [{"name": name, "image": image}]},
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def to_yaml(*objs: dict[str, Any]) -> str:
    return yaml.safe_dump_all(objs, sort_keys=False)


def status_message(err: Exception) -> str:
    """The ``message`` of the Kubernetes ``Status`` an ApiException carries."""
    body = getattr(err, "body", "") or "{}"
    return str(json.loads(body).get("message", ""))
