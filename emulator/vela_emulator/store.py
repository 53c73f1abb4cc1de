"""The emulator's object store: one lock, one global resourceVersion, a watch log.

Stored objects are never mutated after they are put: writers build a new dict
and put it. Readers may therefore serialise a stored object outside the lock.
Every put/remove gets the next resourceVersion and appends a watch event.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

Key = tuple[str, str]  # (group, resource)
Obj = dict[str, Any]

WATCH_LOG_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class Event:
    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    key: Key
    obj: Obj
    old: Obj | None = None  # the object before a MODIFIED event (selector transitions)


class Store:
    """Objects per (group, resource), keyed by (namespace, name); "" for cluster-scoped."""

    def __init__(self, *, log_size: int = WATCH_LOG_SIZE) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self._objects: dict[Key, dict[tuple[str, str], Obj]] = {}
        self._log: deque[Event] = deque(maxlen=log_size)
        self._rv = 1
        self._compacted = 1  # events at or below this rv are no longer in the log

    @property
    def rv(self) -> int:
        return self._rv

    @property
    def compacted(self) -> int:
        return self._compacted

    def reset(self) -> None:
        with self.lock:
            self._objects.clear()
            self._log.clear()
            # history is gone without DELETED events: every older version is now too old
            self._rv += 1
            self._compacted = self._rv
            self.changed.notify_all()

    def get(self, key: Key, namespace: str, name: str) -> Obj | None:
        return self._objects.get(key, {}).get((namespace, name))

    def items(self, key: Key, namespace: str | None = None) -> list[Obj]:
        """Objects sorted by (namespace, name); all namespaces when ``namespace`` is None."""
        bucket = self._objects.get(key, {})
        keys = sorted(k for k in bucket if namespace is None or k[0] == namespace)
        return [bucket[k] for k in keys]

    def kinds(self) -> list[Key]:
        return [k for k, bucket in self._objects.items() if bucket]

    def count(self) -> int:
        return sum(len(bucket) for bucket in self._objects.values())

    def put(self, key: Key, obj: Obj, old: Obj | None = None) -> Obj:
        """Store ``obj`` (its resourceVersion is set here) and log ADDED or MODIFIED."""
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        meta = obj["metadata"]
        self._objects.setdefault(key, {})[(meta.get("namespace", ""), meta["name"])] = obj
        self._record(Event(self._rv, "ADDED" if old is None else "MODIFIED", key, obj, old))
        return obj

    def remove(self, key: Key, obj: Obj) -> Obj:
        """Delete ``obj``; the DELETED event carries it with a fresh resourceVersion."""
        meta = obj["metadata"]
        self._objects.get(key, {}).pop((meta.get("namespace", ""), meta["name"]), None)
        self._rv += 1
        gone = {**obj, "metadata": {**meta, "resourceVersion": str(self._rv)}}
        self._record(Event(self._rv, "DELETED", key, gone))
        return gone

    def _record(self, event: Event) -> None:
        if len(self._log) == self._log.maxlen:
            self._compacted = self._log[0].rv
        self._log.append(event)
        self.changed.notify_all()

    def events_after(self, rv: int) -> list[Event]:
        """Logged events newer than ``rv``, oldest first (walks back from the newest)."""
        newer = []
        for event in reversed(self._log):
            if event.rv <= rv:
                break
            newer.append(event)
        newer.reverse()
        return newer

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "resourceVersion": self._rv,
                "objects": [
                    {"group": key[0], "resource": key[1], "object": obj}
                    for key, bucket in self._objects.items()
                    for obj in bucket.values()
                ],
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self._objects.clear()
            self._log.clear()
            for item in data.get("objects", []):
                obj = item["object"]
                meta = obj["metadata"]
                bucket = self._objects.setdefault((item["group"], item["resource"]), {})
                bucket[(meta.get("namespace", ""), meta["name"])] = obj
            self._rv = max(self._rv, int(data.get("resourceVersion", 1)))
            self._compacted = self._rv
