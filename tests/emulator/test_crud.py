"""Create, read, update, delete: codes, resourceVersions and Status errors as Kubernetes has them."""

from __future__ import annotations

import pytest
from kubernetes.client.exceptions import ApiException

from gitops_vela.testing.pytest_plugin import Kubectl, KubeTarget
from tests.emulator.helpers import configmap, status_message, to_yaml


def test_create_sets_server_fields_and_get_returns_them(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    created = cms.create(body=configmap("a", kube.namespace, {"k": "v"}), namespace=kube.namespace)
    meta = created.metadata
    assert meta.uid and meta.resourceVersion and meta.creationTimestamp
    assert meta.namespace == kube.namespace
    fetched = cms.get(name="a", namespace=kube.namespace)
    assert fetched.metadata.resourceVersion == meta.resourceVersion
    assert fetched.data.k == "v"


def test_create_twice_is_already_exists(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("a", kube.namespace, {}), namespace=kube.namespace)
    with pytest.raises(ApiException) as err:
        cms.create(body=configmap("a", kube.namespace, {}), namespace=kube.namespace)
    assert err.value.status == 409
    assert '"a" already exists' in status_message(err.value)


def test_missing_object_is_not_found_with_kubernetes_wording(kube: KubeTarget) -> None:
    deployments = kube.dynamic_client().resources.get(api_version="apps/v1", kind="Deployment")
    with pytest.raises(ApiException) as err:
        deployments.get(name="nope", namespace=kube.namespace)
    assert err.value.status == 404
    assert 'deployments.apps "nope" not found' in status_message(err.value)


def test_create_in_missing_namespace_fails(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(ApiException) as err:
        cms.create(body=configmap("a", "no-such-ns-xyz", {}), namespace="no-such-ns-xyz")
    assert err.value.status == 404
    assert 'namespaces "no-such-ns-xyz" not found' in status_message(err.value)


def test_update_with_stale_resource_version_conflicts(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    first = cms.create(
        body=configmap("a", kube.namespace, {"k": "1"}), namespace=kube.namespace
    ).to_dict()
    second = dict(first, data={"k": "2"})
    cms.replace(body=second, namespace=kube.namespace)
    stale = dict(first, data={"k": "3"})
    with pytest.raises(ApiException) as err:
        cms.replace(body=stale, namespace=kube.namespace)
    assert err.value.status == 409
    assert "the object has been modified" in status_message(err.value)


def test_resource_versions_only_grow(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    a = cms.create(body=configmap("a", kube.namespace, {}), namespace=kube.namespace)
    b = cms.create(body=configmap("b", kube.namespace, {}), namespace=kube.namespace)
    assert int(b.metadata.resourceVersion) > int(a.metadata.resourceVersion)


def test_invalid_name_is_422(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    with pytest.raises(ApiException) as err:
        cms.create(body=configmap("Not_Valid", kube.namespace, {}), namespace=kube.namespace)
    assert err.value.status == 422
    assert "RFC 1123 subdomain" in status_message(err.value)


def test_delete_then_gone(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("a", kube.namespace, {}), namespace=kube.namespace)
    cms.delete(name="a", namespace=kube.namespace)
    with pytest.raises(ApiException) as err:
        cms.get(name="a", namespace=kube.namespace)
    assert err.value.status == 404


def test_kubectl_create_get_replace_delete(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl("create", "-f", "-", stdin=to_yaml(configmap("a", ns, {"k": "v"})))
    assert kubectl("get", "cm", "a", "-n", ns, "-o", "jsonpath={.data.k}") == "v"
    stale = kubectl("get", "cm", "a", "-n", ns, "-o", "yaml")
    kubectl("label", "cm", "a", "-n", ns, "x=y")
    done = kubectl.run("replace", "-f", "-", stdin=stale)
    assert done.returncode == 1
    assert "the object has been modified" in done.stderr
    kubectl("delete", "cm", "a", "-n", ns)
    assert "NotFound" in kubectl.run("get", "cm", "a", "-n", ns).stderr


def test_kubectl_create_namespace_and_configmap_typed(kube: KubeTarget, kubectl: Kubectl) -> None:
    # kubectl's typed generators send protobuf bodies
    kubectl("create", "configmap", "gen", "-n", kube.namespace, "--from-literal=a=1")
    assert kubectl("get", "cm", "gen", "-n", kube.namespace, "-o", "jsonpath={.data.a}") == "1"
    kubectl("create", "secret", "generic", "s", "-n", kube.namespace, "--from-literal=p=pw")
    assert kubectl("get", "secret", "s", "-n", kube.namespace, "-o", "jsonpath={.data.p}") == "cHc="
