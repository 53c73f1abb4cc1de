"""Status simulation, like kwok: what controllers and kubelets would write to ``status``.

After each stored change of a Deployment, ReplicaSet, StatefulSet, DaemonSet,
Job, Service, Ingress, HorizontalPodAutoscaler, PodDisruptionBudget,
PersistentVolumeClaim or a well-known custom resource (OpenKruise CloneSet,
Flagger Canary: :mod:`~vela_emulator.custom_status`), the simulator writes the
status a healthy cluster would reach (as manager ``kube-controller-manager``,
through the status subresource, so resourceVersion moves and watchers see a
MODIFIED event). With ``delay=0`` this happens right after the write; with a
delay a background thread does it, and :meth:`Simulator.settle` forces it.

Controls for tests: :meth:`progressing` keeps a workload rolling out forever,
:meth:`fail` makes it fail (Deployment ``ProgressDeadlineExceeded``, Job
``BackoffLimitExceeded``), :meth:`healthy` returns it to normal.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from vela_emulator import semantics
from vela_emulator.api import Api
from vela_emulator.calls import Obj
from vela_emulator.custom_status import (
    CUSTOM_KINDS,
    FAILED,
    HEALTHY,
    PROGRESSING,
    composite_status,
    is_composite,
)
from vela_emulator.lifecycle import now
from vela_emulator.pods import UNSCHEDULABLE
from vela_emulator.registry import ResourceType
from vela_emulator.selectors import (
    labels_match,
    parse_label_selector,
    selector_from_label_selector,
)

MANAGER = "kube-controller-manager"
REVISION = "deployment.kubernetes.io/revision"
PODS = ("", "pods")
REPLICASETS = ("apps", "replicasets")

Target = tuple[str, str, str]  # kind, namespace, name


_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # rand.SafeEncodeString's alphabet: no vowels


def template_hash(template: Any) -> str:
    """A ``pod-template-hash``: FNV-32a of the template, safe-encoded as the controller does."""
    value = 0x811C9DC5
    for byte in json.dumps(template, sort_keys=True).encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[ord(c) % len(_SAFE)] for c in str(value))


def _template_hash(obj: Obj) -> str:
    return template_hash((obj.get("spec") or {}).get("template"))


def _replicas(obj: Obj) -> int:
    value = (obj.get("spec") or {}).get("replicas", 1)
    return int(value) if isinstance(value, int) else 1


def _condition(ctype: str, status: str, reason: str, message: str, *, updates: bool = False) -> Obj:
    cond = {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": now(),
    }
    if updates:
        cond["lastUpdateTime"] = cond["lastTransitionTime"]
    return cond


def _counts(**counts: int) -> Obj:
    return {k: v for k, v in counts.items() if v}  # Go's omitempty drops zero counts


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def active_pods(pods: list[Obj]) -> list[Obj]:
    """FilterActivePods: neither being deleted nor finished."""
    return [
        p
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
        and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
    ]


def _controller_uid(obj: Obj) -> str:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid", ""))
    return ""


def replicaset_status(obj: Obj, pods: list[Obj]) -> Obj:
    """What the ReplicaSet controller counts of its Pods (ready ones are available:
    ``minReadySeconds`` is not waited for)."""
    active = active_pods(pods)
    ready = sum(1 for p in active if _ready(p))
    return {
        "replicas": len(active),
        **_counts(fullyLabeledReplicas=len(active), readyReplicas=ready, availableReplicas=ready),
        "observedGeneration": obj["metadata"].get("generation", 1),
    }


def _max_unavailable(deployment: Obj, replicas: int) -> int:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0
    value = (strategy.get("rollingUpdate") or {}).get("maxUnavailable", "25%")
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return replicas * int(value[:-1]) // 100
    return int(value) if isinstance(value, int) else 0


def _current_set(obj: Obj, sets: list[tuple[Obj, list[Obj]]]) -> tuple[Obj, list[Obj]] | None:
    """The ReplicaSet of the Deployment's revision (the controller marks both with it)."""
    revision = (obj["metadata"].get("annotations") or {}).get(REVISION)
    for rs, pods in sets:
        if revision and (rs["metadata"].get("annotations") or {}).get(REVISION) == revision:
            return rs, pods
    return None


