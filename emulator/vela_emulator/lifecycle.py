"""What the apiserver's registry strategies do to an object on create and update.

Server-set metadata (uid, creationTimestamp, generation), status handling,
and per-kind behaviour: Secret ``stringData`` folded into ``data``, Service
cluster IPs and node ports allocated, Namespace finalizer and name label.
"""

from __future__ import annotations

import base64
import copy
import itertools
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from vela_emulator.apistatus import invalid
from vela_emulator.registry import ResourceType

Obj = dict[str, Any]


def now(*, after: float = 0) -> str:
    """The current time (plus ``after`` seconds) as the apiserver writes timestamps."""
    return (datetime.now(UTC) + timedelta(seconds=after)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deletion_done(obj: Obj) -> bool:
    """Marked for deletion and held by nothing: no finalizer left and no graceful period
    still running (a Pod whose kubelet has not stopped it yet)."""
    meta = obj["metadata"]
    return (
        bool(meta.get("deletionTimestamp"))
        and not meta.get("finalizers")
        and not meta.get("deletionGracePeriodSeconds")
    )


def _spec_part(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


class Allocator:
    """Cluster IPs from 10.96.0.0/12 and node ports from 30000-32767."""

    def __init__(self) -> None:
        self._ips = itertools.count(10)
        self._ports = itertools.count(0)
        self._taken_ips: set[str] = set()
        self._taken_ports: set[int] = set()

    def taken(self, services: list[Obj]) -> None:
        """Never hand out what these Services already hold (after loading a snapshot)."""
        for svc in services:
            spec = svc.get("spec") or {}
            self._taken_ips.update(spec.get("clusterIPs") or [spec.get("clusterIP", "")])
            self._taken_ports.update(p.get("nodePort", 0) for p in spec.get("ports") or [])

    def cluster_ip(self) -> str:
        while True:
            n = next(self._ips)
            ip = f"10.96.{n // 254 % 256}.{n % 254 + 1}"
            if ip not in self._taken_ips:
                return ip

    def node_port(self) -> int:
        while True:
            port = 30000 + next(self._ports) % 2768
            if port not in self._taken_ports:
                return port


_RESOURCES = ("cpu", "memory")


def qos_class(pod: Obj) -> str:
    """GetPodQOS: BestEffort without requests and limits, Guaranteed when they are all equal."""
    containers = [
        c
        for key in ("containers", "initContainers")
        for c in (pod.get("spec") or {}).get(key) or []
        if isinstance(c, dict)
    ]
    requests: list[dict[str, Any]] = []
    limits: list[dict[str, Any]] = []
    for c in containers:
        resources = c.get("resources") or {}
        requests.append(
            {k: v for k, v in (resources.get("requests") or {}).items() if k in _RESOURCES}
        )
        limits.append({k: v for k, v in (resources.get("limits") or {}).items() if k in _RESOURCES})
    if not any(requests) and not any(limits):
        return "BestEffort"
    guaranteed = all(
        set(lim) == set(_RESOURCES) and all(req.get(k, lim[k]) == lim[k] for k in lim)
        for req, lim in zip(requests, limits, strict=True)
    )
    return "Guaranteed" if guaranteed else "Burstable"


def _initial_status(rtype: ResourceType, obj: Obj) -> Obj | None:
    if not rtype.status or rtype.crd:
        return None
    if rtype.kind == "Namespace":
        return {"phase": "Active"}
    if rtype.kind == "Service":
        return {"loadBalancer": {}}
    if rtype.kind == "PersistentVolumeClaim":
        return {"phase": "Pending"}
    if rtype.kind == "Pod" and not rtype.group:  # the pod strategy's PrepareForCreate
        return {"phase": "Pending", "qosClass": qos_class(obj)}
    return {}


def _fold_string_data(obj: Obj) -> None:
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = dict(obj.get("data") or {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data
    if obj.get("kind") == "Secret" and "type" not in obj:
        obj["type"] = "Opaque"


def _allocate_service(obj: Obj, old: Obj | None, allocator: Allocator) -> None:
    spec = obj.setdefault("spec", {})
    old_spec = (old or {}).get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return
    if not spec.get("clusterIP"):
        spec["clusterIP"] = old_spec.get("clusterIP") or allocator.cluster_ip()
    spec["clusterIPs"] = [spec["clusterIP"]] if spec["clusterIP"] != "None" else ["None"]
    if kind in ("NodePort", "LoadBalancer"):
        old_ports = {
            (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
            for p in old_spec.get("ports") or []
        }
        for port in spec.get("ports") or []:
            if not port.get("nodePort"):
                port["nodePort"] = (
                    old_ports.get((port.get("port"), port.get("protocol", "TCP")))
                    or allocator.node_port()
                )


def prepare_create(rtype: ResourceType, obj: Obj, *, namespace: str, allocator: Allocator) -> Obj:
    """A new object as the apiserver stores it (before defaulting and resourceVersion)."""
    obj = copy.deepcopy(obj)
    obj["apiVersion"], obj["kind"] = rtype.api_version, rtype.kind
    meta = obj.setdefault("metadata", {})
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + secrets.token_hex(3)[:5]
    if rtype.namespaced:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now()
    for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion", "selfLink"):
        meta.pop(key, None)
    if rtype.generation or rtype.crd:
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    status = _initial_status(rtype, obj)
    if status is not None:
        obj["status"] = status
    elif rtype.status:
        obj.pop("status", None)
    _kind_create(rtype, obj, allocator)
    return obj


# DefaultTolerationSeconds: every Pod tolerates a not-ready or unreachable node for 5 minutes
_NODE_TAINTS = ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")
# the built-in PriorityClasses (seeds.priority_classes); Priority admits others as they are
_SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def _admit_pod(pod: Obj) -> None:
    """What the admission plugins write into every new Pod: its ServiceAccount
    (``ServiceAccount``), its priority (``Priority``) and the node-taint tolerations
    (``DefaultTolerationSeconds``)."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return
    account = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = spec["serviceAccount"] = account
    if "priority" not in spec:
        spec["priority"] = _SYSTEM_PRIORITIES.get(str(spec.get("priorityClassName", "")), 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    tolerations = spec.get("tolerations")
    if tolerations is not None and not isinstance(tolerations, list):
        return  # validation refuses it
    tolerations = list(tolerations or [])
    for taint in _NODE_TAINTS:
        if not any(
            isinstance(t, dict)
            and t.get("key", "") in ("", taint)
            and t.get("effect", "") in ("", "NoExecute")
            for t in tolerations
        ):
            tolerations.append(
                {
                    "key": taint,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                }
            )
    spec["tolerations"] = tolerations


def _kind_create(rtype: ResourceType, obj: Obj, allocator: Allocator) -> None:
    if rtype.group:
        return
    if rtype.kind == "Pod":
        _admit_pod(obj)
    elif rtype.kind == "Secret":
        _fold_string_data(obj)
    elif rtype.kind == "Service":
        _allocate_service(obj, None, allocator)
    elif rtype.kind == "Namespace":
        meta = obj["metadata"]
        meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": meta["name"]}
        obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]


def _no_new_finalizers(rtype: ResourceType, old_meta: Obj, meta: Obj) -> None:
    """ValidateNoNewFinalizers: once deletion started, finalizers can only go."""
    extra = sorted(set(meta.get("finalizers") or ()) - set(old_meta.get("finalizers") or ()))
    if not extra:
        return
    found = "[]string{" + ", ".join(f'"{f}"' for f in extra) + "}"
    raise invalid(
        rtype.kind,
        rtype.group,
        str(old_meta.get("name", "")),
        [
            (
                "metadata.finalizers",
                "FieldValueForbidden",
                "Forbidden: no new finalizers can be added if the object is being deleted, "
                f"found new finalizers {found}",
            )
        ],
    )


def _finalized(old: Obj, new: Obj) -> Obj:
    """PUT namespaces/NAME/finalize: only ``spec.finalizers`` changes."""
    result = copy.deepcopy(old)
    finalizers = (new.get("spec") or {}).get("finalizers")
    spec = result.setdefault("spec", {})
    if finalizers:
        spec["finalizers"] = list(finalizers)
    else:
        spec.pop("finalizers", None)
    return result


def prepare_update(
    rtype: ResourceType, old: Obj, new: Obj, *, allocator: Allocator, subresource: str = ""
) -> Obj:
    """``new`` (changed in place) with server-owned fields kept from ``old``, generation bumped
    on spec changes. Parts of ``old`` are shared, never copied: stored objects are not mutated."""
    new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
    meta, old_meta = new.setdefault("metadata", {}), old["metadata"]
    if old_meta.get("deletionTimestamp"):
        _no_new_finalizers(rtype, old_meta, meta)
    if subresource == "finalize":
        return _finalized(old, new)
    for key in (
        "uid",
        "creationTimestamp",
        "namespace",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ):
        if key in old_meta:
            meta[key] = old_meta[key]
        else:
            meta.pop(key, None)
    if subresource == "status":
        new = {
            **copy.deepcopy(old),
            "status": new.get("status"),
            "metadata": {
                **copy.deepcopy(old_meta),
                "managedFields": meta.get("managedFields", old_meta.get("managedFields")),
            },
        }
        if new["status"] is None:
            new.pop("status")
        return new
    if rtype.status:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if rtype.kind == "Namespace" and not rtype.group:
        new["spec"] = old.get("spec") or {}
        meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": meta["name"]}
    if rtype.kind == "Secret" and not rtype.group:
        _fold_string_data(new)
    if rtype.kind == "Service" and not rtype.group:
        _allocate_service(new, old, allocator)
    if "generation" in old_meta and _spec_part(old) != _spec_part(new):
        meta["generation"] = int(old_meta["generation"]) + 1
    return new
