"""Status simulation of well-known custom resources (OpenKruise CloneSet, Flagger Canary),
and the sample repository ending Healthy against the emulator."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, dynamic
from vela_emulator import Emulator

from gitops_vela.cli import main
from tests.emulator.helpers import deployment

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"
CRDS = SAMPLE / "platform" / "crds"


def _dyn(emulator: Emulator) -> Any:
    return dynamic.DynamicClient(client.ApiClient(emulator.client_configuration()))


def _install(emulator: Emulator, filename: str) -> None:
    crds = _dyn(emulator).resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    for doc in yaml.safe_load_all((CRDS / filename).read_text()):
        if doc:
            crds.create(body=doc)


def _cloneset(name: str, replicas: int = 2, image: str = "ledger:1") -> dict[str, Any]:
    body = deployment(name, "default", image=image, replicas=replicas)
    return {**body, "apiVersion": "apps.kruise.io/v1alpha1", "kind": "CloneSet"}


def _canary(name: str, *, step: int = 10) -> dict[str, Any]:
    return {
        "apiVersion": "flagger.app/v1beta1",
        "kind": "Canary",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "service": {"port": 8080},
            "analysis": {"interval": "1m", "threshold": 5, "stepWeight": step},
        },
    }


def _promoted(status: dict[str, Any]) -> tuple[str, str]:
    (cond,) = [c for c in status["conditions"] if c["type"] == "Promoted"]
    return cond["status"], cond["reason"]


def test_cloneset_reports_updated_ready_replicas(emulator: Emulator) -> None:
    _install(emulator, "apps.kruise.io_clonesets.yaml")
    clonesets = _dyn(emulator).resources.get(api_version="apps.kruise.io/v1alpha1", kind="CloneSet")
    clonesets.create(body=_cloneset("ledger", replicas=3), namespace="default")
    live = clonesets.get(name="ledger", namespace="default").to_dict()
    status = live["status"]
    assert status["observedGeneration"] == live["metadata"]["generation"]
    assert status["updatedReadyReplicas"] == status["readyReplicas"] == 3
    assert status["currentRevision"] == status["updateRevision"]
    first_revision = status["updateRevision"]
    clonesets.patch(
        name="ledger",
        namespace="default",
        body={"spec": {"template": {"spec": {"containers": [{"name": "ledger", "image": "l:2"}]}}}},
        content_type="application/merge-patch+json",
    )
    status = clonesets.get(name="ledger", namespace="default").to_dict()["status"]
    assert status["observedGeneration"] == 2
    assert status["updateRevision"] != first_revision


def test_cloneset_follows_the_controls(emulator: Emulator) -> None:
    _install(emulator, "apps.kruise.io_clonesets.yaml")
    clonesets = _dyn(emulator).resources.get(api_version="apps.kruise.io/v1alpha1", kind="CloneSet")
    emulator.simulation.progressing("CloneSet", "ledger")
    clonesets.create(body=_cloneset("ledger"), namespace="default")
    status = clonesets.get(name="ledger", namespace="default").to_dict()["status"]
    assert status["updatedReadyReplicas"] == 0
    assert status["currentRevision"] != status["updateRevision"]
    emulator.simulation.fail("CloneSet", "ledger")
    status = clonesets.get(name="ledger", namespace="default").to_dict()["status"]
    assert [c["type"] for c in status["conditions"]] == ["FailedUpdate"]
    emulator.simulation.healthy("CloneSet", "ledger")
    status = clonesets.get(name="ledger", namespace="default").to_dict()["status"]
    assert status["updatedReadyReplicas"] == 2
    assert "conditions" not in status


def test_canary_initializes_then_succeeds_after_a_change(emulator: Emulator) -> None:
    _install(emulator, "flagger.app_crds.yaml")
    canaries = _dyn(emulator).resources.get(api_version="flagger.app/v1beta1", kind="Canary")
    canaries.create(body=_canary("checkout"), namespace="default")
    status = canaries.get(name="checkout", namespace="default").to_dict()["status"]
    assert status["phase"] == "Initialized"
    assert _promoted(status) == ("True", "Initialized")
    assert status["lastTransitionTime"]
    canaries.patch(
        name="checkout",
        namespace="default",
        body={"spec": {"analysis": {"stepWeight": 5}}},
        content_type="application/merge-patch+json",
    )
    status = canaries.get(name="checkout", namespace="default").to_dict()["status"]
    assert status["phase"] == "Succeeded"
    assert _promoted(status) == ("True", "Succeeded")
    assert status["lastPromotedSpec"] == status["lastAppliedSpec"]


@pytest.mark.parametrize(
    ("control", "phase", "promoted"),
    [("progressing", "Progressing", "Unknown"), ("fail", "Failed", "False")],
)
def test_canary_follows_the_controls(
    emulator: Emulator, control: str, phase: str, promoted: str
) -> None:
    _install(emulator, "flagger.app_crds.yaml")
    canaries = _dyn(emulator).resources.get(api_version="flagger.app/v1beta1", kind="Canary")
    canaries.create(body=_canary("checkout"), namespace="default")
    getattr(emulator.simulation, control)("Canary", "checkout")
    status = canaries.get(name="checkout", namespace="default").to_dict()["status"]
    assert (status["phase"], _promoted(status)[0]) == (phase, promoted)
    emulator.simulation.healthy("Canary", "checkout")
    status = canaries.get(name="checkout", namespace="default").to_dict()["status"]
    assert status["phase"] == "Succeeded"


def test_ingress_status_comes_with_the_deployments_under_a_delay() -> None:
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {"rules": [{"host": "web.example.com"}]},
    }
    with Emulator(status_delay=60) as emulator:
        dyn = _dyn(emulator)
        ingresses = dyn.resources.get(api_version="networking.k8s.io/v1", kind="Ingress")
        deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
        ingresses.create(body=ingress, namespace="default")
        deployments.create(body=deployment("web", "default"), namespace="default")
        assert (
            not ingresses.get(name="web", namespace="default")
            .to_dict()["status"]
            .get("loadBalancer")
        )
        emulator.settle()
        live = ingresses.get(name="web", namespace="default").to_dict()["status"]
        assert live["loadBalancer"]["ingress"][0]["ip"]
        assert deployments.get(name="web", namespace="default").to_dict()["status"]["conditions"]


def _apply_sample(emulator: Emulator) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["apply", str(SAMPLE), "--kubeconfig", str(emulator.kubeconfig_path), "-o", "json"]
        )
    assert code == 0
    return dict(json.loads(out.getvalue()))


def test_sample_repository_ends_healthy(emulator: Emulator) -> None:
    _apply_sample(emulator)  # a fresh rollout is Progressing until its controller reports
    result = _apply_sample(emulator)
    apps = {app["app"]: app for app in result["apps"]}
    assert {"payments", "platform", "shop"} <= set(apps)
    assert {name: app["health"] for name, app in apps.items()} == dict.fromkeys(apps, "Healthy")
    kinds = {(r["kind"], r["health"]) for r in apps["payments"]["resources"]}
    assert {("CloneSet", "Healthy"), ("Canary", "Healthy"), ("Ingress", "Healthy")} <= kinds
