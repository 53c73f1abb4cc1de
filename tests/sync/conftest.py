"""Fixtures for sync tests: a cluster client on the emulator, and apps built in code."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, RetryPolicy
from gitops_vela.model.labels import OWNER, owner_value
from gitops_vela.model.rendered import RenderedApp

REPO = "acme"


@pytest.fixture
def cluster(emulator: Emulator) -> Iterator[Cluster]:
    fast = RetryPolicy(attempts=4, base=0.01, cap=0.05, timeout=10.0)
    with Cluster(emulator.client_configuration(), retry=fast, concurrency=4) as client:
        yield client


def edit_replicas(cluster: Cluster, namespace: str, name: str, count: int) -> None:
    """What ``kubectl edit`` does to a Deployment's replicas: a patch by another field manager."""
    resource = cluster.resource("apps/v1", "Deployment")
    cluster.transport.request(
        "PATCH",
        resource.path(namespace, name),
        verb="patch",
        query={"fieldManager": "kubectl-edit"},
        body={"spec": {"replicas": count}},
        content_type="application/merge-patch+json",
    )


def app(name: str, *objects: dict[str, Any], namespace: str = "shop", **extra: Any) -> RenderedApp:
    """A rendered app as foundation would hand it over (namespaces set, labels added)."""
    owned = []
    for obj in objects:
        obj = {**obj, "metadata": {**obj["metadata"]}}
        if (
            obj["kind"] not in ("Namespace", "CustomResourceDefinition")
            and "namespace" not in obj["metadata"]
        ):
            obj["metadata"]["namespace"] = namespace
        obj["metadata"]["labels"] = {
            **obj["metadata"].get("labels", {}),
            OWNER: owner_value(REPO, name),
        }
        owned.append(obj)
    return RenderedApp(REPO, name, namespace, f"apps/{name}/vela.yaml", tuple(owned), "d", **extra)


def deployment(name: str, *, image: str = "nginx:1.25", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image}]},
            },
        },
    }


def service(name: str, *, port: int = 80) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": 8080}]},
    }


def config_map(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


def secret(name: str, **data: str) -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "type": "Opaque",
        "data": encoded,
    }


def ingress(name: str, host: str = "shop.example.com") -> dict[str, Any]:
    backend = {"service": {"name": name, "port": {"number": 80}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name},
        "spec": {"rules": [{"host": host, "http": {"paths": [path]}}]},
    }


def live(
    cluster: Cluster, api_version: str, kind: str, name: str, namespace: str = "shop"
) -> dict[str, Any] | None:
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace, name=name)
