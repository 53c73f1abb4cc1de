"""DELETE like the apiserver: finalizers, propagationPolicy, protected namespaces.

A DELETE removes an object at once only when nothing holds it: finalizers
(``foregroundDeletion`` and ``orphan`` added for those policies) keep it with a
``deletionTimestamp`` until they are gone. The asynchronous part runs on the
controller loop (:mod:`.controllers`): the garbage collector
(:mod:`.garbage`) collects dependents by ownerReferences, the namespace
controller (:mod:`.namespaces`) empties a Terminating namespace and then
removes it. So dependents and namespace contents go a tick or two after the
DELETE, in order, as on a cluster.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from vela_emulator import crds
from vela_emulator.api import Api
from vela_emulator.apistatus import bad_request, conflict, forbidden
from vela_emulator.calls import Call, Obj
from vela_emulator.controllers import ControllerLoop
from vela_emulator.garbage import FOREGROUND, ORPHAN, GarbageCollector
from vela_emulator.lifecycle import deletion_done, now
from vela_emulator.namespaces import NamespaceController, is_namespace
from vela_emulator.registry import ResourceType

POLICIES = ("Orphan", "Background", "Foreground")
# the NamespaceLifecycle admission plugin's immortal namespaces
PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _options(call: Call) -> dict[str, Any]:
    body = call.json_body() if call.body else None
    options = dict(body) if isinstance(body, dict) else {}
    for key in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
        if key in call.query and key not in options:
            options[key] = call.query[key]
    if call.query.get("dryRun") == "All" or "All" in (options.get("dryRun") or []):
        options["dryRun"] = ["All"]
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in POLICIES:
        raise bad_request(
            f'propagationPolicy: Unsupported value: "{policy}": supported values: "Foreground", "Background", "Orphan"'
        )
    return options


# Registries with ReturnDeletedObject: a DELETE answers with the object, not a Status.
_RETURNS_DELETED = frozenset(
    {
        ("", "pods"),
        ("", "services"),
        ("", "serviceaccounts"),
        ("", "persistentvolumeclaims"),
        ("", "persistentvolumes"),
        ("storage.k8s.io", "storageclasses"),
    }
)


def _policy(options: dict[str, Any]) -> str:
    policy = options.get("propagationPolicy")
    if policy:
        return str(policy)
    orphan = options.get("orphanDependents")
    return "Orphan" if orphan in (True, "true") else "Background"


def _success(rtype: ResourceType, obj: Obj) -> Obj:
    details: Obj = {"name": obj["metadata"]["name"]}  # StatusDetails order: name, group, kind
    if rtype.group:
        details["group"] = rtype.group
    details["kind"] = rtype.resource
    details["uid"] = obj["metadata"].get("uid", "")
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": details,
    }


def grace_period(rtype: ResourceType, obj: Obj, grace: int | None) -> int:
    """Seconds a deletion waits for the kubelet (the Pod strategy's ``CheckGracefulDelete``):
    only a Pod bound to a node and not finished has any; the DELETE's value, else its
    ``terminationGracePeriodSeconds``; a negative one is 1."""
    if rtype.key != ("", "pods"):
        return 0
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if not spec.get("nodeName") or status.get("phase") in ("Succeeded", "Failed"):
        return 0
    period = grace if grace is not None else spec.get("terminationGracePeriodSeconds", 30)
    return 1 if period < 0 else int(period)


def _grace(options: dict[str, Any]) -> int | None:
    value = options.get("gracePeriodSeconds")
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(
            f'gracePeriodSeconds: Invalid value: "{value}": must be an integer'
        ) from None


def _check_protected(call: Call) -> None:
    if is_namespace(call.rtype) and call.name in PROTECTED_NAMESPACES:
        raise forbidden("namespaces", "", call.name, "this namespace may not be deleted")


class Deleter:
    """DELETE on one object or a collection; owns the garbage collector and namespace controller."""

    def __init__(self, api: Api, loop: ControllerLoop) -> None:
        self.api = api
        self.store = api.store
        self.loop = loop
        self.collector = GarbageCollector(api, delete=self.delete_object, remove=self.remove)
        self.namespaces = NamespaceController(api, delete=self.delete_object, remove=self.remove)
        loop.add(self.namespaces)
        loop.add(self.collector)
        self.after_remove: list[Callable[[ResourceType, Obj], None]] = []  # other controllers
        api.remove = self.remove

    def delete(self, call: Call) -> Obj:
        options = _options(call)
        _check_protected(call)
        with self.store.lock:
            obj = self.api.live(call)
            self._check_preconditions(call, obj, options.get("preconditions") or {})
            if options.get("dryRun"):
                return self.api.view(call.rtype, obj)
            result = self.delete_object(call.rtype, obj, _policy(options), _grace(options))
        if result is None and call.rtype.key not in _RETURNS_DELETED:
            return _success(call.rtype, obj)
        return self.api.view(call.rtype, result or obj)

    def delete_collection(self, call: Call) -> Obj:
        options = _options(call)
        listed = self.api.list(
            Call(
                "list",
                call.rtype,
                call.namespace,
                query={
                    k: v for k, v in call.query.items() if k in ("labelSelector", "fieldSelector")
                },
            )
        )
        if options.get("dryRun"):
            return listed
        with self.store.lock:
            for item in listed["items"]:
                meta = item["metadata"]
                if is_namespace(call.rtype) and meta["name"] in PROTECTED_NAMESPACES:
                    continue
                live = self.store.get(call.rtype.key, meta.get("namespace", ""), meta["name"])
                if live is not None:
                    self.delete_object(call.rtype, live, _policy(options), _grace(options))
        return listed

    def _check_preconditions(self, call: Call, obj: Obj, pre: dict[str, Any]) -> None:
        meta = obj["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = pre.get(field)
            if wanted and wanted != meta.get(field):
                why = f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {meta.get(field)}"
                raise conflict(call.rtype.resource, call.rtype.group, call.name, why)

    def delete_object(
        self, rtype: ResourceType, obj: Obj, policy: str, grace: int | None = None
    ) -> Obj | None:
        """Remove now, or mark for deletion while finalizers or a Pod's graceful period hold
        it. Returns the kept object. ``grace`` is the DELETE's ``gracePeriodSeconds``."""
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return self._shorten(rtype, obj, grace)  # the first DELETE's policy stands
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Orphan" and ORPHAN not in finalizers:
            finalizers.append(ORPHAN)
        elif policy == "Foreground" and FOREGROUND not in finalizers:
            finalizers.append(FOREGROUND)
        period = grace_period(rtype, obj, grace)
        if not finalizers and not is_namespace(rtype) and not period:
            self.remove(rtype, obj)
            return None
        marked = copy.deepcopy(obj)
        marked["metadata"]["deletionTimestamp"] = now(after=period)
        marked["metadata"]["deletionGracePeriodSeconds"] = period
        if finalizers:
            marked["metadata"]["finalizers"] = finalizers
        if is_namespace(rtype):
            marked["status"] = {**(marked.get("status") or {}), "phase": "Terminating"}
        kept = self._mark(rtype, marked, obj)
        if is_namespace(rtype):
            self.namespaces.terminate(kept["metadata"]["name"])
        if ORPHAN in finalizers or FOREGROUND in finalizers:
            self.collector.deleting(rtype, kept)
        self.loop.kick()
        return kept

    def _mark(self, rtype: ResourceType, marked: Obj, old: Obj) -> Obj:
        """Store a deletion mark; it is a write like any other (the kubelet reacts to a Pod's)."""
        kept = self.store.put(rtype.key, marked, old)
        for hook in self.api.after_write:
            hook(rtype, kept)
        return kept

    def _shorten(self, rtype: ResourceType, obj: Obj, grace: int | None) -> Obj | None:
        """A DELETE of an object already being deleted may only shorten its graceful period
        (``kubectl delete --grace-period=0 --force``, the kubelet's last DELETE)."""
        pending = obj["metadata"].get("deletionGracePeriodSeconds")
        if grace is None or not pending or max(grace, 0) >= pending:
            return obj
        marked = copy.deepcopy(obj)
        period = max(grace, 0)
        marked["metadata"]["deletionTimestamp"] = now(after=period)
        marked["metadata"]["deletionGracePeriodSeconds"] = period
        kept = self._mark(rtype, marked, obj)
        if deletion_done(kept):
            self.remove(rtype, kept)
            return None
        return kept

    def remove(self, rtype: ResourceType, obj: Obj) -> None:
        """Take an object nothing holds any more out of the store; its dependents follow."""
        if is_namespace(rtype) and (obj.get("spec") or {}).get("finalizers"):
            return  # the namespace controller finalizes it once it is empty
        if rtype.kind == "CustomResourceDefinition" and rtype.group == crds.CRD_GROUP:
            self._drop_custom_resources(obj)
        self.store.remove(rtype.key, obj)
        self.collector.removed(obj)
        self.namespaces.removed(rtype, obj)
        for removed in self.after_remove:
            removed(rtype, obj)
        self.loop.kick()

    def _drop_custom_resources(self, crd: Obj) -> None:
        spec = crd.get("spec") or {}
        key = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        for item in self.store.items(key):
            self.store.remove(key, item)
        self.api.registry.remove_crd(crd["metadata"]["name"])
