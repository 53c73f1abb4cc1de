"""The API surface a cluster has from the start: Node, kube-system Pods, the kubernetes
Service, namespace defaults, APIServices,
access reviews, and kinds served at two versions (autoscaling/v1, events.k8s.io/v1)."""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from vela_emulator import Emulator
from vela_emulator.pods import NODE_NAME
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

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


def test_kube_system_runs_the_control_plane_and_coredns(kube: KubeTarget) -> None:
    core = client.CoreV1Api(_api(kube))
    running = core.list_namespaced_pod("kube-system", field_selector="status.phase=Running").items
    components = {p.metadata.labels.get("component") for p in running}
    assert {"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler"} <= components
    apiserver = core.list_namespaced_pod("kube-system", label_selector="component=kube-apiserver")
    (pod,) = apiserver.items
    assert pod.metadata.owner_references[0].kind == "Node"
    assert pod.spec.host_network and pod.status.pod_ip == pod.status.host_ip
    dns = core.list_namespaced_pod("kube-system", label_selector="k8s-app=kube-dns").items
    assert len(dns) >= 1
    for p in dns:
        assert p.metadata.owner_references[0].kind == "ReplicaSet"
        assert {c.type: c.status for c in p.status.conditions}["Ready"] == "True"
        assert all(s.ready for s in p.status.container_statuses)
    dns_service = core.read_namespaced_service("kube-dns", "kube-system")
    assert {(p.name, p.port) for p in dns_service.spec.ports} >= {("dns", 53), ("dns-tcp", 53)}


def test_default_kubernetes_service_points_at_the_apiserver(kube: KubeTarget) -> None:
    core = client.CoreV1Api(_api(kube))
    service = core.read_namespaced_service("kubernetes", "default")
    assert service.metadata.labels == {"component": "apiserver", "provider": "kubernetes"}
    assert [(p.name, p.port, p.protocol) for p in service.spec.ports] == [("https", 443, "TCP")]
    assert service.spec.type == "ClusterIP" and service.spec.selector is None
    endpoints = core.read_namespaced_endpoints("kubernetes", "default")
    assert endpoints.subsets[0].addresses and endpoints.subsets[0].ports[0].name == "https"
    slices = client.DiscoveryV1Api(_api(kube)).list_namespaced_endpoint_slice(
        "default", label_selector="kubernetes.io/service-name=kubernetes"
    )
    assert slices.items and slices.items[0].endpoints[0].conditions.ready


def test_reset_restores_the_system_objects(emulator: Emulator) -> None:
    core = client.CoreV1Api(client.ApiClient(emulator.client_configuration()))
    before = sorted(p.metadata.name for p in core.list_namespaced_pod("kube-system").items)
    core.delete_namespaced_service("kubernetes", "default")
    core.delete_namespaced_pod(f"etcd-{NODE_NAME}", "kube-system")
    emulator.reset()
    after = sorted(p.metadata.name for p in core.list_namespaced_pod("kube-system").items)
    assert after == before and len(after) == 6
    assert core.read_namespaced_service("kubernetes", "default").spec.cluster_ip == "10.96.0.1"
    # the controllers have nothing left to do: the seeded state is settled
    assert not emulator.controllers.busy()


# a real PKCS#10 request (EC P-256, CN=emu-test): an apiserver parses it
_CSR = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIT01IVUNBUUF3RXpFUk1BOEdBMVVFQXd3SVpXMTFMWFJsYzNRd1dUQVRCZ2NxaGtqT1BRSUJCZ2dxaGtqTwpQUU1CQndOQ0FBVEhqM0pTSTYzTDBlMHEwU0w5MjF3dDlhNy9xakltUmh0U1M4K29nZDdaZVNIUVhNUTh6Nnh5CkN6YXk3NjBKZ2paNENtU1hvemsra25HU0lxYTB1djcwb0FBd0NnWUlLb1pJemowRUF3SURTUUF3UmdJaEFMR0QKZUc2MkpVaVpFY0FvUHp3MkQ5UVZWSXBvaGkrSDBWZzAxS3Z2Y0MzWEFpRUFwZ2JTREd1cERpdE1ZY05EK2JXNgp2b2xYYkFsUVNERFUwa29NMnFJdXRXQT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUgUkVRVUVTVC0tLS0tCg=="


def test_certificate_signing_requests_are_served(kube: KubeTarget, kubectl: Kubectl) -> None:
    name = f"{kube.namespace}-csr"
    manifest = f"""
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata: {{name: {name}}}
spec:
  request: {_CSR}
  signerName: example.com/test
  expirationSeconds: 86400
  usages: [client auth]
"""
    kubectl("create", "-f", "-", stdin=manifest)
    try:
        lines = kubectl("get", "csr", name).splitlines()
        header = lines[0].split()
        assert header == [
            "NAME",
            "AGE",
            "SIGNERNAME",
            "REQUESTOR",
            "REQUESTEDDURATION",
            "CONDITION",
        ]
        assert lines[1].split()[2] == "example.com/test" and lines[1].split()[-2:] == [
            "24h",
            "Pending",
        ]
        if kube.emulator is not None:  # the requester is filled in: kind's admin
            assert lines[1].split()[3] == "kubernetes-admin"
    finally:
        kubectl("delete", "csr", name)
    # The requester is who asked, after impersonation.
    as_jane = ("--as=jane", "--as-group=system:masters")
    kubectl("create", "-f", "-", *as_jane, stdin=manifest)
    try:
        csr = json.loads(kubectl("get", "csr", name, "-o", "json"))
        assert csr["spec"]["username"] == "jane"
        assert "system:masters" in csr["spec"]["groups"]
    finally:
        kubectl("delete", "csr", name)


def test_csi_storage_capacities_are_served(kube: KubeTarget, kubectl: Kubectl) -> None:
    manifest = f"""
apiVersion: storage.k8s.io/v1
kind: CSIStorageCapacity
metadata: {{name: cap, namespace: {kube.namespace}}}
storageClassName: standard
capacity: 10Gi
"""
    kubectl("apply", "-f", "-", stdin=manifest)
    table = kubectl("get", "csistoragecapacities", "-n", kube.namespace).splitlines()
    assert [line.split() for line in table] == [
        ["NAME", "STORAGECLASSNAME", "CAPACITY"],
        ["cap", "standard", "10Gi"],
    ]


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
