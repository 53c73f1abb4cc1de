"""Deletion: finalizers, propagationPolicy (garbage collection by ownerReferences),
namespace termination and CRD cleanup.

Controllers that run asynchronously in Kubernetes (garbage collector,
namespace controller, CRD finalizer) run synchronously here, right after the
delete, so tests see the end state without waiting.
"""

from __future__ import annotations

import copy
from typing import Any

from vela_emulator import crds
from vela_emulator.api import Api
from vela_emulator.apistatus import bad_request, conflict
from vela_emulator.calls import Call, Obj
from vela_emulator.lifecycle import now
from vela_emulator.registry import ResourceType

POLICIES = ("Orphan", "Background", "Foreground")


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


class Deleter:
    """DELETE on one object or a collection, with the controllers that follow it."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.store = api.store
        api.remove = self.remove

    def delete(self, call: Call) -> Obj:
        options = _options(call)
        dry_run = bool(options.get("dryRun"))
        with self.store.lock:
            obj = self.api.live(call)
            self._check_preconditions(call, obj, options.get("preconditions") or {})
            if dry_run:
                return self.api.view(call.rtype, obj)
            result = self._delete_one(
                call.rtype, obj, options.get("propagationPolicy") or "Background"
            )
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
                live = self.store.get(call.rtype.key, meta.get("namespace", ""), meta["name"])
                if live is not None:
                    self._delete_one(
                        call.rtype, live, options.get("propagationPolicy") or "Background"
                    )
        return listed

    def _check_preconditions(self, call: Call, obj: Obj, pre: dict[str, Any]) -> None:
        meta = obj["metadata"]
        for field, label in (("uid", "UID"), ("resourceVersion", "ResourceVersion")):
            wanted = pre.get(field)
            if wanted and wanted != meta.get(field):
                why = f"Precondition failed: {label} in precondition: {wanted}, {label} in object meta: {meta.get(field)}"
                raise conflict(call.rtype.resource, call.rtype.group, call.name, why)

    def _delete_one(self, rtype: ResourceType, obj: Obj, policy: str) -> Obj | None:
        """Delete now, or mark for deletion when finalizers remain. Returns the kept object."""
        if rtype.kind == "Namespace" and not rtype.group:
            return self._terminate_namespace(obj)
        if obj["metadata"].get("finalizers"):
            if obj["metadata"].get("deletionTimestamp"):
                return obj
            marked = copy.deepcopy(obj)
            marked["metadata"]["deletionTimestamp"] = now()
            marked["metadata"]["deletionGracePeriodSeconds"] = 0
            return self.store.put(rtype.key, marked, obj)
        self.remove(rtype, obj, policy)
        return None

    def remove(self, rtype: ResourceType, obj: Obj, policy: str = "Background") -> None:
        """Remove from the store, then collect dependents and run CRD/namespace cleanup."""
        if rtype.kind == "CustomResourceDefinition" and rtype.group == crds.CRD_GROUP:
            self._drop_custom_resources(obj)
        self.store.remove(rtype.key, obj)
        self._collect_dependents(obj["metadata"].get("uid", ""), policy)
        namespace = obj["metadata"].get("namespace", "")
        if namespace:
            self.finish_namespace(namespace)

    def _drop_custom_resources(self, crd: Obj) -> None:
        spec = crd.get("spec") or {}
        key = (spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
        for item in self.store.items(key):
            self.store.remove(key, item)
        self.api.registry.remove_crd(crd["metadata"]["name"])

    def _collect_dependents(self, uid: str, policy: str) -> None:
        if not uid:
            return
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            for item in self.store.items(key):
                refs = item["metadata"].get("ownerReferences") or []
                if rtype is None or not any(r.get("uid") == uid for r in refs):
                    continue
                if policy == "Orphan":
                    orphan = copy.deepcopy(item)
                    orphan["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
                    if not orphan["metadata"]["ownerReferences"]:
                        del orphan["metadata"]["ownerReferences"]
                    self.store.put(key, orphan, item)
                else:
                    self._delete_one(rtype, item, policy)

    def _terminate_namespace(self, ns: Obj) -> Obj:
        if not ns["metadata"].get("deletionTimestamp"):
            marked = copy.deepcopy(ns)
            marked["metadata"]["deletionTimestamp"] = now()
            marked["status"] = {"phase": "Terminating"}
            ns = self.store.put(("", "namespaces"), marked, ns)
        name = ns["metadata"]["name"]
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            if rtype is None or not rtype.namespaced:
                continue
            for item in self.store.items(key, name):
                if not item["metadata"].get("deletionTimestamp") or not item["metadata"].get(
                    "finalizers"
                ):
                    self._delete_one(rtype, item, "Background")
        self.finish_namespace(name)
        return ns

    def finish_namespace(self, name: str) -> None:
        """Remove a terminating namespace once nothing is left in it."""
        ns = self.store.get(("", "namespaces"), "", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            if rtype is not None and rtype.namespaced and self.store.items(key, name):
                return
        self.store.remove(("", "namespaces"), ns)
