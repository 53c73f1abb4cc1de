"""Defaulting visible in every response, and per-kind server behaviour (Secret, Service, Namespace)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, status_message, to_yaml


def _res(kube: KubeTarget, api_version: str, kind: str) -> Any:
    return kube.dynamic_client().resources.get(api_version=api_version, kind=kind)


def test_deployment_defaults_on_create_apply_and_dry_run(kube: KubeTarget) -> None:
    deployments = _res(kube, "apps/v1", "Deployment")
    for result in (
        deployments.create(
            body=deployment("dry", kube.namespace), namespace=kube.namespace, dry_run="All"
        ),
        deployments.server_side_apply(
            body=deployment("web", kube.namespace), namespace=kube.namespace, field_manager="t"
        ),
    ):
        spec = result.to_dict()["spec"]
        assert spec["replicas"] == 1
        assert spec["revisionHistoryLimit"] == 10
        assert spec["progressDeadlineSeconds"] == 600
        assert spec["strategy"]["type"] == "RollingUpdate"
        pod = spec["template"]["spec"]
        assert (pod["restartPolicy"], pod["dnsPolicy"], pod["schedulerName"]) == (
            "Always",
            "ClusterFirst",
            "default-scheduler",
        )
        assert pod["terminationGracePeriodSeconds"] == 30
        container = pod["containers"][0]
        assert container["imagePullPolicy"] == "IfNotPresent"
        assert container["terminationMessagePath"] == "/dev/termination-log"


def test_secret_string_data_is_folded_into_data(kube: KubeTarget) -> None:
    secrets = _res(kube, "v1", "Secret")
    body = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"password": "hunter2"},
    }
    created = secrets.create(body=body, namespace=kube.namespace).to_dict()
    assert "stringData" not in created
    assert base64.b64decode(created["data"]["password"]) == b"hunter2"
    assert created["type"] == "Opaque"


def test_service_gets_cluster_ip_and_port_defaults(kube: KubeTarget) -> None:
    services = _res(kube, "v1", "Service")
    body = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    spec = services.create(body=body, namespace=kube.namespace).to_dict()["spec"]
    assert spec["clusterIP"] and spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"][0]["protocol"] == "TCP"
    assert spec["ports"][0]["targetPort"] == 80


def test_namespace_gets_name_label_and_finalizer(kube: KubeTarget) -> None:
    ns = _res(kube, "v1", "Namespace").get(name=kube.namespace).to_dict()
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == kube.namespace
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    assert ns["status"]["phase"] == "Active"


def test_changing_an_immutable_selector_is_invalid(kube: KubeTarget) -> None:
    deployments = _res(kube, "apps/v1", "Deployment")
    deployments.create(body=deployment("web", kube.namespace), namespace=kube.namespace)
    changed = deployment("web", kube.namespace)
    changed["spec"]["selector"]["matchLabels"]["extra"] = "x"
    changed["spec"]["template"]["metadata"]["labels"]["extra"] = "x"
    with pytest.raises(ApiException) as err:
        deployments.server_side_apply(
            body=changed, namespace=kube.namespace, field_manager="t", force_conflicts=True
        )
    assert err.value.status == 422
    assert "field is immutable" in status_message(err.value)


def test_generation_moves_on_spec_changes_only(kube: KubeTarget) -> None:
    deployments = _res(kube, "apps/v1", "Deployment")
    deployments.create(body=deployment("web", kube.namespace), namespace=kube.namespace)
    labelled = deployments.patch(
        name="web",
        namespace=kube.namespace,
        body={"metadata": {"labels": {"a": "b"}}},
        content_type="application/merge-patch+json",
    )
    assert labelled.metadata.generation == 1
    scaled = deployments.patch(
        name="web",
        namespace=kube.namespace,
        body={"spec": {"replicas": 2}},
        content_type="application/merge-patch+json",
    )
    assert scaled.metadata.generation == 2


def test_kubectl_diff_is_clean_after_apply_despite_defaults(
    kube: KubeTarget, kubectl: Kubectl
) -> None:
    manifest = to_yaml(deployment("web", kube.namespace))
    kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    if kube.emulator is not None:  # the Pods' status settles first, as a cluster's does soon
        kube.emulator.settle()
    assert kubectl.run("diff", "--server-side", "-f", "-", stdin=manifest).returncode == 0
    live = json.loads(kubectl("get", "deploy", "web", "-n", kube.namespace, "-o", "json"))
    assert live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
