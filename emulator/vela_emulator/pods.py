"""Pods as the scheduler and a kubelet would move them, like kwok's fake node.

A Pod goes one step per controller round: scheduled onto the one simulated
node (or refused: ``Unschedulable``), then Running with ready containers (or
``ContainerCreating`` while its workload is kept progressing, or crash-looping
when it is made to fail), and a Job's Pod on to Succeeded (or Failed).
Each step is a plain function of the Pod and a mode, so tests can call them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from vela_emulator.calls import Obj
from vela_emulator.custom_status import FAILED, HEALTHY, PROGRESSING
from vela_emulator.lifecycle import now, qos_class

NODE_NAME = "emulator-node"
NODE_IP = "172.18.0.2"
UNSCHEDULABLE = "unschedulable"
Event = tuple[str, str, str]  # type, reason, message


@dataclass(frozen=True, slots=True)
class Step:
    """One move of a Pod: its new status, the events written, the node it is bound to."""

    status: Obj
    events: list[Event] = field(default_factory=list)
    node: str = ""


_UNSCHEDULABLE_MESSAGE = (
    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
    "1 No preemption victims found for incoming pod."
)


def pod_ip(uid: str) -> str:
    digest = hashlib.sha256(uid.encode()).digest()
    return f"10.244.{digest[0]}.{digest[1] % 254 + 1}"


def _condition(ctype: str, status: str, *, reason: str = "", message: str = "") -> Obj:
    cond: Obj = {
        "type": ctype,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": now(),
    }
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _containers(pod: Obj) -> list[Obj]:
    return [c for c in (pod.get("spec") or {}).get("containers") or [] if isinstance(c, dict)]


def is_finished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _container_status(container: Obj, state: Obj, *, ready: bool, restarts: int = 0) -> Obj:
    image = str(container.get("image", ""))
    status: Obj = {
        "name": container.get("name", ""),
        "state": state,
        "ready": ready,
        "restartCount": restarts,
        "image": image,
        "imageID": "",
        "started": "running" in state,
    }
    if "waiting" not in state or restarts:
        status["imageID"] = (
            f"{image.split('@')[0]}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"
        )
        status["containerID"] = (
            "containerd://"
            + hashlib.sha256((image + container.get("name", "")).encode()).hexdigest()
        )
    return status


def scheduled(pod: Obj, mode: str) -> Step:
    """What the scheduler does with an unscheduled Pod: bind it to the node, or say why not."""
    status = dict(pod.get("status") or {})
    meta = pod["metadata"]
    if mode == UNSCHEDULABLE:
        status["conditions"] = [
            _condition(
                "PodScheduled", "False", reason="Unschedulable", message=_UNSCHEDULABLE_MESSAGE
            )
        ]
        return Step(status, [("Warning", "FailedScheduling", _UNSCHEDULABLE_MESSAGE)])
    status["conditions"] = [_condition("PodScheduled", "True")]
    message = f"Successfully assigned {meta.get('namespace', '')}/{meta['name']} to {NODE_NAME}"
    return Step(status, [("Normal", "Scheduled", message)], node=NODE_NAME)


def _base_status(pod: Obj, phase: str, *, ready: bool, started: bool, reason: str = "") -> Obj:
    status = pod.get("status") or {}
    not_ready = "" if ready else reason or "ContainersNotReady"
    names = ", ".join(str(c.get("name", "")) for c in _containers(pod))
    message = "" if ready else f"containers with unready status: [{names}]"
    conditions = [
        _condition("PodReadyToStartContainers", "True" if started else "False"),
        _condition("Initialized", "True"),
        _condition("Ready", "True" if ready else "False", reason=not_ready, message=message),
        _condition(
            "ContainersReady", "True" if ready else "False", reason=not_ready, message=message
        ),
        _condition("PodScheduled", "True"),
    ]
    base: Obj = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": NODE_IP,
        "hostIPs": [{"ip": NODE_IP}],
        "startTime": status.get("startTime") or now(),
        "qosClass": status.get("qosClass") or qos_class(pod),
    }
    if started:  # a hostNetwork Pod (the control plane's) has the node's address
        host = (pod.get("spec") or {}).get("hostNetwork")
        ip = NODE_IP if host else pod_ip(pod["metadata"].get("uid", ""))
        base["podIP"], base["podIPs"] = ip, [{"ip": ip}]
    return base


def _with_containers(status: Obj, statuses: list[Obj]) -> Obj:
    status["containerStatuses"] = statuses
    return status


def started(pod: Obj, mode: str, *, job: bool) -> Step:
    """What the kubelet does with a scheduled Pod: start it (or try to)."""
    containers = _containers(pod)
    if mode == PROGRESSING:
        waiting = {"waiting": {"reason": "ContainerCreating"}}
        status = _base_status(pod, "Pending", ready=False, started=False)
        return Step(
            _with_containers(
                status, [_container_status(c, waiting, ready=False) for c in containers]
            )
        )
    events: list[Event] = []
    for c in containers:
        events += [
            (
                "Normal",
                "Pulled",
                f'Container image "{c.get("image", "")}" already present on machine',
            ),
            ("Normal", "Created", f"Created container: {c.get('name', '')}"),
            ("Normal", "Started", f"Started container {c.get('name', '')}"),
        ]
    if mode == FAILED:
        return Step(_failed(pod, containers, job=job), events + _backoff(pod, containers, job=job))
    running = {"running": {"startedAt": now()}}
    status = _base_status(pod, "Running", ready=True, started=True)
    return Step(
        _with_containers(status, [_container_status(c, running, ready=True) for c in containers]),
        events,
    )


def _terminated(exit_code: int, reason: str, started_at: str) -> Obj:
    return {
        "terminated": {
            "exitCode": exit_code,
            "reason": reason,
            "startedAt": started_at,
            "finishedAt": now(),
            "containerID": "",
        }
    }


def _failed(pod: Obj, containers: list[Obj], *, job: bool) -> Obj:
    if job:  # restartPolicy Never/OnFailure in a Job: the Pod fails
        status = _base_status(pod, "Failed", ready=False, started=True, reason="PodFailed")
        return _with_containers(
            status,
            [_container_status(c, _terminated(1, "Error", now()), ready=False) for c in containers],
        )
    meta = pod["metadata"]
    who = f"{meta['name']}_{meta.get('namespace', '')}({meta.get('uid', '')})"
    statuses = []
    for c in containers:
        message = f"back-off 10s restarting failed container={c.get('name', '')} pod={who}"
        waiting = {"waiting": {"reason": "CrashLoopBackOff", "message": message}}
        container = _container_status(c, waiting, ready=False, restarts=1)
        container["lastState"] = _terminated(1, "Error", now())
        statuses.append(container)
    return _with_containers(_base_status(pod, "Running", ready=False, started=True), statuses)


def _backoff(pod: Obj, containers: list[Obj], *, job: bool) -> list[Event]:
    if job:
        return []
    meta = pod["metadata"]
    who = f"{meta['name']}_{meta.get('namespace', '')}({meta.get('uid', '')})"
    return [
        (
            "Warning",
            "BackOff",
            f"Back-off restarting failed container {c.get('name', '')} in pod {who}",
        )
        for c in containers
    ]


def completed(pod: Obj) -> Step:
    """A Job's running Pod after its containers exited 0."""
    status = _base_status(pod, "Succeeded", ready=False, started=True, reason="PodCompleted")
    started_at = now()
    statuses = [
        {
            **_container_status(c, _terminated(0, "Completed", started_at), ready=False),
            "started": False,
        }
        for c in _containers(pod)
    ]
    return Step(_with_containers(status, statuses))


