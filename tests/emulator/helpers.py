"""Small helpers shared by the emulator tests."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


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


def eventually(check: Callable[[], T], *, timeout: float = 10.0) -> T:
    """``check()``'s first truthy answer, polled: controllers run asynchronously, as on a cluster."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, f"still not true after {timeout:.0f}s: {check.__doc__ or check}"
            return result
        time.sleep(0.02)


def gone(read: Callable[[], Any]) -> bool:
    """True when ``read()`` answers 404."""
    from kubernetes.client.exceptions import ApiException

    try:
        read()
    except ApiException as err:
        if err.status == 404:
            return True
        raise
    return False


# every namespace holds these on a cluster (serviceaccounts-controller, root-ca-cert-publisher)
NAMESPACE_DEFAULTS = frozenset({"kube-root-ca.crt", "default"})


def own(items: Any) -> list[Any]:
    """List items without the objects every namespace holds."""
    result = []
    for item in items:
        meta = item["metadata"] if isinstance(item, dict) else item.metadata
        name = meta["name"] if isinstance(meta, dict) else meta.name
        if name not in NAMESPACE_DEFAULTS:
            result.append(item)
    return result
