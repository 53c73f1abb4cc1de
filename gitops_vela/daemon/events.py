"""Kubernetes Events for reconcile outcomes (DESIGN §6: report -> ... events).

One ``v1`` Event per app that is news in the run's ``StatusDelta`` (a new app
or a new outcome); a quiet poll, or a commit that leaves an app as it was,
records nothing for it.
The Event is about the app's inventory ConfigMap in the daemon's namespace,
so ``kubectl describe configmap inventory.<repo>.<app>`` and
``kubectl get events`` show an app's history next to what it applied.

Like client-go's event correlator, an Event identical to one this process
already recorded (same object, type, reason and message) is not created
again: its ``count`` and ``lastTimestamp`` are patched. Messages come from
``AppStatus`` and are already free of secrets. Recording is best effort:
a failure is logged and never fails a reconcile.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ApiError, GitopsVelaError
from gitops_vela.logs import get_logger
from gitops_vela.model.labels import owner_value
from gitops_vela.model.status import AppStatus, Reason, SyncState
from gitops_vela.status.delta import StatusDelta
from gitops_vela.sync.inventory import configmap_name

log = get_logger("gitops_vela.daemon")

COMPONENT = "gitops-vela"
MESSAGE_LIMIT = 1024  # events.k8s.io's limit on a note; long messages are cut there
_CACHE_SIZE = 4096  # client-go's correlator keeps as many
MERGE_PATCH = "application/merge-patch+json"


@dataclass(frozen=True, slots=True)
class EventKey:
    """What makes two Events "the same" for counting."""

    involved: str  # the inventory ConfigMap's name
    type: str
    reason: str
    message: str


@dataclass(slots=True)
class _Seen:
    name: str
    count: int


def event_type(status: AppStatus) -> str:
    """Warning for a failure, and for drift left in place (``drift: detect``, a held fight)."""
    ok = status.reason is Reason.SUCCEEDED and status.sync is not SyncState.OUT_OF_SYNC
    return "Normal" if ok else "Warning"


def event_message(status: AppStatus) -> str:
    """One line: the status message (or first error), cut to ``MESSAGE_LIMIT``."""
    text = status.message or (status.errors[0] if status.errors else str(status.reason))
    line = " ".join(text.split())
    detail = f"{status.sync}/{status.health} at {status.revision[:12]}: {line}"
    return detail if len(detail) <= MESSAGE_LIMIT else detail[: MESSAGE_LIMIT - 3] + "..."


class EventRecorder:
    """Records app outcome Events for one repository; thread-safe."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        repo: str,
        namespace: str,
        instance: str = "",
    ) -> None:
        self.cluster, self.repo, self.namespace = cluster, repo, namespace
        self.instance = instance
        self._seen: OrderedDict[EventKey, _Seen] = OrderedDict()
        self._lock = threading.Lock()

    def report(self, delta: StatusDelta) -> int:
        """An Event for every app that is news in ``delta``; returns how many were recorded."""
        news = [change.status for change in delta.news]
        # Concurrently (bounded): a first run of a large repository has an Event per app.
        return sum(1 for outcome in self.cluster.map(self.record, news) if outcome.value)

    def record(self, status: AppStatus) -> bool:
        """Create or count one Event; False (logged) when the cluster refused it."""
        key = EventKey(
            involved=configmap_name(owner_value(self.repo, status.app)),
            type=event_type(status),
            reason=str(status.reason),
            message=event_message(status),
        )
        try:
            self._emit(key, app=status.app)
        except GitopsVelaError as exc:
            log.warning("could not record an event", app=status.app, error=exc.message)
            return False
        except Exception:  # an Event is never worth a failed reconcile
            log.exception("could not record an event", app=status.app)
            return False
        return True

    def _emit(self, key: EventKey, *, app: str) -> None:
        now = _timestamp()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None:
                self._seen.move_to_end(key)
        if seen is not None and self._count(seen, now=now):
            return
        name = f"{key.involved}.{time.time_ns():x}"
        self._create(name, key, now=now, app=app)
        with self._lock:
            self._seen[key] = _Seen(name=name, count=1)
            while len(self._seen) > _CACHE_SIZE:
                self._seen.popitem(last=False)

    def _count(self, seen: _Seen, *, now: str) -> bool:
        """Patch ``count``/``lastTimestamp``; False when the Event expired (create anew)."""
        resource = self.cluster.resource("v1", "Event")
        patch = {"count": seen.count + 1, "lastTimestamp": now}
        try:
            self.cluster.transport.request(
                "PATCH",
                resource.path(self.namespace, seen.name),
                verb="patch",
                body=patch,
                content_type=MERGE_PATCH,
                what=seen.name,
            )
        except ApiError as exc:
            if exc.status == 404:  # the API server's event TTL removed it
                return False
            raise
        seen.count += 1
        return True

    def _create(self, name: str, key: EventKey, *, now: str, app: str) -> None:
        resource = self.cluster.resource("v1", "Event")
        self.cluster.transport.request(
            "POST", resource.path(self.namespace), verb="create", body=self._event(name, key, now)
        )
        log.debug("event recorded", app=app, reason=key.reason, type=key.type)

    def _event(self, name: str, key: EventKey, now: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": self.namespace},
            "involvedObject": {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": key.involved,
                "namespace": self.namespace,
            },
            "reason": key.reason,
            "message": key.message,
            "type": key.type,
            "count": 1,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self.instance,
            "action": "Reconcile",
        }


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
