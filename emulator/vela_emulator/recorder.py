"""Events as controllers and the kubelet record them (``core/v1`` Event objects).

One Event per occurrence, named ``<object>.<hex nanoseconds>`` like client-go's
recorder, with ``source`` and ``reporting*`` fields set to the component.
"""

from __future__ import annotations

import itertools
import time
import uuid

from vela_emulator.calls import Obj
from vela_emulator.lifecycle import now
from vela_emulator.pods import NODE_NAME
from vela_emulator.registry import ResourceType
from vela_emulator.store import Store

EVENTS = ("", "events")
_sequence = itertools.count()


def event(
    rtype: ResourceType, obj: Obj, *, kind: str, reason: str, message: str, component: str
) -> Obj:
    meta = obj["metadata"]
    stamp = now()
    source: Obj = {"component": component}
    if component == "kubelet":
        source["host"] = NODE_NAME
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": f"{meta['name']}.{time.time_ns() + next(_sequence):x}",
            "namespace": meta.get("namespace") or "default",
            "uid": str(uuid.uuid4()),
            "creationTimestamp": stamp,
        },
        "involvedObject": {
            "kind": rtype.kind,
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "uid": meta.get("uid", ""),
            "apiVersion": rtype.api_version,
            "resourceVersion": meta.get("resourceVersion", ""),
        },
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
        "type": kind,
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": NODE_NAME if component == "kubelet" else "",
    }


class Recorder:
    """Writes Events into the store (not into a namespace that is being deleted)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        rtype: ResourceType,
        obj: Obj,
        *,
        reason: str,
        message: str,
        component: str,
        kind: str = "Normal",
    ) -> None:
        item = event(rtype, obj, kind=kind, reason=reason, message=message, component=component)
        ns = self.store.get(("", "namespaces"), "", item["metadata"]["namespace"])
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        self.store.put(EVENTS, item)
