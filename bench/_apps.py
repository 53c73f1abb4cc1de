"""Generated apps for bench/run.py: built-in definitions only, five objects per app.

Each app is one Appfile with two services:

- ``<app>``: ``webservice`` (Deployment + Service) with the ``route`` trait
  (Ingress), ``autoscale`` (HorizontalPodAutoscaler), ``environment`` and
  ``storage`` (mounts the app's ConfigMap: patches, no extra object);
- ``<app>-config``: ``k8s-objects`` holding the app's ConfigMap.

Ten apps share a namespace (``team-NN``), as teams group their services.
"""

from __future__ import annotations

from pathlib import Path

import yaml

APPS_PER_NAMESPACE = 10
OBJECTS_PER_APP = 5
SERVICES_PER_APP = 2


def app_name(index: int) -> str:
    return f"app{index:04d}"


def namespace_of(index: int) -> str:
    return f"team-{index // APPS_PER_NAMESPACE:02d}"


def namespaces(apps: int) -> list[str]:
    return sorted({namespace_of(i) for i in range(apps)})


def appfile(index: int, *, version: str = "1.0.0", log_level: str = "info") -> dict[str, object]:
    """The Appfile of app ``index``; ``version`` and ``log_level`` are what an edit changes."""
    name = app_name(index)
    config = f"{name}-config"
    return {
        "name": name,
        "namespace": namespace_of(index),
        "services": {
            name: {
                "type": "webservice",
                "image": f"ghcr.io/acme/{name}:{version}",
                "port": 8080,
                "cpu": "250m",
                "route": {"domain": f"{name}.example.com"},
                "autoscale": {"min": 2, "max": 6, "cpuPercent": 70},
                "environment": {"vars": {"APP": name, "REGION": "eu-west-1"}},
                "storage": {
                    "configMap": [
                        {"name": "config", "mountPath": "/etc/app", "configMapName": config}
                    ]
                },
            },
            config: {
                "type": "k8s-objects",
                "objects": [
                    {
                        "apiVersion": "v1",
                        "kind": "ConfigMap",
                        "metadata": {"name": config},
                        "data": {"LOG_LEVEL": log_level, "FEATURES": "search,checkout"},
                    }
                ],
            },
        },
    }


def appfile_path(root: Path, index: int) -> Path:
    return root / "apps" / app_name(index) / "vela.yaml"


def write_app(root: Path, index: int, **values: str) -> None:
    path = appfile_path(root, index)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(appfile(index, **values), sort_keys=False))


def generate(root: Path, *, apps: int) -> None:
    """A repository of ``apps`` Appfiles at ``root`` (apps/appNNNN/vela.yaml)."""
    for index in range(apps):
        write_app(root, index)


def edit_one(root: Path, index: int) -> None:
    """A typical change: a new image and a new log level (the Deployment and the ConfigMap)."""
    write_app(root, index, version="1.0.1", log_level="debug")
