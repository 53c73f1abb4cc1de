"""A Pod of its own: scheduled and Ready, then deleted gracefully as the kubelet does it.

A bound Pod's DELETE keeps it Terminating (``deletionTimestamp`` in the future,
``deletionGracePeriodSeconds``) until the kubelet has stopped its containers: it
reaches a terminal phase with ``Ready`` False, then goes. These run unchanged
against a real cluster, except where they steer the emulator's controllers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from kubernetes import client, watch
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import KubeTarget

from tests.emulator.helpers import eventually, gone


def _pod(name: str, namespace: str, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, **meta},
        "spec": {"containers": [{"name": "pause", "image": "registry.k8s.io/pause:3.10"}]},
    }


def _core(target: KubeTarget | Emulator) -> client.CoreV1Api:
    return client.CoreV1Api(client.ApiClient(target.client_configuration()))


def _ready(pod: Any) -> str:
    return {c.type: c.status for c in pod.status.conditions or []}.get("Ready", "")


def _running_pod(core: client.CoreV1Api, name: str, namespace: str, **meta: Any) -> Any:
    core.create_namespaced_pod(namespace, _pod(name, namespace, **meta))

    def ready() -> Any:
        pod = core.read_namespaced_pod(name, namespace)
        return pod if _ready(pod) == "True" else None

    return eventually(ready, timeout=60)


@pytest.fixture
def slow_kubelet(emulator: Emulator) -> Iterator[Emulator]:
    """Controller rounds far apart, so a Pod stays Terminating while the test looks."""
    tick = emulator.controllers.tick
    emulator.controllers.tick = 30.0
    try:
        yield emulator
    finally:
        emulator.controllers.tick = tick


def test_a_pod_of_its_own_becomes_ready(kube: KubeTarget) -> None:
    pod = _running_pod(_core(kube), "solo", kube.namespace)
    assert pod.spec.node_name and pod.status.phase == "Running"
    assert pod.status.container_statuses[0].ready and pod.status.pod_ip


def test_graceful_deletion_stops_the_pod_before_it_goes(kube: KubeTarget) -> None:
    core = _core(kube)
    pod = _running_pod(core, "leaving", kube.namespace)
    answer = core.delete_namespaced_pod("leaving", kube.namespace, grace_period_seconds=10)
    assert answer.kind == "Pod" and answer.metadata.deletion_grace_period_seconds == 10
    assert answer.metadata.deletion_timestamp is not None
    seen: list[tuple[str, str, str]] = []
    stream = watch.Watch().stream(
        core.list_namespaced_pod,
        kube.namespace,
        field_selector="metadata.name=leaving",
        resource_version=pod.metadata.resource_version,
        timeout_seconds=60,
    )
    for event in stream:
        obj = event["object"]
        seen.append((event["type"], obj.status.phase, _ready(obj)))
        if event["type"] == "DELETED":
            break
    assert seen[-1][0] == "DELETED"
    # on its way out the Pod was stopped: Ready False, a terminal phase, then removed
    assert any(phase in ("Succeeded", "Failed") and ready == "False" for _, phase, ready in seen)


def test_terminating_pod_is_replaced_by_its_replicaset(
    emulator: Emulator, slow_kubelet: Emulator
) -> None:
    apps = client.AppsV1Api(client.ApiClient(emulator.client_configuration()))
    core = _core(emulator)
    labels = {"app": "rs"}
    apps.create_namespaced_replica_set(
        "default",
        {
            "metadata": {"name": "rs"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": _pod("x", "default")["spec"]},
            },
        },
    )
    emulator.settle()
    (first,) = core.list_namespaced_pod("default", label_selector="app=rs").items
    core.delete_namespaced_pod(first.metadata.name, "default")
    emulator.controllers.round()  # the ReplicaSet controller counts it out, the kubelet stops it
    pods = {
        p.metadata.name: p
        for p in core.list_namespaced_pod("default", label_selector="app=rs").items
    }
    assert len(pods) == 2 and pods[first.metadata.name].metadata.deletion_timestamp is not None
    emulator.settle()
    (left,) = core.list_namespaced_pod("default", label_selector="app=rs").items
    assert left.metadata.name != first.metadata.name and _ready(left) == "True"


def test_a_shorter_grace_period_removes_a_terminating_pod(slow_kubelet: Emulator) -> None:
    core = _core(slow_kubelet)
    core.create_namespaced_pod("default", _pod("forced", "default"))
    slow_kubelet.settle()
    core.delete_namespaced_pod("forced", "default", grace_period_seconds=30)
    kept = core.read_namespaced_pod("forced", "default")
    assert kept.metadata.deletion_grace_period_seconds == 30
    # a longer one changes nothing; 0 (kubectl delete --force --grace-period=0) removes it
    core.delete_namespaced_pod("forced", "default", grace_period_seconds=60)
    assert (
        core.read_namespaced_pod("forced", "default").metadata.deletion_grace_period_seconds == 30
    )
    core.delete_namespaced_pod("forced", "default", grace_period_seconds=0)
    assert gone(lambda: core.read_namespaced_pod("forced", "default"))


def test_an_unscheduled_pod_goes_at_once(emulator: Emulator) -> None:
    core = _core(emulator)
    emulator.simulation.unschedulable("Pod", "pending", namespace="default")
    core.create_namespaced_pod("default", _pod("pending", "default"))
    emulator.settle()
    assert not core.read_namespaced_pod("pending", "default").spec.node_name
    answer = core.delete_namespaced_pod("pending", "default")
    assert answer.metadata.deletion_timestamp is None
    assert gone(lambda: core.read_namespaced_pod("pending", "default"))


def test_a_finalizer_keeps_a_stopped_pod(kube: KubeTarget) -> None:
    core = _core(kube)
    _running_pod(core, "held", kube.namespace, finalizers=["example.com/hold"])
    core.delete_namespaced_pod("held", kube.namespace, grace_period_seconds=5)

    def stopped() -> Any:
        pod = core.read_namespaced_pod("held", kube.namespace)
        return pod if pod.metadata.deletion_grace_period_seconds == 0 else None

    pod = eventually(stopped, timeout=60)
    assert pod.status.phase in ("Succeeded", "Failed") and _ready(pod) == "False"
    core.patch_namespaced_pod("held", kube.namespace, {"metadata": {"finalizers": None}})
    eventually(lambda: gone(lambda: core.read_namespaced_pod("held", kube.namespace)))


def test_admission_fills_in_account_priority_and_node_tolerations(kube: KubeTarget) -> None:
    core = _core(kube)
    pod = core.create_namespaced_pod(kube.namespace, _pod("admitted", kube.namespace))
    assert pod.spec.service_account_name == "default" and pod.spec.priority == 0
    tolerations = {(t.key, t.effect, t.toleration_seconds) for t in pod.spec.tolerations}
    assert tolerations == {
        ("node.kubernetes.io/not-ready", "NoExecute", 300),
        ("node.kubernetes.io/unreachable", "NoExecute", 300),
    }
    # one that tolerates every NoExecute taint already covers both
    body = _pod("tolerant", kube.namespace)
    body["spec"]["tolerations"] = [{"operator": "Exists", "effect": "NoExecute"}]
    tolerant = core.create_namespaced_pod(kube.namespace, body)
    assert [(t.key, t.effect) for t in tolerant.spec.tolerations] == [(None, "NoExecute")]
    # and a toleration can be added later (kr8s' Pod.tolerate)
    added = [
        *[client.ApiClient().sanitize_for_serialization(t) for t in pod.spec.tolerations],
        {"key": "k", "operator": "Exists", "effect": "NoSchedule"},
    ]
    patched = core.patch_namespaced_pod(
        "admitted",
        kube.namespace,
        {"spec": {"tolerations": [{k: v for k, v in t.items() if v is not None} for t in added]}},
    )
    assert "k" in {t.key for t in patched.spec.tolerations}
