"""The API surface a cluster has from the start: Node, namespace defaults, APIServices,
access reviews, and kinds served at two versions (autoscaling/v1, events.k8s.io/v1)."""

from __future__ import annotations

from typing import Any

from kubernetes import client
from vela_emulator.pytest_plugin import KubeTarget

from tests.emulator.helpers import eventually


def _api(kube: KubeTarget) -> client.ApiClient:
    return client.ApiClient(kube.client_configuration())


def test_every_namespace_holds_its_default_service_account_and_root_ca(kube: KubeTarget) -> None:
    core = client.CoreV1Api(_api(kube))
    sa = eventually(lambda: core.list_namespaced_service_account(kube.namespace).items)
    assert [s.metadata.name for s in sa] == ["default"]
    cms = core.list_namespaced_config_map(kube.namespace).items
    assert [c.metadata.name for c in cms] == ["kube-root-ca.crt"]
    assert cms[0].data["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")


def test_there_is_a_ready_node(kube: KubeTarget) -> None:
    nodes = client.CoreV1Api(_api(kube)).list_node().items
    assert nodes
    ready = {c.type: c.status for c in nodes[0].status.conditions}
    assert ready["Ready"] == "True"


def test_local_api_services(kube: KubeTarget) -> None:
    services = client.ApiregistrationV1Api(_api(kube)).list_api_service().items
    by_name = {s.metadata.name: s for s in services}
    apps = by_name["v1.apps"]
    assert apps.spec.group == "apps" and apps.spec.version == "v1" and apps.spec.service is None
    assert [(c.type, c.status) for c in apps.status.conditions] == [("Available", "True")]


def test_subject_access_review_is_answered(kube: KubeTarget) -> None:
    review: Any = {
        "spec": {
            "user": "bob",
            "resourceAttributes": {"verb": "get", "resource": "pods", "namespace": kube.namespace},
        }
    }
    answer = client.AuthorizationV1Api(_api(kube)).create_subject_access_review(review)
    assert answer.kind == "SubjectAccessReview" and answer.spec.user == "bob"
    # no binding names bob: the emulator's RBAC, like a fresh cluster's, says no
    if kube.emulator is not None:
        assert answer.status.allowed is False


def test_autoscaling_v1_and_v2_are_the_same_objects(kube: KubeTarget) -> None:
    api = _api(kube)
    v1: Any = {
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "maxReplicas": 4,
            "targetCPUUtilizationPercentage": 60,
        },
    }
    created = client.AutoscalingV1Api(api).create_namespaced_horizontal_pod_autoscaler(
        kube.namespace, v1
    )
    assert created.spec.target_cpu_utilization_percentage == 60
    assert created.spec.min_replicas == 1  # defaulted
    v2 = client.AutoscalingV2Api(api).read_namespaced_horizontal_pod_autoscaler(
        "web", kube.namespace
    )
    [metric] = v2.spec.metrics
    assert (metric.type, metric.resource.name) == ("Resource", "cpu")
    assert (metric.resource.target.type, metric.resource.target.average_utilization) == (
        "Utilization",
        60,
    )


def test_events_k8s_io_shows_core_events(kube: KubeTarget) -> None:
    api = _api(kube)
    core_event: Any = {
        "metadata": {"name": "e1"},
        "involvedObject": {"kind": "ConfigMap", "name": "c", "namespace": kube.namespace},
        "reason": "Tested",
        "message": "said once",
        "type": "Normal",
        "source": {"component": "fidelity"},
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "count": 1,
    }
    client.CoreV1Api(api).create_namespaced_event(kube.namespace, core_event)
    seen = client.EventsV1Api(api).read_namespaced_event("e1", kube.namespace)
    assert (seen.regarding.name, seen.note, seen.reason) == ("c", "said once", "Tested")
    assert seen.deprecated_count == 1 and seen.deprecated_source.component == "fidelity"
