"""Deployment, ReplicaSet and Job controllers, and the Pods they own (like kwok).

* A Deployment owns one ReplicaSet per pod template, named
  ``<deployment>-<pod-template-hash>``, with the ``deployment.kubernetes.io/revision``
  annotation; a new template scales the new ReplicaSet up and the old ones to 0,
  and a template equal to an old one (``kubectl rollout undo``) brings that
  ReplicaSet back under a new revision. Old ReplicaSets beyond
  ``revisionHistoryLimit`` are deleted.
* A ReplicaSet owns ``spec.replicas`` Pods; a Job runs ``parallelism`` Pods
  until ``completions`` succeeded.
* Pods move as :mod:`.pods` says, under the mode the simulator's controls set for
  the Pod or the workload that owns it.

Each controller writes Events, as its Kubernetes counterpart does. One round
handles what was queued by writes and removals since the last one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, Protocol

from vela_emulator import pods, semantics
from vela_emulator.api import Api
from vela_emulator.calls import Obj
from vela_emulator.custom_status import HEALTHY
from vela_emulator.lifecycle import now, prepare_create
from vela_emulator.recorder import Recorder
from vela_emulator.registry import ResourceType
from vela_emulator.simulation import Simulator, template_hash
from vela_emulator.store import Key

MANAGER = "kube-controller-manager"
REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"
DEPLOYMENTS = ("apps", "deployments")
REPLICASETS = ("apps", "replicasets")
JOBS = ("batch", "jobs")
PODS = ("", "pods")
_ORDER = (DEPLOYMENTS, REPLICASETS, JOBS, PODS)
# Controller writes record managedFields only on what users apply: recording them on
# every Pod and ReplicaSet would multiply the emulator's cost of a Deployment by five.
_TRACKED = (DEPLOYMENTS,)
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"


class Delete(Protocol):
    def __call__(
        self, rtype: ResourceType, obj: Obj, policy: str, grace: int | None = None
    ) -> Obj | None: ...


Target = tuple[Key, str, str]


def _controller_ref(obj: Obj) -> Obj | None:
    refs = obj["metadata"].get("ownerReferences") or []
    return next((r for r in refs if r.get("controller")), None)


def _owner_ref(rtype: ResourceType, owner: Obj) -> Obj:
    return {
        "apiVersion": rtype.api_version,
        "kind": rtype.kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _revision(obj: Obj) -> int:
    value = (obj["metadata"].get("annotations") or {}).get(REVISION, "0")
    return int(value) if str(value).isdigit() else 0


def _replicas(obj: Obj, default: int = 1) -> int:
    value = (obj.get("spec") or {}).get("replicas", default)
    return value if isinstance(value, int) else default


def _normal(template: Any, *, hashed: bool = False) -> Any:
    """A pod template as the controller compares it: no ``creationTimestamp: null``, and
    without the ``pod-template-hash`` label when ``hashed`` (a ReplicaSet's). Not a copy:
    only the changed levels are new."""
    template = dict(template or {})
    meta = dict(template.get("metadata") or {})
    if meta.get("creationTimestamp", "") is None:
        del meta["creationTimestamp"]
    if hashed and HASH in (meta.get("labels") or {}):
        meta["labels"] = {k: v for k, v in meta["labels"].items() if k != HASH}
    template["metadata"] = meta
    return template


def _max_surge(deployment: Obj, replicas: int) -> int:
    strategy = (deployment.get("spec") or {}).get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0
    surge = (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%")
    if isinstance(surge, str) and surge.endswith("%"):
        return -(-replicas * int(surge[:-1]) // 100)
    return int(surge)


class _Owned:
    """Objects of a kind by the uid of their controller, scanned once per round and kind."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._by_key: dict[Key, dict[str, list[Obj]]] = {}

    def of(self, key: Key, owner: Obj) -> list[Obj]:
        if key not in self._by_key:
            index: dict[str, list[Obj]] = {}
            for obj in self.api.store.items(key):
                ref = _controller_ref(obj)
                if ref is not None:
                    index.setdefault(str(ref.get("uid", "")), []).append(obj)
            self._by_key[key] = index
        uid = owner["metadata"].get("uid", "")
        found = []
        for obj in self._by_key[key].get(uid, []):
            meta = obj["metadata"]
            live = self.api.store.get(key, meta.get("namespace", ""), meta["name"])
            if live is not None and live["metadata"].get("uid") == meta.get("uid"):
                found.append(live)
        return found

    def add(self, key: Key, owner: Obj, obj: Obj) -> None:
        """A new object of ``owner`` created this round (after its kind was scanned)."""
        if key in self._by_key:
            self._by_key[key].setdefault(owner["metadata"]["uid"], []).append(obj)


class Workloads:
    """The controllers of the module docstring; a controller of :class:`ControllerLoop`."""

    def __init__(
        self,
        api: Api,
        simulation: Simulator,
        *,
        delete: Delete,
        recorder: Recorder,
        kick: Callable[[], None],
    ) -> None:
        self.api = api
        self._kick = kick
        self.store = api.store
        self.simulation = simulation
        self._delete = delete
        self.recorder = recorder
        self._queue: dict[Target, None] = {}
        self._completed: set[str] = set()  # Jobs whose Completed event was written
        api.after_write.append(self._on_write)
        simulation.mode_changed.append(self._on_mode)

    def _type(self, key: Key) -> ResourceType:
        rtype = self.api.registry.for_key(key)
        assert rtype is not None
        return rtype

    # ----- queue -----------------------------------------------------------------------------

    def _on_write(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype.key == PODS and obj["metadata"].get("deletionTimestamp"):
            self._enqueue(PODS, obj)  # for the kubelet to stop it
            self._enqueue_owner(obj)  # which replaces it at once: it is no longer active
            return
        if rtype.key in _ORDER and not obj["metadata"].get("deletionTimestamp"):
            self._enqueue(rtype.key, obj)
            if rtype.key == PODS and pods.is_finished(obj):
                self._enqueue_owner(obj)

    def _on_mode(self, kind: str, namespace: str, name: str) -> None:
        keys = {"Deployment": DEPLOYMENTS, "ReplicaSet": REPLICASETS, "Job": JOBS, "Pod": PODS}
        if kind in keys:
            self._queue[(keys[kind], namespace, name)] = None
            self._kick()

    def on_remove(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype.key in (PODS, REPLICASETS):
            self._enqueue_owner(obj)

    def _enqueue(self, key: Key, obj: Obj) -> None:
        self._queue[(key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])] = None
        self._kick()

    def _enqueue_owner(self, obj: Obj) -> None:
        ref = _controller_ref(obj)
        kinds = {"ReplicaSet": REPLICASETS, "Job": JOBS, "Deployment": DEPLOYMENTS}
        if ref is not None and ref.get("kind") in kinds:
            target = (kinds[ref["kind"]], obj["metadata"].get("namespace", ""), ref.get("name", ""))
            self._queue[target] = None
            self._kick()

    def busy(self) -> bool:
        return bool(self._queue)

    def reset(self) -> None:
        self._queue.clear()
        self._completed.clear()

    def resync(self) -> None:
        for key in _ORDER:
            for obj in self.store.items(key):
                self._enqueue(key, obj)

    # ----- one round -------------------------------------------------------------------------

    def round(self) -> None:
        queue, self._queue = self._queue, {}
        owned = _Owned(self.api)
        handlers = {
            DEPLOYMENTS: self._deployment,
            REPLICASETS: self._replicaset,
            JOBS: self._job,
            PODS: self._pod,
        }
        for key, namespace, name in sorted(queue, key=lambda t: (_ORDER.index(t[0]), t[1:])):
            obj = self.store.get(key, namespace, name)
            if obj is None:
                continue
            if obj["metadata"].get("deletionTimestamp"):
                if key == PODS:
                    self._stop(obj)
                continue
            if key != PODS and self._terminating(namespace):
                continue
            handlers[key](obj, owned)

    def _terminating(self, namespace: str) -> bool:
        ns = self.store.get(("", "namespaces"), "", namespace)
        return ns is None or bool(ns["metadata"].get("deletionTimestamp"))

    def _put(
        self, key: Key, new: Obj, old: Obj | None, *, manager: str = MANAGER, sub: str = ""
    ) -> Obj:
        rtype = self._type(key)
        if key in _TRACKED:
            new = semantics.record_update(
                rtype, old, new, manager=manager, now=now(), subresource=sub
            )
        else:
            new = {**new, "metadata": dict(new["metadata"])}  # the stored old one stays as it is
        stored = self.store.put(key, new, old)
        for hook in self.api.after_write:
            hook(rtype, stored)
        return stored

    def _create(self, key: Key, obj: Obj, *, namespace: str) -> Obj:
        rtype = self._type(key)
        obj = prepare_create(rtype, obj, namespace=namespace, allocator=self.api.allocator)
        return self._put(key, obj, None)

    def _event(
        self, key: Key, obj: Obj, reason: str, message: str, *, component: str, kind: str = "Normal"
    ) -> None:
        self.recorder.record(
            self._type(key), obj, reason=reason, message=message, component=component, kind=kind
        )

    # ----- Deployment ------------------------------------------------------------------------

    def _deployment(self, deployment: Obj, owned: _Owned) -> None:
        spec = deployment.get("spec") or {}
        sets = owned.of(REPLICASETS, deployment)
        for rs in sets:
            self._enqueue(REPLICASETS, rs)
        if spec.get("paused"):
            return
        template = _normal(spec.get("template"))
        current = next(
            (
                rs
                for rs in sets
                if _normal((rs.get("spec") or {}).get("template"), hashed=True) == template
            ),
            None,
        )
        top = max((_revision(rs) for rs in sets), default=0)
        replicas = _replicas(deployment)
        if current is None:
            current = self._new_replicaset(deployment, template, top + 1, replicas)
            owned.add(REPLICASETS, deployment, current)
        else:
            current = self._adopt(deployment, current, top, replicas)
        for rs in sets:
            if rs["metadata"]["uid"] != current["metadata"]["uid"]:
                self._scale(deployment, rs, 0)
        self._mark_revision(deployment, _revision(current))
        self._trim_history(deployment, owned.of(REPLICASETS, deployment))

    def _rs_annotations(self, deployment: Obj, revision: int, replicas: int) -> dict[str, str]:
        kept = {
            k: v
            for k, v in (deployment["metadata"].get("annotations") or {}).items()
            if k != REVISION and k != "kubectl.kubernetes.io/last-applied-configuration"
        }
        return {
            **kept,
            "deployment.kubernetes.io/desired-replicas": str(replicas),
            "deployment.kubernetes.io/max-replicas": str(
                replicas + _max_surge(deployment, replicas)
            ),
            REVISION: str(revision),
        }

    def _new_replicaset(self, deployment: Obj, template: Obj, revision: int, replicas: int) -> Obj:
        meta = deployment["metadata"]
        digest = template_hash(template)
        tmeta = {**template["metadata"]}  # prepare_create copies the rest
        tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH: digest}
        hashed = {**template, "metadata": tmeta}
        selector = dict((deployment.get("spec") or {}).get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH: digest}
        spec: Obj = {"replicas": replicas, "selector": selector, "template": hashed}
        if (deployment.get("spec") or {}).get("minReadySeconds"):
            spec["minReadySeconds"] = deployment["spec"]["minReadySeconds"]
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{digest}",
                "labels": tmeta["labels"],
                "annotations": self._rs_annotations(deployment, revision, replicas),
                "ownerReferences": [_owner_ref(self._type(DEPLOYMENTS), deployment)],
            },
            "spec": spec,
        }
        created = self._create(REPLICASETS, rs, namespace=meta.get("namespace", ""))
        self._event(
            DEPLOYMENTS,
            deployment,
            "ScalingReplicaSet",
            f"Scaled up replica set {created['metadata']['name']} from 0 to {replicas}",
            component="deployment-controller",
        )
        return created

    def _adopt(self, deployment: Obj, rs: Obj, top: int, replicas: int) -> Obj:
        """The ReplicaSet of the current template: newest revision, full size."""
        revision = _revision(rs)
        annotations = self._rs_annotations(
            deployment, revision if revision == top else top + 1, replicas
        )
        old_annotations = rs["metadata"].get("annotations") or {}
        if revision != top:  # an older template came back: it gets the next revision
            history = [
                h
                for h in old_annotations.get("deployment.kubernetes.io/revision-history", "").split(
                    ","
                )
                if h
            ]
            annotations["deployment.kubernetes.io/revision-history"] = ",".join(
                [*history, str(revision)]
            )
        if annotations == old_annotations and _replicas(rs) == replicas:
            return rs
        new = {
            **rs,
            "metadata": {**rs["metadata"], "annotations": annotations},
            "spec": {**rs["spec"], "replicas": replicas},
        }
        before = _replicas(rs)
        stored = self._put(REPLICASETS, new, rs)
        if before != replicas:
            verb = "up" if replicas > before else "down"
            self._event(
                DEPLOYMENTS,
                deployment,
                "ScalingReplicaSet",
                f"Scaled {verb} replica set {rs['metadata']['name']} from {before} to {replicas}",
                component="deployment-controller",
            )
        return stored

    def _scale(self, deployment: Obj, rs: Obj, replicas: int) -> None:
        before = _replicas(rs)
        if before == replicas:
            return
        new = {**rs, "spec": {**rs["spec"], "replicas": replicas}}
        self._put(REPLICASETS, new, rs)
        self._event(
            DEPLOYMENTS,
            deployment,
            "ScalingReplicaSet",
            f"Scaled down replica set {rs['metadata']['name']} from {before} to {replicas}",
            component="deployment-controller",
        )

    def _mark_revision(self, deployment: Obj, revision: int) -> None:
        meta = deployment["metadata"]
        # the live object: creating its ReplicaSet this round may have moved its status on
        deployment = (
            self.store.get(DEPLOYMENTS, meta.get("namespace", ""), meta["name"]) or deployment
        )
        annotations = deployment["metadata"].get("annotations") or {}
        if annotations.get(REVISION) == str(revision):
            return
        meta = {**deployment["metadata"], "annotations": {**annotations, REVISION: str(revision)}}
        new = {**deployment, "metadata": meta}
        self._put(DEPLOYMENTS, new, deployment)

    def _trim_history(self, deployment: Obj, sets: list[Obj]) -> None:
        limit = (deployment.get("spec") or {}).get("revisionHistoryLimit", 10)
        newest = max((_revision(rs) for rs in sets), default=0)
        idle = sorted(
            (rs for rs in sets if _replicas(rs) == 0 and _revision(rs) != newest), key=_revision
        )
        for rs in idle[: max(0, len(idle) - int(limit))]:
            self._delete(self._type(REPLICASETS), rs, "Background")

    # ----- ReplicaSet and Job ----------------------------------------------------------------

    def _replicaset(self, rs: Obj, owned: _Owned) -> None:
        running = [p for p in owned.of(PODS, rs) if not p["metadata"].get("deletionTimestamp")]
        for pod in running:
            self._enqueue(PODS, pod)
        active = [p for p in running if not pods.is_finished(p)]
        self._size(REPLICASETS, rs, active, _replicas(rs), component="replicaset-controller")

    def _job(self, job: Obj, owned: _Owned) -> None:
        spec = job.get("spec") or {}
        mine = [p for p in owned.of(PODS, job) if not p["metadata"].get("deletionTimestamp")]
        for pod in mine:
            self._enqueue(PODS, pod)
        if spec.get("suspend"):
            return
        succeeded = sum(1 for p in mine if (p.get("status") or {}).get("phase") == "Succeeded")
        failed = sum(1 for p in mine if (p.get("status") or {}).get("phase") == "Failed")
        completions = int(spec.get("completions", 1))
        active = [p for p in mine if not pods.is_finished(p)]
        if succeeded >= completions:
            if job["metadata"]["uid"] not in self._completed:
                self._completed.add(job["metadata"]["uid"])
                self._event(JOBS, job, "Completed", "Job completed", component="job-controller")
            return
        if failed > int(spec.get("backoffLimit", 6)):
            return
        wanted = min(int(spec.get("parallelism", 1)), completions - succeeded)
        self._size(JOBS, job, active, max(wanted, len(active)), component="job-controller")

    def _size(
        self, key: Key, owner: Obj, active: list[Obj], wanted: int, *, component: str
    ) -> None:
        for _ in range(wanted - len(active)):
            pod = self._new_pod(key, owner)
            self._event(
                key,
                owner,
                "SuccessfulCreate",
                f"Created pod: {pod['metadata']['name']}",
                component=component,
            )
        extra = sorted(
            active, key=lambda p: p["metadata"].get("creationTimestamp", ""), reverse=True
        )
        for pod in extra[: max(0, len(active) - wanted)]:
            self._delete(self._type(PODS), pod, "Background")
            self._event(
                key,
                owner,
                "SuccessfulDelete",
                f"Deleted pod: {pod['metadata']['name']}",
                component=component,
            )

    def _new_pod(self, key: Key, owner: Obj) -> Obj:
        meta = owner["metadata"]
        template = (owner.get("spec") or {}).get("template") or {}  # prepare_create copies it
        tmeta = template.get("metadata") or {}
        labels = dict(tmeta.get("labels") or {})
        if key == JOBS:
            labels.update(
                {
                    "batch.kubernetes.io/controller-uid": meta["uid"],
                    "batch.kubernetes.io/job-name": meta["name"],
                    "controller-uid": meta["uid"],
                    "job-name": meta["name"],
                }
            )
        spec = dict(template.get("spec") or {})  # admission adds account, priority, tolerations
        spec.setdefault("enableServiceLinks", True)  # SetDefaults_Pod: a Pod's, not a template's
        suffix = "".join(secrets.choice(_NAME_CHARS) for _ in range(5))
        pod: Obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{meta['name']}-{suffix}",
                "generateName": f"{meta['name']}-",
                "labels": labels,
                "ownerReferences": [_owner_ref(self._type(key), owner)],
            },
            "spec": spec,
        }
        if tmeta.get("annotations"):
            pod["metadata"]["annotations"] = dict(tmeta["annotations"])
        return self._create(PODS, pod, namespace=meta.get("namespace", ""))

    # ----- Pod -------------------------------------------------------------------------------

    def _pod(self, pod: Obj, owned: _Owned) -> None:
        job = (_controller_ref(pod) or {}).get("kind") == "Job"
        moved = pods.step(pod, self._mode(pod), job=job)
        if moved is None:
            return
        scheduling = not (pod.get("spec") or {}).get("nodeName")
        manager = "default-scheduler" if scheduling else "kubelet"
        new = {**pod, "status": moved.status}
        if moved.node:  # the binding sets spec.nodeName; the scheduler's condition comes with it
            new["spec"] = {**pod["spec"], "nodeName": moved.node}
        stored = self._put(PODS, new, pod, manager=manager, sub="" if moved.node else "status")
        for kind, reason, message in moved.events:
            self._event(PODS, stored, reason, message, component=manager, kind=kind)

    def _stop(self, pod: Obj) -> None:
        """The kubelet and a Pod being deleted: stop its containers, then (next round, once
        it is finished) confirm with a DELETE of grace 0, which removes it."""
        if pods.is_finished(pod) or not (pod.get("spec") or {}).get("nodeName"):
            self._delete(self._type(PODS), pod, "Background", 0)
            return
        moved = pods.stopped(pod)
        stored = self._put(
            PODS, {**pod, "status": moved.status}, pod, manager="kubelet", sub="status"
        )
        for kind, reason, message in moved.events:
            self._event(PODS, stored, reason, message, component="kubelet", kind=kind)

    def _mode(self, pod: Obj) -> str:
        """The mode set for the Pod, else for its ReplicaSet, Deployment or Job."""
        namespace = pod["metadata"].get("namespace", "")
        chain: list[tuple[str, str]] = [("Pod", pod["metadata"]["name"])]
        ref = _controller_ref(pod)
        if ref is not None:
            chain.append((str(ref.get("kind", "")), str(ref.get("name", ""))))
            if ref.get("kind") == "ReplicaSet":
                rs = self.store.get(REPLICASETS, namespace, str(ref.get("name", "")))
                owner = _controller_ref(rs) if rs is not None else None
                if owner is not None:
                    chain.append((str(owner.get("kind", "")), str(owner.get("name", ""))))
        for kind, name in chain:
            mode = self.simulation.mode_of(kind, namespace, name)
            if mode is not None:
                return mode
        return HEALTHY
