"""Merge, strategic-merge and JSON patches; the scale subresource; kubectl label/annotate/patch/scale."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, deployment


def _deployments(kube: KubeTarget) -> Any:
    return kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")


def test_strategic_merge_patch_merges_containers_by_name(kube: KubeTarget) -> None:
    deployments = _deployments(kube)
    deployments.create(body=deployment("web", kube.namespace), namespace=kube.namespace)
    patch = {
        "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "envoy:1"}]}}}
    }
    result = deployments.patch(
        name="web",
        namespace=kube.namespace,
        body=patch,
        content_type="application/strategic-merge-patch+json",
    )
    names = [c["name"] for c in result.to_dict()["spec"]["template"]["spec"]["containers"]]
    assert sorted(names) == ["sidecar", "web"]


def test_merge_patch_replaces_lists_and_null_deletes(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("c", kube.namespace, {"a": "1", "b": "2"}), namespace=kube.namespace)
    result = cms.patch(
        name="c",
        namespace=kube.namespace,
        body={"data": {"a": None, "c": "3"}},
        content_type="application/merge-patch+json",
    )
    assert result.data.to_dict() == {"b": "2", "c": "3"}


def test_json_patch_operations(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("c", kube.namespace, {"a": "1"}), namespace=kube.namespace)
    ops = [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"}]
    result = cms.patch(
        name="c", namespace=kube.namespace, body=ops, content_type="application/json-patch+json"
    )
    assert result.data.to_dict() == {"b": "2"}


def test_patch_with_stale_resource_version_conflicts(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    created = cms.create(body=configmap("c", kube.namespace, {"a": "1"}), namespace=kube.namespace)
    cms.patch(
        name="c",
        namespace=kube.namespace,
        body={"data": {"a": "2"}},
        content_type="application/merge-patch+json",
    )
    stale = {"metadata": {"resourceVersion": created.metadata.resourceVersion}, "data": {"a": "3"}}
    with pytest.raises(ApiException) as err:
        cms.patch(
            name="c",
            namespace=kube.namespace,
            body=stale,
            content_type="application/merge-patch+json",
        )
    assert err.value.status == 409


def test_scale_subresource_reads_and_writes_replicas(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    _deployments(kube).create(
        body=deployment("web", kube.namespace, replicas=2), namespace=kube.namespace
    )
    path = f"/apis/apps/v1/namespaces/{kube.namespace}/deployments/web/scale"
    scale = client.request("GET", path)
    assert (scale.kind, scale.apiVersion, scale.spec.replicas) == ("Scale", "autoscaling/v1", 2)
    assert scale.status.selector == "app=web"
    client.request(
        "PATCH", path, body={"spec": {"replicas": 5}}, content_type="application/merge-patch+json"
    )
    assert _deployments(kube).get(name="web", namespace=kube.namespace).spec.replicas == 5


def test_kubectl_label_annotate_patch_scale(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    _deployments(kube).create(body=deployment("web", ns), namespace=ns)
    kubectl("label", "deploy", "web", "-n", ns, "team=blue")
    kubectl("annotate", "deploy", "web", "-n", ns, "note=hi")
    kubectl("patch", "deploy", "web", "-n", ns, "-p", '{"spec":{"minReadySeconds":5}}')
    kubectl(
        "patch",
        "deploy",
        "web",
        "-n",
        ns,
        "--type=json",
        "-p",
        '[{"op":"add","path":"/spec/paused","value":true}]',
    )
    kubectl("scale", "deploy", "web", "-n", ns, "--replicas=3")
    live = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json"))
    assert live["metadata"]["labels"]["team"] == "blue"
    assert live["metadata"]["annotations"]["note"] == "hi"
    assert (live["spec"]["minReadySeconds"], live["spec"]["paused"], live["spec"]["replicas"]) == (
        5,
        True,
        3,
    )


def test_failed_json_patch_is_invalid_with_the_reason_as_cause(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("c", kube.namespace, {"a": "1"}), namespace=kube.namespace)
    ops = [{"op": "test", "path": "/data/a", "value": "2"}]
    with pytest.raises(ApiException) as err:
        cms.patch(
            name="c", namespace=kube.namespace, body=ops, content_type="application/json-patch+json"
        )
    status = json.loads(err.value.body)
    assert (err.value.status, status["reason"]) == (422, "Invalid")
    assert status["message"] == "the server rejected our request due to an error in our request"
