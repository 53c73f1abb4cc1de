"""Leader election through a ``coordination.k8s.io/v1`` Lease (DESIGN §9).

Several replicas may run; only the holder of the Lease reconciles. Like
client-go's leaderelection: the holder renews ``renewTime`` every
``renew_every`` seconds; another replica takes the Lease over only when it
was not renewed for ``duration`` seconds. Every write is guarded by the
Lease's ``resourceVersion`` (create is a POST, renew and take-over a PUT),
so two replicas can never both win the same round.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ApiError, ClusterError
from gitops_vela.logs import get_logger

log = get_logger("gitops_vela.daemon")
Clock = Callable[[], datetime]


def default_identity() -> str:
    """The pod name (downward API ``POD_NAME``) or host name, plus the process id."""
    return f"{os.environ.get('POD_NAME') or socket.gethostname()}_{os.getpid()}"


def _micro_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


class LeaseLock:
    """One attempt at a time to hold the Lease ``namespace/name`` as ``identity``."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        namespace: str,
        name: str,
        identity: str,
        duration: float,
        clock: Clock = lambda: datetime.now(UTC),
        labels: Mapping[str, str] | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> None:
        self.cluster, self.namespace, self.name = cluster, namespace, name
        self.identity, self.duration, self._clock = identity, duration, clock
        # written with every renewal: what the holder says (the shard claims, daemon/shards.py)
        self.labels = dict(labels or {})
        self.annotations = dict(annotations or {})

    def try_acquire_or_renew(self) -> bool:
        """True when this replica holds the Lease after the call."""
        resource = self.cluster.resource("coordination.k8s.io/v1", "Lease")
        live = self.cluster.get(resource, namespace=self.namespace, name=self.name)
        now = self._clock()
        if live is None:
            return self._create(resource.path(self.namespace), self._lease(now, None))
        spec = live.get("spec") or {}
        holder = spec.get("holderIdentity")
        if holder and holder != self.identity and not self._expired(spec, now):
            return False
        return self._write("PUT", resource.path(self.namespace, self.name), self._lease(now, live))

    def release(self) -> None:
        """Give the Lease up at shutdown, so another replica need not wait it out."""
        resource = self.cluster.resource("coordination.k8s.io/v1", "Lease")
        try:
            live = self.cluster.get(resource, namespace=self.namespace, name=self.name)
            if live is None or (live.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            live["spec"]["holderIdentity"] = None
            self.cluster.transport.request(
                "PUT", resource.path(self.namespace, self.name), verb="update", body=live
            )
        except ClusterError as exc:
            log.warning("could not release the leader lease", error=exc.message)

    def _expired(self, spec: dict[str, Any], now: datetime) -> bool:
        renewed = _parse_time(spec.get("renewTime")) or _parse_time(spec.get("acquireTime"))
        duration = float(spec.get("leaseDurationSeconds") or self.duration)
        return renewed is None or renewed + timedelta(seconds=duration) < now

    def _lease(self, now: datetime, live: dict[str, Any] | None) -> dict[str, Any]:
        spec = dict((live or {}).get("spec") or {})
        if spec.get("holderIdentity") != self.identity:
            spec["acquireTime"] = _micro_time(now)
            spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + (live is not None)
        spec.update(
            holderIdentity=self.identity,
            leaseDurationSeconds=max(1, round(self.duration)),
            renewTime=_micro_time(now),
        )
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        if live is not None:
            metadata["resourceVersion"] = live["metadata"]["resourceVersion"]
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": spec,
        }

    def _create(self, path: str, lease: dict[str, Any]) -> bool:
        try:
            return self._write("POST", path, lease)
        except ApiError as exc:
            if exc.status != 404:
                raise
        # The daemon's namespace is missing (an emulator, a fresh cluster): make it once.
        self.cluster.apply(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": self.namespace}}
        )
        return self._write("POST", path, lease)

    def _write(self, method: str, path: str, lease: dict[str, Any]) -> bool:
        verb = "create" if method == "POST" else "update"
        try:
            self.cluster.transport.request(method, path, verb=verb, body=lease)
        except ApiError as exc:
            if exc.status in (409, 422):  # someone else wrote first: not ours this round
                return False
            raise
        return True


class LeaderElection:
    """Runs ``LeaseLock`` rounds in a thread; calls back when leadership starts or ends."""

    def __init__(
        self,
        lock: LeaseLock,
        *,
        on_started_leading: Callable[[], None],
        on_stopped_leading: Callable[[], None],
        renew_every: float,
    ) -> None:
        self.lock = lock
        self._started, self._stopped = on_started_leading, on_stopped_leading
        self._renew_every = renew_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="leader-election", daemon=True)
        self.leading = False
        # A leader that cannot renew keeps leading until two thirds of the lease
        # have passed (client-go's renew deadline): one failed request is no coup.
        self._renew_deadline = lock.duration * 2 / 3
        self._renewed_at = 0.0

    def start(self) -> None:
        log.info("waiting for the leader lease", lease=self.lock.name, identity=self.lock.identity)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self.leading:
            self.lock.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._round()
            self._stop.wait(self._renew_every)

    def _round(self) -> None:
        try:
            held = self.lock.try_acquire_or_renew()
        except ClusterError as exc:
            log.warning("leader lease round failed", error=exc.message)
            held = self.leading and time.monotonic() - self._renewed_at < self._renew_deadline
        else:
            if held:
                self._renewed_at = time.monotonic()
        if held and not self.leading:
            self.leading = True
            log.info("became the leader", lease=self.lock.name, identity=self.lock.identity)
            self._started()
        elif not held and self.leading:
            self.leading = False
            log.warning("lost the leader lease: reconciling stops", lease=self.lock.name)
            self._stopped()