def deployment_status(obj: Obj, mode: str, sets: list[tuple[Obj, list[Obj]]]) -> Obj:
    """calculateStatus over the Deployment's ReplicaSets and their Pods, with the
    conditions of the deployment controller (or of the ``progressing``/``fail`` control)."""
    wanted, gen = _replicas(obj), obj["metadata"].get("generation", 1)
    current = _current_set(obj, sets)
    name = (
        current[0]["metadata"]["name"]
        if current
        else f"{obj['metadata']['name']}-{_template_hash(obj)}"
    )
    rs = f'ReplicaSet "{name}"'
    actual = sum(len(active_pods(pods)) for _, pods in sets)
    ready = sum(1 for _, pods in sets for p in active_pods(pods) if _ready(p))
    updated = len(active_pods(current[1])) if current else 0
    declared = sum(_replicas(rs_obj) for rs_obj, _ in sets)
    counts = _counts(
        replicas=actual,
        updatedReplicas=updated,
        readyReplicas=ready,
        availableReplicas=ready,
        unavailableReplicas=max(declared - ready, 0),
    )
    if ready >= wanted - _max_unavailable(obj, wanted):
        available = _condition(
            "Available",
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
            updates=True,
        )
    else:
        available = _condition(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            updates=True,
        )
    complete = updated == wanted and ready >= wanted and actual == wanted
    if mode == FAILED:
        progressing = _condition(
            "Progressing",
            "False",
            "ProgressDeadlineExceeded",
            f"{rs} has timed out progressing.",
            updates=True,
        )
    elif mode == HEALTHY and complete:
        progressing = _condition(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f"{rs} has successfully progressed.",
            updates=True,
        )
    else:
        progressing = _condition(
            "Progressing", "True", "ReplicaSetUpdated", f"{rs} is progressing.", updates=True
        )
    return {"observedGeneration": gen, **counts, "conditions": [available, progressing]}


def statefulset_status(obj: Obj, mode: str) -> Obj:
    r, gen = _replicas(obj), obj["metadata"].get("generation", 1)
    revision = f"{obj['metadata']['name']}-{_template_hash(obj)}"
    ready = r if mode == HEALTHY else 0
    return {
        "observedGeneration": gen,
        **_counts(
            replicas=r,
            readyReplicas=ready,
            currentReplicas=ready,
            updatedReplicas=r,
            availableReplicas=ready,
        ),
        "currentRevision": revision if mode == HEALTHY else f"{obj['metadata']['name']}-previous",
        "updateRevision": revision,
        "collisionCount": 0,
    }


def daemonset_status(obj: Obj, mode: str) -> Obj:
    ready = 1 if mode == HEALTHY else 0
    return {
        "currentNumberScheduled": 1,
        "desiredNumberScheduled": 1,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "observedGeneration": obj["metadata"].get("generation", 1),
        "updatedNumberScheduled": 1,
        **_counts(numberAvailable=ready, numberUnavailable=1 - ready),
    }


def job_status(obj: Obj, mode: str) -> Obj:
    spec = obj.get("spec") or {}
    status = copy.deepcopy(obj.get("status") or {})
    if any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in status.get("conditions") or []
    ):
        return status  # a finished Job stays finished
    start = status.get("startTime") or now()
    base: Obj = {"startTime": start, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}}
    if spec.get("suspend"):
        return {"conditions": [_condition("Suspended", "True", "JobSuspended", "Job suspended")]}
    if mode == PROGRESSING:
        return {**base, "active": int(spec.get("parallelism", 1))}
    if mode == FAILED:
        message = "Job has reached the specified backoff limit"
        return {
            **base,
            "failed": int(spec.get("backoffLimit", 6)) + 1,
            "conditions": [
                _condition("FailureTarget", "True", "BackoffLimitExceeded", message),
                _condition("Failed", "True", "BackoffLimitExceeded", message),
            ],
        }
    message = "Reached expected number of succeeded pods"
    return {
        **base,
        "completionTime": now(),
        "succeeded": int(spec.get("completions", 1)),
        "conditions": [
            _condition("SuccessCriteriaMet", "True", "CompletionsReached", message),
            _condition("Complete", "True", "CompletionsReached", message),
        ],
    }


def service_status(obj: Obj, mode: str, *, ip: Callable[[], str]) -> Obj:
    if (obj.get("spec") or {}).get("type") != "LoadBalancer" or mode != HEALTHY:
        return {"loadBalancer": {}}
    current = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress")
    return {"loadBalancer": {"ingress": current or [{"ip": ip(), "ipMode": "VIP"}]}}


def pvc_status(obj: Obj, mode: str) -> Obj:
    if mode != HEALTHY:
        return {"phase": "Pending"}
    spec = obj.get("spec") or {}
    status: Obj = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"]}
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage:
        status["capacity"] = {"storage": storage}
    return status