def stopped(pod: Obj) -> Step:
    """What the kubelet does with a Pod being deleted: its containers get SIGTERM and exit
    0, and the Pod reaches a terminal phase before it goes (kubelets do since 1.27), so
    ``Ready`` turns False while it is Terminating."""
    killing = [
        ("Normal", "Killing", f"Stopping container {c.get('name', '')}") for c in _containers(pod)
    ]
    return Step(completed(pod).status, killing)


def step(pod: Obj, mode: str, *, job: bool) -> Step | None:
    """The Pod's next step under ``mode``; None when it stays as it is."""
    if is_finished(pod):
        return None
    spec = pod.get("spec") or {}
    if not spec.get("nodeName"):
        if mode == UNSCHEDULABLE and _unschedulable(pod):
            return None
        return scheduled(pod, mode)
    if mode == UNSCHEDULABLE:
        return None  # already on the node: nothing moves it off
    phase = (pod.get("status") or {}).get("phase")
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )
    if job and mode == HEALTHY and phase == "Running":
        return completed(pod)
    if _in_mode(pod, mode, ready):
        return None
    return started(pod, mode, job=job)


def _unschedulable(pod: Obj) -> bool:
    return any(
        c.get("type") == "PodScheduled" and c.get("reason") == "Unschedulable"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def _in_mode(pod: Obj, mode: str, ready: bool) -> bool:
    """Whether a scheduled Pod already shows what ``mode`` asks for."""
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    waiting = {((s.get("state") or {}).get("waiting") or {}).get("reason") for s in statuses}
    if not statuses:
        return False
    if mode == PROGRESSING:
        return waiting == {"ContainerCreating"}
    if mode == FAILED:
        return waiting == {"CrashLoopBackOff"}
    return ready
