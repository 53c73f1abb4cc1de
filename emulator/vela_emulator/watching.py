"""``watch=true``: a stream of ADDED / MODIFIED / DELETED events from a resourceVersion.

Semantics follow the apiserver's watch cache: no resourceVersion (or "0")
starts with synthetic ADDED events for the current objects; a resourceVersion
older than the kept log yields an ERROR event with a 410 ``Expired`` Status;
an object that stops matching the selector is sent as DELETED, one that starts
matching as ADDED.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from vela_emulator.api import Api
from vela_emulator.apistatus import bad_request, gone
from vela_emulator.calls import Call, Obj, int_param

DEFAULT_TIMEOUT = 1800.0
TICK = 0.5  # how often a waiting watch checks for shutdown and its deadline


def _scope(call: Call, obj: Obj) -> bool:
    meta = obj["metadata"]
    if call.rtype.namespaced and call.namespace and meta.get("namespace") != call.namespace:
        return False
    return not call.name or meta["name"] == call.name


def _expired(requested: int, compacted: int) -> dict[str, Any]:
    status = gone(f"too old resource version: {requested} ({compacted})").body()
    return {"type": "ERROR", "object": status}


def events(api: Api, call: Call, stop: threading.Event) -> Iterator[dict[str, Any]]:
    """Watch events for ``call`` until its timeout, ``stop``, or the consumer goes away.

    Bad parameters raise here, before the stream starts, so they become a plain error answer.
    """
    match = api.matcher(call)
    raw_rv = call.query.get("resourceVersion", "")
    if raw_rv not in ("", "0") and not raw_rv.isdigit():
        raise bad_request(f'resourceVersion: Invalid value: "{raw_rv}": must be an integer')
    return _stream(api, call, match, stop)


def _stream(api: Api, call: Call, match: Any, stop: threading.Event) -> Iterator[dict[str, Any]]:
    timeout = float(int_param(call, "timeoutSeconds") or DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout
    raw_rv = call.query.get("resourceVersion", "")
    store = api.store
    with store.lock:
        if raw_rv in ("", "0"):
            cursor = store.rv
            initial = [o for o in store.items(call.rtype.key) if _scope(call, o) and match(o)]
        else:
            cursor = int(raw_rv)
            initial = []
            if cursor < store.compacted:
                yield _expired(cursor, store.compacted)
                return
    for obj in initial:
        yield {"type": "ADDED", "object": api.view(call.rtype, obj)}
    if call.query.get("sendInitialEvents") == "true":
        yield _initial_events_end(call, cursor)
    while not stop.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        with store.changed:
            batch = store.events_after(cursor)
            if not batch:
                store.changed.wait(timeout=min(TICK, remaining))
                continue
            cursor = batch[-1].rv
        for event in batch:
            sent = (
                _translate(api, call, match, event.type, event.obj, event.old)
                if event.key == call.rtype.key
                else None
            )
            if sent is not None:
                yield sent


def _translate(
    api: Api, call: Call, match: Any, kind: str, obj: Obj, old: Obj | None
) -> dict[str, Any] | None:
    if not _scope(call, obj):
        return None
    now_matches = match(obj)
    before = old is not None and match(old)
    if kind == "MODIFIED" and now_matches != before:
        kind = "ADDED" if now_matches else "DELETED"
    elif not now_matches:
        return None
    return {"type": kind, "object": api.view(call.rtype, obj)}


def _initial_events_end(call: Call, rv: int) -> dict[str, Any]:
    return {
        "type": "BOOKMARK",
        "object": {
            "kind": call.rtype.kind,
            "apiVersion": call.rtype.api_version,
            "metadata": {
                "resourceVersion": str(rv),
                "annotations": {"k8s.io/initial-events-end": "true"},
            },
        },
    }
