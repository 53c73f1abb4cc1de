"""Server-side apply: creation, field ownership, removal of dropped fields, conflicts, force."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, deployment, status_message, to_yaml


def _managers(obj: dict) -> dict[str, str]:
    return {e["manager"]: e["operation"] for e in obj["metadata"].get("managedFields") or []}


def test_apply_creates_then_drops_fields_the_manager_stopped_sending(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    ns = kube.namespace
    first = cms.server_side_apply(
        body=configmap("c", ns, {"a": "1", "b": "2"}), namespace=ns, field_manager="m1"
    )
    assert first.data.to_dict() == {"a": "1", "b": "2"}
    assert _managers(first.to_dict()) == {"m1": "Apply"}
    again = cms.server_side_apply(
        body=configmap("c", ns, {"a": "1"}), namespace=ns, field_manager="m1"
    )
    assert again.data.to_dict() == {"a": "1"}


def test_reapplying_the_same_manifest_changes_nothing(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    ns = kube.namespace
    first = cms.server_side_apply(
        body=configmap("c", ns, {"a": "1"}), namespace=ns, field_manager="m1"
    )
    second = cms.server_side_apply(
        body=configmap("c", ns, {"a": "1"}), namespace=ns, field_manager="m1"
    )
    assert second.metadata.resourceVersion == first.metadata.resourceVersion


def test_conflict_names_field_and_manager_then_force_moves_ownership(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    ns = kube.namespace
    cms.server_side_apply(body=configmap("c", ns, {"a": "1"}), namespace=ns, field_manager="m1")
    with pytest.raises(ApiException) as err:
        cms.server_side_apply(body=configmap("c", ns, {"a": "2"}), namespace=ns, field_manager="m2")
    assert err.value.status == 409
    assert status_message(err.value) == 'Apply failed with 1 conflict: conflict with "m1": .data.a'
    causes = json.loads(err.value.body)["details"]["causes"]
    assert causes == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "m1"', "field": ".data.a"}
    ]
    forced = cms.server_side_apply(
        body=configmap("c", ns, {"a": "2"}), namespace=ns, field_manager="m2", force_conflicts=True
    )
    assert forced.data.a == "2"
    entries = {e["manager"]: e for e in forced.to_dict()["metadata"]["managedFields"]}
    assert "f:a" in entries["m2"]["fieldsV1"]["f:data"]
    assert "f:data" not in entries.get("m1", {"fieldsV1": {}})["fieldsV1"]


def test_apply_without_field_manager_is_invalid(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    cms = client.resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(ApiException) as err:
        client.request(
            "PATCH",
            f"/api/v1/namespaces/{kube.namespace}/configmaps/c",
            body=configmap("c", kube.namespace, {}),
            content_type="application/apply-patch+yaml",
        )
    assert err.value.status == 422
    assert "fieldManager" in status_message(err.value)
    del cms


def test_main_resource_apply_never_changes_status(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    body = deployment("web", kube.namespace)
    body["status"] = {"replicas": 42}
    applied = deployments.server_side_apply(body=body, namespace=kube.namespace, field_manager="m1")
    assert (applied.status or {}).get("replicas") != 42


def test_kubectl_apply_conflict_and_force(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl(
        "apply",
        "--server-side",
        "-f",
        "-",
        stdin=to_yaml(configmap("c", ns, {"a": "1", "b": "2"}, {"t": "x"})),
    )
    kubectl(
        "apply",
        "--server-side",
        "-f",
        "-",
        stdin=to_yaml(configmap("c", ns, {"a": "1"}, {"t": "x"})),
    )
    assert json.loads(kubectl("get", "cm", "c", "-n", ns, "-o", "json"))["data"] == {"a": "1"}
    done = kubectl.run(
        "apply",
        "--server-side",
        "--field-manager=other",
        "-f",
        "-",
        stdin=to_yaml(configmap("c", ns, {"a": "9"})),
    )
    assert done.returncode == 1
    assert 'conflict with "kubectl": .data.a' in done.stderr
    kubectl(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        "-",
        stdin=to_yaml(configmap("c", ns, {"a": "9", "z": "1"})),
    )
    live = json.loads(kubectl("get", "cm", "c", "-n", ns, "-o", "json", "--show-managed-fields"))
    assert live["data"]["a"] == "9"
    assert {"kubectl", "other"} <= set(_managers(live))
