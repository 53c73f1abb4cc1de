"""Deployments own ReplicaSets, ReplicaSets and Jobs own Pods, controllers write Events.

Fidelity tests through ``kube`` wait for the controllers (they are asynchronous
on a cluster too); the fault tests use the emulator's controls.
"""

from __future__ import annotations

import json
from typing import Any

from kubernetes import client
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl, KubeTarget

from tests.emulator.helpers import deployment, eventually, to_yaml


def _json(kubectl: Kubectl, *args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json"))


def _pods(kubectl: Kubectl, namespace: str, selector: str) -> list[Any]:
    return list(_json(kubectl, "get", "pods", "-n", namespace, "-l", selector)["items"])


def _running(kubectl: Kubectl, namespace: str, selector: str, count: int) -> list[Any]:
    def ready() -> list[Any]:
        pods = _pods(kubectl, namespace, selector)
        running = [p for p in pods if p["status"].get("phase") == "Running"]
        return pods if len(running) == count == len(pods) else []

    return eventually(ready, timeout=60)


def test_deployment_owns_a_replicaset_that_owns_running_pods(
    kube: KubeTarget, kubectl: Kubectl
) -> None:
    ns = kube.namespace
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=2)))
    pods = _running(kubectl, ns, "app=web", 2)
    rs = eventually(lambda: _json(kubectl, "get", "rs", "-n", ns, "-l", "app=web")["items"])
    assert len(rs) == 1
    owner = rs[0]["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Deployment", "web", True)
    assert rs[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    hash_ = rs[0]["metadata"]["labels"]["pod-template-hash"]
    assert rs[0]["metadata"]["name"] == f"web-{hash_}"
    for pod in pods:
        assert pod["metadata"]["ownerReferences"][0]["name"] == rs[0]["metadata"]["name"]
        assert pod["metadata"]["labels"]["pod-template-hash"] == hash_
        assert pod["status"]["qosClass"] == "BestEffort"
        conditions = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
        assert conditions["Ready"] == conditions["PodScheduled"] == "True"
        assert pod["spec"]["nodeName"]
    table = kubectl("get", "pods", "-n", ns, "-l", "app=web")
    assert table.split("\n")[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table.count(" 1/1 ") == 2 and table.count("Running") == 2


def test_rollout_history_and_undo(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=1)))
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")
    kubectl("set", "image", "deployment/web", "web=nginx:1.26", "-n", ns)
    kubectl("rollout", "status", "deployment/web", "-n", ns, "--timeout=60s")

    def revisions() -> list[str]:
        text = kubectl("rollout", "history", "deployment/web", "-n", ns)
        return [line.split()[0] for line in text.splitlines()[2:] if line.strip()]

    assert eventually(lambda: revisions() == ["1", "2"], timeout=60)
    kubectl("rollout", "undo", "deployment/web", "-n", ns)
    assert eventually(lambda: revisions() == ["2", "3"], timeout=60)
    live = _json(kubectl, "get", "deployment", "web", "-n", ns)
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    sets = _json(kubectl, "get", "rs", "-n", ns, "-l", "app=web")["items"]
    assert len(sets) == 2  # the first ReplicaSet came back instead of a third one


def test_job_pod_runs_to_succeeded(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl("create", "job", "once", "--image=busybox", "-n", ns, "--", "true")

    def succeeded() -> list[Any]:
        pods = _pods(kubectl, ns, "job-name=once")
        return [p for p in pods if p["status"].get("phase") == "Succeeded"]

    pod = eventually(succeeded, timeout=60)[0]
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "Job"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert "Completed" in kubectl("get", "pods", "-n", ns, "-l", "job-name=once")


def test_controllers_write_events(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=1)))
    _running(kubectl, ns, "app=web", 1)

    def reasons() -> set[str]:
        return {e["reason"] for e in _json(kubectl, "get", "events", "-n", ns)["items"]}

    wanted = {"ScalingReplicaSet", "SuccessfulCreate", "Scheduled", "Started"}
    assert eventually(lambda: wanted <= reasons(), timeout=60)
    table = kubectl("get", "events", "-n", ns)
    assert table.split("\n")[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "deployment/web" in table and "Scaled up replica set web-" in table


def test_deleting_a_deployment_collects_its_replicasets_and_pods(
    kube: KubeTarget, kubectl: Kubectl
) -> None:
    ns = kube.namespace
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=2)))
    _running(kubectl, ns, "app=web", 2)
    kubectl("delete", "deployment", "web", "-n", ns)
    eventually(lambda: not _pods(kubectl, ns, "app=web"), timeout=60)
    assert not _json(kubectl, "get", "rs", "-n", ns, "-l", "app=web")["items"]


