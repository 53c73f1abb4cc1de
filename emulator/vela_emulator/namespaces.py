"""The namespace controller: a Terminating namespace is emptied, then removed.

The first round after the DELETE deletes everything inside (finalizers
respected); once nothing is left the ``kubernetes`` finalizer is dropped from
``spec.finalizers`` and the namespace goes. While content with finalizers
holds it, the namespace reports why in its conditions, worded as the
controller words them (``NamespaceContentRemaining``, ``NamespaceFinalizersRemaining``).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable

from vela_emulator.api import Api
from vela_emulator.calls import Obj
from vela_emulator.lifecycle import now
from vela_emulator.registry import ResourceType

Delete = Callable[[ResourceType, Obj, str], Obj | None]
Remove = Callable[[ResourceType, Obj], None]
NAMESPACES = ("", "namespaces")


def is_namespace(rtype: ResourceType) -> bool:
    return rtype.kind == "Namespace" and not rtype.group


def _condition(ctype: str, status: str, reason: str, message: str) -> Obj:
    return {
        "type": ctype,
        "status": status,
        "lastTransitionTime": now(),
        "reason": reason,
        "message": message,
    }


def _conditions(left: list[tuple[ResourceType, Obj]]) -> list[Obj]:
    counts = Counter(f"{rtype.resource}.{rtype.group}" for rtype, _ in left)
    held = Counter(f for _, obj in left for f in obj["metadata"].get("finalizers") or ())
    remaining = ", ".join(f"{gr} has {n} resource instances" for gr, n in sorted(counts.items()))
    finalizers = ", ".join(f"{f} in {n} resource instances" for f, n in sorted(held.items()))
    return [
        _condition(
            "NamespaceDeletionDiscoveryFailure",
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        _condition(
            "NamespaceDeletionGroupVersionParsingFailure",
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        _condition(
            "NamespaceDeletionContentFailure",
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        _condition(
            "NamespaceContentRemaining",
            "True",
            "SomeResourcesRemain",
            f"Some resources are remaining: {remaining}",
        )
        if left
        else _condition(
            "NamespaceContentRemaining",
            "False",
            "ContentRemoved",
            "All content successfully removed",
        ),
        _condition(
            "NamespaceFinalizersRemaining",
            "True",
            "SomeFinalizersRemain",
            f"Some content in the namespace has finalizers remaining: {finalizers}",
        )
        if held
        else _condition(
            "NamespaceFinalizersRemaining",
            "False",
            "ContentHasNoFinalizers",
            "All content-preserving finalizers finished",
        ),
    ]


class NamespaceController:
    """Sweeps Terminating namespaces queued by the deleter, one round at a time."""

    def __init__(self, api: Api, *, delete: Delete, remove: Remove) -> None:
        self.api = api
        self.store = api.store
        self._delete = delete
        self._remove = remove
        self._queued: set[str] = set()
        self._waiting: set[str] = set()  # swept, content still going

    def terminate(self, name: str) -> None:
        self._queued.add(name)

    def removed(self, rtype: ResourceType, obj: Obj) -> None:
        namespace = obj["metadata"].get("namespace", "")
        if namespace in self._waiting:
            self._waiting.discard(namespace)
            self._queued.add(namespace)
        if is_namespace(rtype):
            self._queued.discard(obj["metadata"]["name"])
            self._waiting.discard(obj["metadata"]["name"])

    def busy(self) -> bool:
        return bool(self._queued)

    def reset(self) -> None:
        self._queued.clear()
        self._waiting.clear()

    def resync(self) -> None:
        for ns in self.store.items(NAMESPACES):
            if ns["metadata"].get("deletionTimestamp"):
                self.terminate(ns["metadata"]["name"])

    def round(self) -> None:
        names, self._queued = self._queued, set()
        for name in sorted(names):
            self._sweep(name)

    def _contents(self, namespace: str) -> list[tuple[ResourceType, Obj]]:
        found: list[tuple[ResourceType, Obj]] = []
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            if rtype is not None and rtype.namespaced:
                found.extend((rtype, obj) for obj in self.store.items(key, namespace))
        return found

    def _sweep(self, name: str) -> None:
        ns = self.store.get(NAMESPACES, "", name)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        left = self._contents(name)
        if not left:
            self._finalize(ns)
            return
        self._waiting.add(name)
        for rtype, obj in left:
            if not obj["metadata"].get("deletionTimestamp"):
                self._delete(rtype, obj, "Background")
        if name in self._waiting:  # something is still held: say what
            self._report(name, self._contents(name))

    def _report(self, name: str, left: list[tuple[ResourceType, Obj]]) -> None:
        ns = self.store.get(NAMESPACES, "", name)
        if ns is None:
            return
        conditions = _conditions(left)
        before = {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or []}
        for cond in conditions:
            old = before.get(cond["type"])
            if old and (old.get("status"), old.get("message")) == (cond["status"], cond["message"]):
                cond["lastTransitionTime"] = old.get(
                    "lastTransitionTime", cond["lastTransitionTime"]
                )
        if conditions == (ns.get("status") or {}).get("conditions"):
            return
        new = copy.deepcopy(ns)
        new["status"] = {"phase": "Terminating", "conditions": conditions}
        self.store.put(NAMESPACES, new, ns)

    def _finalize(self, ns: Obj) -> None:
        """Nothing left: drop the ``kubernetes`` finalizer; the namespace goes unless others hold it."""
        rtype = self.api.registry.for_key(NAMESPACES)
        assert rtype is not None
        new = copy.deepcopy(ns)
        spec = new.setdefault("spec", {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != "kubernetes"]
        if not spec["finalizers"]:
            del spec["finalizers"]
        stored = self.store.put(NAMESPACES, new, ns)
        if not stored["metadata"].get("finalizers") and not spec.get("finalizers"):
            self._remove(rtype, stored)