_SIMULATED: dict[tuple[str, str], Callable[[Obj, str], Obj]] = {
    ("apps", "StatefulSet"): statefulset_status,
    ("apps", "DaemonSet"): daemonset_status,
    ("batch", "Job"): job_status,
    ("", "PersistentVolumeClaim"): pvc_status,
    **CUSTOM_KINDS,  # custom resources, once their CRD is registered
}


_CONTEXTUAL = {
    ("apps", "Deployment"),  # counted from its ReplicaSets' Pods
    ("apps", "ReplicaSet"),  # counted from its Pods
    ("", "Service"),
    ("networking.k8s.io", "Ingress"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
}
_TRACKED = {*_SIMULATED, *_CONTEXTUAL}


def _tracked(rtype: ResourceType, obj: Obj) -> bool:
    """Whether the simulator writes this object's status: a kind it knows, or a
    Crossplane claim/composite (whose kinds its users choose)."""
    if (rtype.group, rtype.kind) in _TRACKED:
        return True
    return bool(rtype.crd) and is_composite(obj)


def ingress_status(obj: Obj, mode: str, *, ip: Callable[[], str]) -> Obj:
    if mode != HEALTHY:
        return {"loadBalancer": {}}
    current = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress")
    return {"loadBalancer": {"ingress": current or [{"ip": ip()}]}}


def hpa_status(obj: Obj, mode: str, *, target_replicas: int | None) -> Obj:
    spec = obj.get("spec") or {}
    low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
    current = target_replicas if target_replicas is not None else low
    desired = min(max(current, low), high)
    active = mode == HEALTHY
    return {
        "currentReplicas": current,
        "desiredReplicas": desired,
        "conditions": [
            _condition(
                "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size"
            ),
            _condition(
                "ScalingActive",
                "True" if active else "False",
                "ValidMetricFound" if active else "FailedGetResourceMetric",
                "the HPA was able to successfully calculate a replica count"
                if active
                else "the HPA was unable to compute the replica count",
            ),
            _condition(
                "ScalingLimited",
                "False",
                "DesiredWithinRange",
                "the desired count is within the acceptable range",
            ),
        ],
    }


def _budget(value: Any, expected: int, *, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        share = expected * int(value[:-1]) / 100
        return int(-(-share // 1)) if round_up else int(share)
    return int(value)


def pdb_status(obj: Obj, mode: str, *, expected: int) -> Obj:
    spec = obj.get("spec") or {}
    healthy = expected if mode == HEALTHY else 0
    if "minAvailable" in spec:
        desired = _budget(spec["minAvailable"], expected, round_up=True)
    else:
        desired = expected - _budget(spec.get("maxUnavailable", 0), expected, round_up=True)
    allowed = max(0, healthy - desired)
    return {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": max(desired, 0),
        "expectedPods": expected,
        "conditions": [
            _condition("DisruptionAllowed", "True", "SufficientPods", "")
            if allowed
            else _condition("DisruptionAllowed", "False", "InsufficientPods", "")
        ],
    }


def _keep_transition_times(old: Obj, new: Obj) -> Obj:
    """Conditions keep their timestamps while their status does not change."""
    previous = {c.get("type"): c for c in old.get("conditions") or []}
    for cond in new.get("conditions") or []:
        before = previous.get(cond["type"])
        if (
            before
            and before.get("status") == cond["status"]
            and before.get("reason") == cond.get("reason")
        ):
            for key in ("lastTransitionTime", "lastUpdateTime"):
                if key in before:
                    cond[key] = before[key]
    return new


class Simulator:
    """Writes simulated status after changes; see the module docstring."""

    def __init__(self, api: Api, *, delay: float = 0.0) -> None:
        self.api = api
        self.delay = delay
        self._modes: dict[Target, str] = {}
        self._pending: dict[tuple[ResourceType, str, str], float] = {}
        self._lb_ips = 0
        # (kind key, controller uid) -> names of the Pods or ReplicaSets it controls
        self._dependents: dict[tuple[tuple[str, str], str], dict[str, None]] = {}
        self._indexed: set[tuple[str, str]] = set()
        self.mode_changed: list[Callable[[str, str, str], None]] = []  # kind, namespace, name
        self._wake = threading.Condition(api.store.lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        api.after_write.append(self._on_write)

    def start(self) -> None:
        if self.delay > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="emulator-status", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        with self.api.store.lock:
            self._modes.clear()
            self._pending.clear()
            self.forget_index()

    # ----- controls --------------------------------------------------------------------------

    def progressing(self, kind: str, name: str, *, namespace: str = "default") -> None:
        """Keep this workload rolling out (never Available) until :meth:`healthy`."""
        self._set_mode(kind, namespace, name, PROGRESSING)

    def fail(self, kind: str, name: str, *, namespace: str = "default") -> None:
        """Make this workload fail: Deployment ProgressDeadlineExceeded, Job BackoffLimitExceeded."""
        self._set_mode(kind, namespace, name, FAILED)

    def unschedulable(self, kind: str, name: str, *, namespace: str = "default") -> None:
        """Its Pods stay Pending: the scheduler finds no node (the workload keeps rolling out)."""
        self._set_mode(kind, namespace, name, UNSCHEDULABLE)

    def mode_of(self, kind: str, namespace: str, name: str) -> str | None:
        """The mode a control set for this object, None when none did."""
        return self._modes.get((kind, namespace, name))

    def healthy(self, kind: str, name: str, *, namespace: str = "default") -> None:
        """Back to normal: the workload becomes available."""
        self._set_mode(kind, namespace, name, HEALTHY)

    def _set_mode(self, kind: str, namespace: str, name: str, mode: str) -> None:
        with self.api.store.lock:
            self._modes[(kind, namespace, name)] = mode
            for changed in self.mode_changed:
                changed(kind, namespace, name)
            for rtype in self.api.registry:
                if rtype.kind == kind:
                    obj = self.api.store.get(rtype.key, namespace if rtype.namespaced else "", name)
                    if obj is not None and _tracked(rtype, obj):
                        self._simulate(rtype, obj)

    def settle(self) -> None:
        """Write every pending status now."""
        with self.api.store.lock:
            pending, self._pending = self._pending, {}
            for rtype, namespace, name in pending:
                obj = self.api.store.get(rtype.key, namespace, name)
                if obj is not None:
                    self._simulate(rtype, obj)

    # ----- machinery -------------------------------------------------------------------------

    def _on_write(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype.key in (PODS, REPLICASETS):
            if rtype.key in self._indexed:
                self._index(rtype.key, obj)
            self._owner_changed(obj)  # its ReplicaSet (and Deployment) count again
        if not _tracked(rtype, obj):
            return
        if obj["metadata"].get("deletionTimestamp"):
            return
        self._due(rtype, obj)

    def on_remove(self, rtype: ResourceType, obj: Obj) -> None:
        """A removed Pod or ReplicaSet no longer counts for its owner."""
        if rtype.key in (PODS, REPLICASETS):
            self._owner_changed(obj)

    def _due(self, rtype: ResourceType, obj: Obj) -> None:
        if self.delay <= 0:
            self._simulate(rtype, obj)
            return
        target = (rtype, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        self._pending.setdefault(target, time.monotonic() + self.delay)
        self._wake.notify_all()

    def _owner_changed(self, obj: Obj) -> None:
        """Simulate the controller owner of ``obj`` (a Pod's ReplicaSet, a ReplicaSet's
        Deployment) again, and the owner's own owner."""
        namespace = obj["metadata"].get("namespace", "")
        for ref in obj["metadata"].get("ownerReferences") or []:
            if not ref.get("controller") or ref.get("kind") not in ("ReplicaSet", "Deployment"):
                continue
            key = REPLICASETS if ref["kind"] == "ReplicaSet" else ("apps", "deployments")
            owner = self.api.store.get(key, namespace, str(ref.get("name", "")))
            rtype = self.api.registry.get("apps", "v1", key[1])
            if owner is None or rtype is None or owner["metadata"].get("uid") != ref.get("uid"):
                continue
            if not owner["metadata"].get("deletionTimestamp"):
                self._due(rtype, owner)
            if key == REPLICASETS:
                self._owner_changed(owner)

    def _owned(self, key: tuple[str, str], owner: Obj) -> list[Obj]:
        """Objects of ``key`` (Pods, ReplicaSets) whose controller is ``owner``, from an
        index by controller uid: scanning a namespace per Pod write would cost the
        square of its size."""
        if key not in self._indexed:
            self._indexed.add(key)
            for obj in self.api.store.items(key):
                self._index(key, obj)
        uid = owner["metadata"].get("uid", "")
        namespace = owner["metadata"].get("namespace", "")
        found = []
        for name in list(self._dependents.get((key, uid), ())):
            live = self.api.store.get(key, namespace, name)
            if live is not None and _controller_uid(live) == uid:
                found.append(live)
            else:
                self._dependents[(key, uid)].pop(name, None)
        return sorted(found, key=lambda o: str(o["metadata"]["name"]))

    def _index(self, key: tuple[str, str], obj: Obj) -> None:
        uid = _controller_uid(obj)
        if uid:
            self._dependents.setdefault((key, uid), {})[obj["metadata"]["name"]] = None

    def forget_index(self) -> None:
        """The store was replaced (reset, snapshot): index its Pods and ReplicaSets anew."""
        self._dependents.clear()
        self._indexed.clear()

    def _next_ip(self) -> str:
        self._lb_ips += 1
        return f"172.18.255.{self._lb_ips % 254 + 1}"

    def _simulate(self, rtype: ResourceType, obj: Obj) -> None:
        meta = obj["metadata"]
        mode = self._modes.get((rtype.kind, meta.get("namespace", ""), meta["name"]), HEALTHY)
        if mode == UNSCHEDULABLE:
            mode = PROGRESSING  # the workload waits for Pods that never start
        found = self._status_for(rtype, obj, mode)
        if found is None:
            return  # no controller has anything to say yet
        status = _keep_transition_times(obj.get("status") or {}, found)
        if status == obj.get("status"):
            return
        new = {**obj, "status": status}  # record_update copies what it keeps
        if rtype.key == REPLICASETS:  # controller-made, like its Pods: no managedFields kept
            new["metadata"] = dict(obj["metadata"])
        else:
            new = semantics.record_update(
                rtype, obj, new, manager=MANAGER, now=now(), subresource="status"
            )
        self.api.store.put(rtype.key, new, obj)

    def _status_for(self, rtype: ResourceType, obj: Obj, mode: str) -> Obj | None:
        key = (rtype.group, rtype.kind)
        if key == ("apps", "ReplicaSet"):
            return replicaset_status(obj, self._owned(PODS, obj))
        if key == ("apps", "Deployment"):
            sets = [(rs, self._owned(PODS, rs)) for rs in self._owned(REPLICASETS, obj)]
            if not sets and not (obj.get("spec") or {}).get("paused"):
                return None  # its controller writes status with the first ReplicaSet
            return deployment_status(obj, mode, sets)
        if key == ("", "Service"):
            return service_status(obj, mode, ip=self._next_ip)
        if key == ("networking.k8s.io", "Ingress"):
            return ingress_status(obj, mode, ip=self._next_ip)
        if key == ("autoscaling", "HorizontalPodAutoscaler"):
            return hpa_status(obj, mode, target_replicas=self._target_replicas(obj))
        if key == ("policy", "PodDisruptionBudget"):
            return pdb_status(obj, mode, expected=self._expected_pods(obj))
        return _SIMULATED.get(key, composite_status)(obj, mode)

    def _target_replicas(self, hpa: Obj) -> int | None:
        """spec.replicas of the HPA's scale target, when it exists."""
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        group = str(ref.get("apiVersion", "")).rpartition("/")[0]
        rtype = self.api.registry.by_kind(group, str(ref.get("kind", "")))
        if rtype is None:
            return None
        target = self.api.store.get(
            rtype.key, hpa["metadata"].get("namespace", ""), str(ref.get("name", ""))
        )
        replicas = ((target or {}).get("spec") or {}).get("replicas")
        return replicas if isinstance(replicas, int) else None

    def _expected_pods(self, pdb: Obj) -> int:
        """Pods the PDB's selector covers: replicas of matching workloads in its namespace."""
        wanted = parse_label_selector(
            selector_from_label_selector((pdb.get("spec") or {}).get("selector") or {})
        )
        namespace = pdb["metadata"].get("namespace", "")
        total = 0
        for kind, resource in (
            ("Deployment", "deployments"),
            ("StatefulSet", "statefulsets"),
            ("DaemonSet", "daemonsets"),
        ):
            for workload in self.api.store.items(("apps", resource), namespace):
                labels = (
                    ((workload.get("spec") or {}).get("template") or {}).get("metadata") or {}
                ).get("labels") or {}
                if wanted and labels_match(wanted, labels):
                    total += 1 if kind == "DaemonSet" else _replicas(workload)
        return total

    def _run(self) -> None:
        with self._wake:
            while not self._stop.is_set():
                due = [t for t, at in self._pending.items() if at <= time.monotonic()]
                for target in due:
                    del self._pending[target]
                    rtype, namespace, name = target
                    obj = self.api.store.get(rtype.key, namespace, name)
                    if obj is not None:
                        self._simulate(rtype, obj)
                wait = min((at for at in self._pending.values()), default=time.monotonic() + 1.0)
                self._wake.wait(timeout=max(0.01, wait - time.monotonic()))