def test_scale_down_removes_pods(kube: KubeTarget, kubectl: Kubectl) -> None:
    ns = kube.namespace
    kubectl("apply", "-f", "-", stdin=to_yaml(deployment("web", ns, replicas=3)))
    _running(kubectl, ns, "app=web", 3)
    kubectl("scale", "deployment/web", "--replicas=1", "-n", ns)
    _running(kubectl, ns, "app=web", 1)


def _core(emulator: Emulator) -> Any:
    return client.CoreV1Api(client.ApiClient(emulator.client_configuration()))


def _settled_pods(emulator: Emulator, selector: str) -> list[Any]:
    emulator.settle()
    return list(_core(emulator).list_namespaced_pod("default", label_selector=selector).items)


def _apply(emulator: Emulator, body: dict[str, Any]) -> None:
    apps = client.AppsV1Api(client.ApiClient(emulator.client_configuration()))
    apps.create_namespaced_deployment("default", body)


def test_failing_workload_pods_crash_loop(emulator: Emulator) -> None:
    _apply(emulator, deployment("web", "default", replicas=1))
    emulator.simulation.fail("Deployment", "web")
    [pod] = _settled_pods(emulator, "app=web")
    status = pod.status.container_statuses[0]
    assert status.state.waiting.reason == "CrashLoopBackOff"
    assert status.restart_count == 1 and not status.ready
    reasons = {e.reason for e in _core(emulator).list_namespaced_event("default").items}
    assert "BackOff" in reasons
    emulator.simulation.healthy("Deployment", "web")
    [pod] = _settled_pods(emulator, "app=web")
    assert pod.status.container_statuses[0].ready


def test_unschedulable_pods_stay_pending(emulator: Emulator) -> None:
    emulator.simulation.unschedulable("Deployment", "web")
    _apply(emulator, deployment("web", "default", replicas=1))
    [pod] = _settled_pods(emulator, "app=web")
    assert pod.status.phase == "Pending"
    [scheduled] = pod.status.conditions
    assert (scheduled.type, scheduled.status, scheduled.reason) == (
        "PodScheduled",
        "False",
        "Unschedulable",
    )
    events = _core(emulator).list_namespaced_event("default").items
    assert any(e.reason == "FailedScheduling" and e.type == "Warning" for e in events)


def test_qos_class_is_set_on_create(emulator: Emulator) -> None:
    def pod(name: str, resources: dict[str, Any]) -> dict[str, Any]:
        container = {"name": "c", "image": "busybox", "resources": resources}
        return {"metadata": {"name": name}, "spec": {"containers": [container]}}

    core = _core(emulator)
    same = {"cpu": "100m", "memory": "64Mi"}
    created = {
        "guaranteed": core.create_namespaced_pod("default", pod("guaranteed", {"limits": same})),
        "burstable": core.create_namespaced_pod(
            "default", pod("burstable", {"requests": {"cpu": "50m"}})
        ),
        "besteffort": core.create_namespaced_pod("default", pod("besteffort", {})),
    }
    assert {n: p.status.qos_class for n, p in created.items()} == {
        "guaranteed": "Guaranteed",
        "burstable": "Burstable",
        "besteffort": "BestEffort",
    }
    assert all(p.status.phase == "Pending" for p in created.values())
