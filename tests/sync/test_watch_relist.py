"""The reflector's answers to an expired watch, against a scripted API server.

The emulator tests (test_watch_cache.py) prove the same through HTTP; here the
order of lists, watch answers and events is fixed by the script, so each path
(an HTTP 410 answer to the watch request, a 410 ERROR event in the stream, a
watch that simply ends) is proven on its own, without timing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from gitops_vela.cluster import Cluster, Resource
from gitops_vela.cluster.watchcache import LiveChange, Reflector, Scope
from gitops_vela.errors import ApiError

DEPLOYMENTS = Resource("apps", "v1", "Deployment", "deployments", namespaced=True)


def _deployment(name: str, version: int, replicas: int) -> dict[str, Any]:
    meta = {"name": name, "namespace": "shop", "resourceVersion": str(version)}
    return {"metadata": meta, "spec": {"replicas": replicas}}


@dataclass
class _Answer:
    body: dict[str, Any]


class _Stream:
    def __init__(self, events: list[dict[str, Any]], *, hold: threading.Event | None) -> None:
        self._events, self._hold = events, hold

    def __iter__(self) -> Iterator[dict[str, Any]]:
        yield from self._events
        if self._hold is not None:  # a healthy watch stays open until closed
            self._hold.wait(10)

    def close(self) -> None:
        if self._hold is not None:
            self._hold.set()


class ScriptedTransport:
    """Lists answer the next scripted list; watches take the next scripted answer:
    a list of events (the watch ends after them), an exception, or ``"open"``
    (a watch that stays open, with no event, until the reflector stops)."""

    def __init__(self, lists: list[list[dict[str, Any]]], watches: list[Any]) -> None:
        self._lists, self._watches = list(lists), list(watches)
        self.requests: queue.Queue[tuple[str, dict[str, str] | None]] = queue.Queue()
        self.versions: list[str] = []  # resourceVersion of each watch request

    def request(self, method: str, path: str, **kw: Any) -> _Answer:
        self.requests.put(("list", kw.get("query")))
        items = self._lists.pop(0)
        version = max((int(i["metadata"]["resourceVersion"]) for i in items), default=1)
        return _Answer(
            {"items": [dict(i) for i in items], "metadata": {"resourceVersion": str(version)}}
        )

    def stream(self, path: str, *, query: dict[str, str], **kw: Any) -> _Stream:
        self.requests.put(("watch", query))
        self.versions.append(query["resourceVersion"])
        answer = self._watches.pop(0) if self._watches else "open"
        if isinstance(answer, Exception):
            raise answer
        if answer == "open":
            return _Stream([], hold=threading.Event())
        return _Stream(answer, hold=None)


class _Cluster:
    def __init__(self, transport: ScriptedTransport) -> None:
        self.transport = transport


def _reflector(transport: ScriptedTransport) -> tuple[Reflector, queue.Queue[LiveChange]]:
    changes: queue.Queue[LiveChange] = queue.Queue()
    reflector = Reflector(
        cast(Cluster, _Cluster(transport)),
        Scope(DEPLOYMENTS),
        on_change=changes.put,
        retry_cap=0.05,
    )
    return reflector, changes


def _next_requests(transport: ScriptedTransport, count: int) -> list[str]:
    return [transport.requests.get(timeout=5)[0] for _ in range(count)]


def test_a_410_answer_to_the_watch_request_is_a_relist_that_reports_what_changed() -> None:
    gone = ApiError("deployments: too old resource version", status=410)
    transport = ScriptedTransport(
        lists=[[_deployment("web", 5, 1)], [_deployment("web", 9, 3)]], watches=[gone]
    )
    reflector, changes = _reflector(transport)
    reflector.prime()
    try:
        assert _next_requests(transport, 4) == ["list", "watch", "list", "watch"]
        change = changes.get(timeout=5)
        assert change.old is not None and change.new is not None
        assert (change.old["spec"]["replicas"], change.new["spec"]["replicas"]) == (1, 3)
        assert transport.versions == ["5", "9"]  # the second watch resumes from the relist
        assert reflector.lists == 2 and reflector.in_step
    finally:
        reflector.stop()


def test_a_410_error_event_in_the_stream_is_a_relist() -> None:
    expired = {"type": "ERROR", "object": {"kind": "Status", "code": 410, "message": "too old"}}
    transport = ScriptedTransport(
        lists=[[_deployment("web", 5, 1)], [_deployment("web", 12, 4)]],
        watches=[[{"type": "MODIFIED", "object": _deployment("web", 6, 2)}, expired]],
    )
    reflector, changes = _reflector(transport)
    reflector.prime()
    try:
        assert _next_requests(transport, 4) == ["list", "watch", "list", "watch"]
        seen = [changes.get(timeout=5), changes.get(timeout=5)]
        assert [c.new["spec"]["replicas"] for c in seen if c.new is not None] == [2, 4]
        assert transport.versions == ["5", "12"]
    finally:
        reflector.stop()


def test_a_watch_that_ends_resumes_from_its_last_version_without_a_list() -> None:
    bookmark = {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "20"}}}
    transport = ScriptedTransport(
        lists=[[_deployment("web", 5, 1)]],
        watches=[[{"type": "MODIFIED", "object": _deployment("web", 7, 2)}, bookmark]],
    )
    reflector, _changes = _reflector(transport)
    reflector.prime()
    try:
        assert _next_requests(transport, 3) == ["list", "watch", "watch"]
        assert transport.versions == ["5", "20"]
        assert reflector.lists == 1
    finally:
        reflector.stop()
