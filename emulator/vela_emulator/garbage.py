"""The garbage collector: dependents follow their owners by ownerReferences.

* An owner removed (``Background``): each dependent whose owners are all gone
  is deleted; one that still has a live owner only loses the dangling reference.
* ``Foreground``: the owner keeps the ``foregroundDeletion`` finalizer while
  its dependents are deleted, and loses it (and goes) once no dependent with
  ``blockOwnerDeletion: true`` is left.
* ``Orphan``: the ``orphan`` finalizer stays until every dependent has lost
  its reference to the owner; then the owner goes and the dependents stay.

Work is queued by the deleter and done a round at a time on the controller loop.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from vela_emulator.api import Api
from vela_emulator.calls import Obj
from vela_emulator.lifecycle import deletion_done
from vela_emulator.registry import ResourceType
from vela_emulator.store import Key

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"

Delete = Callable[[ResourceType, Obj, str], Obj | None]
Remove = Callable[[ResourceType, Obj], None]
Target = tuple[Key, str, str]  # storage key, namespace, name


@dataclass
class _Index:
    """One scan of the store: which uids are live, and who depends on whom."""

    live: set[str] = field(default_factory=set)
    dependents: dict[str, list[tuple[ResourceType, Obj]]] = field(default_factory=dict)


def _target(rtype: ResourceType, obj: Obj) -> Target:
    return (rtype.key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def _refs(obj: Obj) -> list[Obj]:
    return list(obj["metadata"].get("ownerReferences") or [])


class GarbageCollector:
    """Collects dependents of removed owners and finishes foreground/orphan deletions."""

    def __init__(self, api: Api, *, delete: Delete, remove: Remove) -> None:
        self.api = api
        self.store = api.store
        self._delete = delete
        self._remove = remove
        self._gone: set[str] = set()  # uids of removed objects whose dependents are due
        self._owners: dict[Target, ResourceType] = {}  # owners held by foreground/orphan
        self._recheck = False

    # ----- queue (called by the deleter under the store lock) --------------------------------

    def removed(self, obj: Obj) -> None:
        uid = obj["metadata"].get("uid")
        if uid:
            self._gone.add(uid)
        if self._owners:
            self._recheck = True  # a blocking dependent may just have gone

    def deleting(self, rtype: ResourceType, owner: Obj) -> None:
        self._owners[_target(rtype, owner)] = rtype
        self._recheck = True

    def busy(self) -> bool:
        return bool(self._gone) or (bool(self._owners) and self._recheck)

    def reset(self) -> None:
        self._gone.clear()
        self._owners.clear()
        self._recheck = False

    def resync(self) -> None:
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            for obj in self.store.items(key) if rtype else []:
                held = set(obj["metadata"].get("finalizers") or ())
                if (
                    rtype
                    and obj["metadata"].get("deletionTimestamp")
                    and held & {ORPHAN, FOREGROUND}
                ):
                    self.deleting(rtype, obj)

    # ----- one round -------------------------------------------------------------------------

    def round(self) -> None:
        gone, self._gone = self._gone, set()
        self._recheck = False
        index = self._scan()
        for uid in sorted(gone):
            for rtype, dependent in index.dependents.get(uid, []):
                self._collect(rtype, dependent, index)
        for target, rtype in list(self._owners.items()):
            self._finish_owner(target, rtype, index)

    def _scan(self) -> _Index:
        index = _Index()
        for key in self.store.kinds():
            rtype = self.api.registry.for_key(key)
            if rtype is None:
                continue
            for obj in self.store.items(key):
                index.live.add(obj["metadata"].get("uid", ""))
                for ref in _refs(obj):
                    index.dependents.setdefault(ref.get("uid", ""), []).append((rtype, obj))
        return index

    def _current(self, rtype: ResourceType, obj: Obj) -> Obj | None:
        meta = obj["metadata"]
        live = self.store.get(rtype.key, meta.get("namespace", ""), meta["name"])
        if live is None or live["metadata"].get("uid") != meta.get("uid"):
            return None
        return live

    def _collect(self, rtype: ResourceType, dependent: Obj, index: _Index) -> None:
        """A dependent of a removed owner: delete it, or drop references to gone owners."""
        live = self._current(rtype, dependent)
        if live is None:
            return
        refs = _refs(live)
        kept = [r for r in refs if r.get("uid") in index.live]
        if kept:
            if len(kept) != len(refs):
                self._set_refs(rtype, live, kept)
        elif not live["metadata"].get("deletionTimestamp"):
            self._delete(rtype, live, "Background")

    def _set_refs(self, rtype: ResourceType, obj: Obj, refs: list[Obj]) -> None:
        new = copy.deepcopy(obj)
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        self.store.put(rtype.key, new, obj)

    def _finish_owner(self, target: Target, rtype: ResourceType, index: _Index) -> None:
        key, namespace, name = target
        owner = self.store.get(key, namespace, name)
        held = set((owner or {}).get("metadata", {}).get("finalizers") or ())
        if owner is None or not owner["metadata"].get("deletionTimestamp"):
            del self._owners[target]
            return
        uid = owner["metadata"].get("uid", "")
        dependents = index.dependents.get(uid, [])
        if ORPHAN in held:
            self._orphan(uid, dependents)
            self._drop_finalizer(target, rtype, ORPHAN)
        elif FOREGROUND in held:
            if self._delete_dependents(dependents, index) or self._blocked(uid, dependents):
                return  # next round: wait for them to go
            self._drop_finalizer(target, rtype, FOREGROUND)
        else:
            del self._owners[target]

    def _orphan(self, uid: str, dependents: list[tuple[ResourceType, Obj]]) -> None:
        for rtype, dependent in dependents:
            live = self._current(rtype, dependent)
            if live is not None:
                self._set_refs(rtype, live, [r for r in _refs(live) if r.get("uid") != uid])

    def _delete_dependents(self, dependents: list[tuple[ResourceType, Obj]], index: _Index) -> bool:
        """Start deleting dependents not yet being deleted; True when any was."""
        started = False
        for rtype, dependent in dependents:
            live = self._current(rtype, dependent)
            if live is None or live["metadata"].get("deletionTimestamp"):
                continue
            # a dependent with dependents of its own waits for them too, as the GC does it
            has_own = bool(index.dependents.get(live["metadata"].get("uid", "")))
            self._delete(rtype, live, "Foreground" if has_own else "Background")
            started = True
        return started

    def _blocked(self, uid: str, dependents: list[tuple[ResourceType, Obj]]) -> bool:
        for rtype, dependent in dependents:
            live = self._current(rtype, dependent)
            if live is not None and any(
                r.get("uid") == uid and r.get("blockOwnerDeletion") for r in _refs(live)
            ):
                return True
        return False

    def _drop_finalizer(self, target: Target, rtype: ResourceType, finalizer: str) -> None:
        del self._owners[target]
        key, namespace, name = target
        owner = self.store.get(key, namespace, name)
        if owner is None:
            return
        rest = [f for f in owner["metadata"].get("finalizers") or [] if f != finalizer]
        new = copy.deepcopy(owner)
        if rest:
            new["metadata"]["finalizers"] = rest
            self.store.put(key, new, owner)
            return
        new["metadata"].pop("finalizers", None)
        stored = self.store.put(key, new, owner)
        if deletion_done(stored):  # else a Pod's kubelet removes it once it has stopped
            self._remove(rtype, stored)
