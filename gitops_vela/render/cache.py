"""Small thread-safe LRU caches, and one switch to empty them all (benchmarks, tests)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")

_all: list[LruCache[object]] = []


class LruCache(Generic[V]):
    """At most ``size`` entries; the least recently stored goes first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()
        _all.append(self)  # type: ignore[arg-type]

    def get(self, key: str) -> V | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: str, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def clear_caches() -> None:
    """Forget every remembered Appfile, file, evaluation and render of this process."""
    for cache in _all:
        cache.clear()
