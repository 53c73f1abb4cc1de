"""Deletion: finalizers, propagationPolicy by ownerReferences, namespace termination.

Deletion is asynchronous on a cluster and in the emulator alike, so these tests
wait for objects to go (``eventually``) and run unchanged against a real cluster.
"""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import configmap, eventually, gone, status_message


def _cms(kube: KubeTarget) -> Any:
    return kube.dynamic_client().resources.get(api_version="v1", kind="ConfigMap")


def _namespaces(kube: KubeTarget) -> Any:
    return kube.dynamic_client().resources.get(api_version="v1", kind="Namespace")


def _release(cms: Any, name: str, namespace: str) -> None:
    cms.patch(
        name=name,
        namespace=namespace,
        body={"metadata": {"finalizers": None}},
        content_type="application/merge-patch+json",
    )


def _held(kube: KubeTarget, name: str = "held") -> Any:
    cms = _cms(kube)
    body = configmap(name, kube.namespace, {})
    body["metadata"]["finalizers"] = ["example.com/hold"]
    cms.create(body=body, namespace=kube.namespace)
    return cms


def test_finalizer_keeps_object_until_removed(kube: KubeTarget) -> None:
    cms = _held(kube, "f")
    cms.delete(name="f", namespace=kube.namespace)
    marked = cms.get(name="f", namespace=kube.namespace)
    assert marked.metadata.deletionTimestamp
    _release(cms, "f", kube.namespace)
    eventually(lambda: gone(lambda: cms.get(name="f", namespace=kube.namespace)))


def test_no_new_finalizer_once_deletion_started(kube: KubeTarget) -> None:
    cms = _held(kube, "f")
    cms.delete(name="f", namespace=kube.namespace)
    with pytest.raises(ApiException) as err:
        cms.patch(
            name="f",
            namespace=kube.namespace,
            body={"metadata": {"finalizers": ["example.com/hold", "example.com/late"]}},
            content_type="application/merge-patch+json",
        )
    assert err.value.status == 422
    assert status_message(err.value) == (
        'ConfigMap "f" is invalid: metadata.finalizers: Forbidden: no new finalizers can be '
        'added if the object is being deleted, found new finalizers []string{"example.com/late"}'
    )
    _release(cms, "f", kube.namespace)


def _owned(kube: KubeTarget, *, block: bool = False) -> tuple[Any, Any]:
    cms = _cms(kube)
    owner = cms.create(body=configmap("owner", kube.namespace, {}), namespace=kube.namespace)
    child = configmap("child", kube.namespace, {})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    if block:
        ref["blockOwnerDeletion"] = True
        child["metadata"]["finalizers"] = ["example.com/hold"]
    child["metadata"]["ownerReferences"] = [ref]
    cms.create(body=child, namespace=kube.namespace)
    return cms, owner


def test_background_deletion_collects_dependents(kube: KubeTarget) -> None:
    cms, _ = _owned(kube)
    cms.delete(name="owner", namespace=kube.namespace, propagation_policy="Background")
    assert gone(lambda: cms.get(name="owner", namespace=kube.namespace))
    eventually(lambda: gone(lambda: cms.get(name="child", namespace=kube.namespace)))


