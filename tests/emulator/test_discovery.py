"""Discovery: the official client and kubectl find every built-in kind."""

from __future__ import annotations

import json

from vela_emulator.pytest_plugin import Kubectl, KubeTarget


def test_dynamic_client_resolves_builtin_kinds(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    for api_version, kind in [
        ("v1", "ConfigMap"),
        ("apps/v1", "Deployment"),
        ("batch/v1", "CronJob"),
        ("networking.k8s.io/v1", "Ingress"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        ("rbac.authorization.k8s.io/v1", "ClusterRole"),
        ("coordination.k8s.io/v1", "Lease"),
    ]:
        resource = client.resources.get(api_version=api_version, kind=kind)
        assert resource.kind == kind


def test_scale_and_status_subresources_are_discovered(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    deployments = client.resources.get(api_version="apps/v1", kind="Deployment")
    assert set(deployments.subresources) >= {"status", "scale"}


def test_kubectl_lists_api_resources_with_short_names(kubectl: Kubectl) -> None:
    out = kubectl("api-resources", "--api-group=apps", "-o", "wide")
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "deploy" in lines["deployments"]
    assert "apps/v1" in lines["deployments"]


def test_version_is_served(kubectl: Kubectl) -> None:
    version = json.loads(kubectl("version", "-o", "json"))
    assert version["serverVersion"]["major"] == "1"


def test_plain_kinds_a_repository_may_carry(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    manifest = f"""
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {{name: {ns}-high}}
value: 1000
---
apiVersion: v1
kind: ResourceQuota
metadata: {{name: q, namespace: {ns}}}
spec: {{hard: {{pods: "10"}}}}
---
apiVersion: v1
kind: LimitRange
metadata: {{name: l, namespace: {ns}}}
spec: {{limits: [{{type: Container, default: {{cpu: 500m}}}}]}}
"""
    kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    assert kubectl("get", "pc", f"{kube.namespace}-high", "-o", "jsonpath={.value}") == "1000"
    assert (
        kubectl("get", "quota", "q", "-n", kube.namespace, "-o", "jsonpath={.spec.hard.pods}")
        == "10"
    )
    kubectl("delete", "pc", f"{kube.namespace}-high")
