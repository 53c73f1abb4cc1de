"""Create, read, update, delete: codes, resourceVersions and Status errors as Kubernetes has them."""

from __future__ import annotations

import json

import kubernetes.client
import pytest
from kubernetes import dynamic
from kubernetes.client.exceptions import ApiException
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

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


def test_kubectl_create_deployment_and_service_typed(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl(
        "create", "deployment", "web", "-n", ns, "--image=nginx:1.25", "--port=80", "--replicas=2"
    )
    kubectl("create", "service", "clusterip", "web", "-n", ns, "--tcp=80:8080")
    deploy = json.loads(kubectl("get", "deploy", "web", "-n", ns, "-o", "json"))
    container = deploy["spec"]["template"]["spec"]["containers"][0]
    assert (deploy["spec"]["replicas"], container["image"]) == (2, "nginx:1.25")
    assert container["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert "creationTimestamp" not in deploy["spec"]["template"]["metadata"]
    port = json.loads(kubectl("get", "svc", "web", "-n", ns, "-o", "json"))["spec"]["ports"][0]
    assert (port["port"], port["targetPort"], port["protocol"]) == (80, 8080, "TCP")
    assert "nodePort" not in port


def test_method_not_allowed_and_unsupported_media_type(kube: KubeTarget) -> None:
    client = kube.dynamic_client()
    base = f"/api/v1/namespaces/{kube.namespace}/configmaps"
    with pytest.raises(ApiException) as err:
        client.request("POST", f"{base}/named", body=configmap("named", kube.namespace, {}))
    assert (err.value.status, json.loads(err.value.body)["reason"]) == (405, "MethodNotAllowed")
    cms = client.resources.get(api_version="v1", kind="ConfigMap")
    cms.create(body=configmap("c", kube.namespace, {}), namespace=kube.namespace)
    api = kubernetes.client.ApiClient(kube.client_configuration())
    headers = {"Content-Type": "application/x-unknown-patch"}
    api.update_params_for_auth(headers, [], ["BearerToken"], base, "PATCH", None)
    url = f"{api.configuration.host}{base}/c"
    response = api.call_api("PATCH", url, header_params=headers, body='{"data": {"a": "1"}}')
    response.read()
    assert (response.status, json.loads(response.data)["reason"]) == (415, "UnsupportedMediaType")


def test_body_and_url_must_agree(kube: KubeTarget) -> None:
    cms = kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")
    live = cms.create(body=configmap("c", kube.namespace, {}), namespace=kube.namespace).to_dict()
    renamed = dict(live, metadata={**live["metadata"], "name": "other"})
    with pytest.raises(ApiException) as err:
        kube.dynamic_client().request(
            "PUT", f"/api/v1/namespaces/{kube.namespace}/configmaps/c", body=renamed
        )
    assert err.value.status == 400
    assert "does not match the name on the URL" in status_message(err.value)


def test_access_reviews_are_allowed(emulator: Emulator) -> None:
    # emulator only: a real cluster answers by its RBAC
    assert (
        Kubectl(emulator.kubeconfig_path)("auth", "can-i", "create", "deployments").strip() == "yes"
    )
    dyn = dynamic.DynamicClient(kubernetes.client.ApiClient(emulator.client_configuration()))
    reviews = dyn.resources.get(
        api_version="authorization.k8s.io/v1", kind="SelfSubjectAccessReview"
    )
    spec = {
        "resourceAttributes": {"verb": "patch", "resource": "configmaps", "namespace": "default"}
    }
    answer = reviews.create(
        body={
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": spec,
        }
    )
    assert answer.status.allowed is True
    assert answer.spec.resourceAttributes.verb == "patch"
