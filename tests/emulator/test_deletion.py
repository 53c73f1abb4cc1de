"""Deletion: finalizers, propagationPolicy by ownerReferences, namespace termination."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, status_message


def _cms(kube: KubeTarget) -> Any:
    return kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")


def test_finalizer_keeps_object_until_removed(kube: KubeTarget) -> None:
    cms = _cms(kube)
    body = configmap("f", kube.namespace, {})
    body["metadata"]["finalizers"] = ["example.com/hold"]
    cms.create(body=body, namespace=kube.namespace)
    cms.delete(name="f", namespace=kube.namespace)
    marked = cms.get(name="f", namespace=kube.namespace)
    assert marked.metadata.deletionTimestamp
    cms.patch(
        name="f",
        namespace=kube.namespace,
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
    with pytest.raises(ApiException) as err:
        cms.get(name="f", namespace=kube.namespace)
    assert err.value.status == 404


def _owned(kube: KubeTarget) -> tuple[Any, Any]:
    cms = _cms(kube)
    owner = cms.create(body=configmap("owner", kube.namespace, {}), namespace=kube.namespace)
    child = configmap("child", kube.namespace, {})
    child["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    ]
    cms.create(body=child, namespace=kube.namespace)
    return cms, owner


def test_background_deletion_collects_dependents(kube: KubeTarget) -> None:
    cms, _ = _owned(kube)
    cms.delete(name="owner", namespace=kube.namespace, propagation_policy="Background")
    for _ in range(50):
        names = {i.metadata.name for i in cms.get(namespace=kube.namespace).items}
        if "child" not in names:
            break
    assert "child" not in names


def test_orphan_deletion_keeps_dependents_without_the_reference(kube: KubeTarget) -> None:
    cms, _ = _owned(kube)
    cms.delete(name="owner", namespace=kube.namespace, propagation_policy="Orphan")
    child = cms.get(name="child", namespace=kube.namespace)
    assert not child.metadata.get("ownerReferences")


def test_delete_precondition_on_uid(kube: KubeTarget) -> None:
    cms = _cms(kube)
    cms.create(body=configmap("p", kube.namespace, {}), namespace=kube.namespace)
    with pytest.raises(ApiException) as err:
        cms.delete(
            name="p", namespace=kube.namespace, body={"preconditions": {"uid": "not-the-uid"}}
        )
    assert err.value.status == 409
    assert "Precondition failed: UID in precondition: not-the-uid" in status_message(err.value)


def test_namespace_deletion_removes_contents(kube: KubeTarget, kubectl: Kubectl) -> None:
    cms = _cms(kube)
    cms.create(body=configmap("inside", kube.namespace, {}), namespace=kube.namespace)
    kubectl("delete", "namespace", kube.namespace, "--timeout=60s")
    assert "NotFound" in kubectl.run("get", "namespace", kube.namespace).stderr
    assert "NotFound" in kubectl.run("get", "cm", "inside", "-n", kube.namespace).stderr


def test_terminating_namespace_refuses_new_content(kube: KubeTarget) -> None:
    cms = _cms(kube)
    held = configmap("held", kube.namespace, {})
    held["metadata"]["finalizers"] = ["example.com/hold"]
    cms.create(body=held, namespace=kube.namespace)
    namespaces = kube.dynamic_client().resources.get(api_version="v1", kind="Namespace")
    namespaces.delete(name=kube.namespace)
    assert namespaces.get(name=kube.namespace).status.phase == "Terminating"
    with pytest.raises(ApiException) as err:
        cms.create(body=configmap("late", kube.namespace, {}), namespace=kube.namespace)
    assert err.value.status == 403
    assert status_message(err.value).endswith(
        f'"late" is forbidden: unable to create new content in namespace {kube.namespace} because it is being terminated'
    )
    cms.patch(
        name="held",
        namespace=kube.namespace,
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )
