"""Appfiles written for KubeVela v0.3 render unchanged with the built-ins."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from gitops_vela.model.objects import Manifest
from gitops_vela.render import render_repository
from tests.builtins.conftest import container, failure_text, find, pod_spec

HERE = Path(__file__).parent / "kubevela_v03"


def render(tmp_path: Path, name: str) -> tuple[list[Manifest], list[str]]:
    target = tmp_path / "apps" / name / "vela.yaml"
    target.parent.mkdir(parents=True)
    shutil.copyfile(HERE / f"{name}.yaml", target)  # byte for byte: unchanged
    result = render_repository(tmp_path, repo="legacy")
    assert result.ok, failure_text(result)
    (app,) = result.apps
    return list(app.objects), [str(w) for w in app.warnings]


def test_quick_start_appfile(tmp_path: Path, check_schema: Callable[[Manifest], None]) -> None:
    objects, warnings = render(tmp_path, "testapp")
    assert any("build" in w and "ignored" in w for w in warnings), warnings
    deploy = find(objects, "Deployment", "express-server")
    main = container(deploy, "express-server")
    assert main["image"] == "oamdev/testapp:v1"
    assert main["command"] == ["node", "server.js"]
    assert main["ports"][0]["containerPort"] == 8080
    assert deploy["spec"]["replicas"] == 1
    ingress = find(objects, "Ingress", "express-server-rewrite-0")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"] == "/"
    assert ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/testapp"
    monitor = find(objects, "ServiceMonitor", "express-server")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    job = find(objects, "Job", "pi")
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert container(job, "pi")["command"][0] == "perl"
    for obj in objects:
        check_schema(obj)


def test_workload_types_env_tls_and_autoscale(
    tmp_path: Path, check_schema: Callable[[Manifest], None]
) -> None:
    objects, _ = render(tmp_path, "services")
    frontend = container(find(objects, "Deployment", "frontend"), "frontend")
    assert frontend["env"][1] == {
        "name": "PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "db-secret", "key": "password"}},
    }
    assert frontend["resources"]["limits"] == {"cpu": "0.5"}
    assert find(objects, "Service", "frontend")["spec"]["ports"][0]["port"] == 80
    ingress = find(objects, "Ingress", "frontend")
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/issuer": "letsencrypt"}
    assert ingress["spec"]["tls"][0]["hosts"] == ["myapp.example.com"]
    hpa = find(objects, "HorizontalPodAutoscaler", "frontend")
    assert hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 5
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 4)
    backend = find(objects, "Deployment", "backend")
    assert container(backend, "backend")["command"] == ["sleep", "1000"]
    assert not [o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "backend"]
    batch = find(objects, "Job", "batch")
    assert (batch["spec"]["parallelism"], batch["spec"]["completions"]) == (3, 3)
    assert pod_spec(batch)["restartPolicy"] == "OnFailure"
    for obj in objects:
        check_schema(obj)