def test_dependent_with_another_live_owner_stays(kube: KubeTarget) -> None:
    cms, _ = _owned(kube)
    other = cms.create(body=configmap("other", kube.namespace, {}), namespace=kube.namespace)
    second = {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": other.metadata.uid}
    child = cms.get(name="child", namespace=kube.namespace).to_dict()
    child["metadata"]["ownerReferences"].append(second)
    cms.replace(body=child, namespace=kube.namespace)
    cms.delete(name="owner", namespace=kube.namespace)

    def only_the_live_owner() -> bool:
        refs = cms.get(name="child", namespace=kube.namespace).metadata.ownerReferences
        return [r.uid for r in refs] == [other.metadata.uid]

    eventually(only_the_live_owner)


def test_orphan_deletion_keeps_dependents_without_the_reference(kube: KubeTarget) -> None:
    cms, _ = _owned(kube)
    cms.delete(name="owner", namespace=kube.namespace, propagation_policy="Orphan")
    eventually(lambda: gone(lambda: cms.get(name="owner", namespace=kube.namespace)))
    child = cms.get(name="child", namespace=kube.namespace)
    assert not child.metadata.get("ownerReferences")


def test_foreground_owner_waits_for_blocking_dependents(kube: KubeTarget) -> None:
    cms, _ = _owned(kube, block=True)
    kept = cms.delete(name="owner", namespace=kube.namespace, propagation_policy="Foreground")
    assert kept.metadata.deletionTimestamp
    assert "foregroundDeletion" in kept.metadata.finalizers
    eventually(lambda: cms.get(name="child", namespace=kube.namespace).metadata.deletionTimestamp)
    owner = cms.get(name="owner", namespace=kube.namespace)
    assert owner.metadata.finalizers == ["foregroundDeletion"]
    _release(cms, "child", kube.namespace)
    eventually(lambda: gone(lambda: cms.get(name="owner", namespace=kube.namespace)))
    assert gone(lambda: cms.get(name="child", namespace=kube.namespace))


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


@pytest.mark.parametrize("name", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_system_namespaces_cannot_be_deleted(kube: KubeTarget, name: str) -> None:
    with pytest.raises(ApiException) as err:  # dry run: admission refuses it all the same
        _namespaces(kube).delete(name=name, dry_run="All")
    assert err.value.status == 403
    assert status_message(err.value) == (
        f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    )


def test_terminating_namespace_refuses_new_content(kube: KubeTarget) -> None:
    cms = _held(kube)
    terminating = _namespaces(kube).delete(name=kube.namespace)
    assert terminating.status.phase == "Terminating"
    assert terminating.metadata.deletionTimestamp
    with pytest.raises(ApiException) as err:
        cms.create(body=configmap("late", kube.namespace, {}), namespace=kube.namespace)
    assert err.value.status == 403
    assert status_message(err.value).endswith(
        f'"late" is forbidden: unable to create new content in namespace {kube.namespace} because it is being terminated'
    )
    _release(cms, "held", kube.namespace)
    eventually(lambda: gone(lambda: _namespaces(kube).get(name=kube.namespace)), timeout=60)


def test_terminating_namespace_cannot_be_recreated_and_says_what_holds_it(
    kube: KubeTarget,
) -> None:
    cms = _held(kube)
    namespaces = _namespaces(kube)
    namespaces.delete(name=kube.namespace)
    with pytest.raises(ApiException) as err:
        namespaces.create(
            body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": kube.namespace}}
        )
    assert err.value.status == 409
    assert status_message(err.value) == (
        f'object is being deleted: namespaces "{kube.namespace}" already exists'
    )

    def holding() -> str:
        conditions = namespaces.get(name=kube.namespace).status.conditions or []
        return next(
            (
                c.message
                for c in conditions
                if c.type == "NamespaceFinalizersRemaining" and c.status == "True"
            ),
            "",
        )

    assert eventually(holding, timeout=60) == (
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
    )
    assert cms.get(name="held", namespace=kube.namespace).metadata.deletionTimestamp
    _release(cms, "held", kube.namespace)
    eventually(lambda: gone(lambda: namespaces.get(name=kube.namespace)), timeout=60)


def test_deletion_takes_a_controller_tick_and_settle_finishes_it(emulator: Emulator) -> None:
    from kubernetes import client

    core = client.CoreV1Api(client.ApiClient(emulator.client_configuration()))
    core.create_namespace({"metadata": {"name": "slow"}})
    owner = core.create_namespaced_config_map("slow", configmap("owner", "slow", {}))
    child = configmap("child", "slow", {})
    child["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner.metadata.uid}
    ]
    core.create_namespaced_config_map("slow", child)
    tick, emulator.controllers.tick = emulator.controllers.tick, 5.0
    try:
        core.delete_namespaced_config_map("owner", "slow")
        assert core.read_namespaced_config_map("child", "slow")  # the collector has not run yet
        core.delete_namespace("slow")
        assert core.read_namespace("slow").status.phase == "Terminating"
        emulator.settle()
    finally:
        emulator.controllers.tick = tick
    assert gone(lambda: core.read_namespaced_config_map("child", "slow"))
    assert gone(lambda: core.read_namespace("slow"))
