"""dryRun=All: the full answer comes back, nothing is stored, resourceVersion does not move."""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, deployment, to_yaml


def test_dry_run_create_returns_defaulted_object_and_stores_nothing(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    result = deployments.create(
        body=deployment("web", kube.namespace), namespace=kube.namespace, dry_run="All"
    )
    assert result.metadata.name == "web"
    assert result.metadata.uid
    with pytest.raises(ApiException) as err:
        deployments.get(name="web", namespace=kube.namespace)
    assert err.value.status == 404


def test_dry_run_apply_on_existing_object_keeps_resource_version(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    ns = kube.namespace
    live = cms.server_side_apply(
        body=configmap("c", ns, {"a": "1"}), namespace=ns, field_manager="m"
    )
    preview = cms.server_side_apply(
        body=configmap("c", ns, {"a": "2"}), namespace=ns, field_manager="m", dry_run="All"
    )
    assert preview.data.a == "2"
    after = cms.get(name="c", namespace=ns)
    assert after.data.a == "1"
    assert after.metadata.resourceVersion == live.metadata.resourceVersion


def test_dry_run_delete_keeps_the_object(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("c", kube.namespace, {}), namespace=kube.namespace)
    cms.delete(name="c", namespace=kube.namespace, dry_run="All")
    assert cms.get(name="c", namespace=kube.namespace).metadata.name == "c"


def test_kubectl_dry_run_server_and_diff(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    manifest = to_yaml(configmap("c", ns, {"a": "1"}))
    out = kubectl("apply", "--server-side", "--dry-run=server", "-f", "-", stdin=manifest)
    assert "server dry run" in out
    assert kubectl.run("get", "cm", "c", "-n", ns).returncode == 1
    assert kubectl.run("diff", "--server-side", "-f", "-", stdin=manifest).returncode == 1
    kubectl("apply", "--server-side", "-f", "-", stdin=manifest)
    assert kubectl.run("diff", "--server-side", "-f", "-", stdin=manifest).returncode == 0
