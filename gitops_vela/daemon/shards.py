"""Sharding repositories across replicas through Leases (DESIGN §9).

Opt in with ``leaderElection: {enabled: true, mode: shard}``. Every
``renew_every`` seconds each replica runs one round:

1. **Membership.** It renews its own Lease ``<leaseName>-member-<hash>``
   (``holderIdentity`` = its identity). The live members are the member
   Leases that have a holder and were renewed within their
   ``leaseDurationSeconds``. A released Lease (holder cleared at shutdown)
   is gone at once; member Leases dead for long are deleted by whoever
   sees them.
2. **Assignment.** Each repository belongs to the live member with the
   highest rendezvous weight ``sha256(identity, repository)``. Every replica
   computes the same answer from the same members, and a member joining or
   leaving moves only the repositories it gains or had.
3. **Hand-over, the exact rule.** Reconciling repository R requires holding
   the Lease ``<leaseName>-repo-<R>`` (written like the leader Lease: guarded
   by ``resourceVersion``, taken over only when expired). A replica
   - schedules R only after it *acquired* R's Lease, which it tries only
     while R is assigned to it; so a newly assigned owner waits until the
     previous owner released R's Lease or let it expire;
   - keeps renewing R's Lease while it holds it; when R is no longer
     assigned to it, it unschedules R at once, lets the run in flight finish
     (still renewing), and only then releases R's Lease;
   - stops R at once, without releasing, when R's Lease was taken by
     someone else or could not be renewed for two thirds of its duration
     (the holder of an expired Lease has stopped before anyone may take it).
   The scheduler's run function is wrapped by ``guard``: a run of R starts
   only while R's Lease is held, so no two replicas reconcile R at once.

A replica is ready once it finished its first round (it knows its shard).
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.leases import Clock, LeaseLock
from gitops_vela.errors import ApiError, ClusterError
from gitops_vela.logs import get_logger

log = get_logger("gitops_vela.daemon")
_NOT_NAME = re.compile(r"[^a-z0-9-]")
_FORGET_AFTER = 5  # lease durations after which a dead member's Lease is deleted


def weight(member: str, repository: str) -> int:
    digest = hashlib.sha256(f"{member}\0{repository}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def owner(members: Collection[str], repository: str) -> str | None:
    """The member with the highest rendezvous weight for ``repository`` (None: no member)."""
    return max(members, key=lambda m: (weight(m, repository), m), default=None)


def assign(members: Collection[str], repositories: Iterable[str]) -> dict[str, str | None]:
    return {repo: owner(members, repo) for repo in repositories}


def lease_name(prefix: str, kind: str, key: str) -> str:
    """A valid Lease name for ``key`` (hashed, so names that differ only in case stay apart)."""
    slug = _NOT_NAME.sub("-", key.lower()).strip("-")[:40]
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    return f"{prefix}-{kind}-{slug}-{digest}" if slug else f"{prefix}-{kind}-{digest}"


def _parse(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _age_in_durations(spec: dict[str, Any], now: datetime, default: float) -> float:
    renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
    duration = float(spec.get("leaseDurationSeconds") or default)
    if renewed is None:
        return float("inf")
    return (now - renewed) / timedelta(seconds=duration)


class Sharding:
    """Membership, assignment and per-repository Leases, one round at a time."""

    def __init__(
        self,
        cluster: Cluster,
        *,
        namespace: str,
        prefix: str,
        identity: str,
        duration: float,
        repositories: Callable[[], Collection[str]],
        on_change: Callable[[frozenset[str]], None],
        renew_every: float,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.cluster, self.namespace, self.prefix = cluster, namespace, prefix
        self.identity, self.duration, self._clock = identity, duration, clock
        self._repositories, self._on_change = repositories, on_change
        self._renew_every = renew_every
        self.member = self._lock_for(lease_name(prefix, "member", identity))
        self._locks: dict[str, LeaseLock] = {}
        self._held: set[str] = set()  # may run
        self._draining: set[str] = set()  # lease kept until the run in flight ends
        self._running: set[str] = set()
        self._renewed_at: dict[str, float] = {}
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sharding", daemon=True)
        self.computed = False
        self.members: tuple[str, ...] = ()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        log.info("joining the shard group", lease=self.member.name, identity=self.identity)
        self._thread.start()

    def stop(self) -> None:
        """Leave: release every repository Lease and the membership (after runs ended)."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        with self._cond:
            names = sorted(self._held | self._draining)
            self._held.clear()
            self._draining.clear()
        for name in names:
            self._lock(name).release()
        self.member.release()

    @property
    def held(self) -> frozenset[str]:
        with self._cond:
            return frozenset(self._held)

    def guard(self, run: Callable[[str], bool]) -> Callable[[str], bool]:
        """``run`` that runs a repository only while this replica holds its Lease."""

        def guarded(name: str) -> bool:
            with self._cond:
                if name not in self._held:
                    return True  # not ours (any more): nothing to do, no backoff
                self._running.add(name)
            try:
                return run(name)
            finally:
                with self._cond:
                    self._running.discard(name)
                    self._cond.notify_all()

        return guarded

    # ------------------------------------------------------------------ rounds

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:  # a bug must not end the rounds (and with them the renewals)
                log.exception("shard round crashed")
            self._stop.wait(self._renew_every)

    def step(self) -> None:
        """One round: renew, list members, hand repositories over (see the module doc)."""
        before, members = self.held, self.members
        try:
            self._round()
            self.computed = True  # readiness: this replica knows its shard
        except ClusterError as exc:
            log.warning("shard round failed", error=exc.message)
            self._expire_unrenewed()
        after = self.held
        if self.members != members:
            log.info("shard members changed", members=list(self.members))
        if after != before:
            log.info("shard changed", repositories=sorted(after))
            self._on_change(after)

    def _round(self) -> None:
        if not self.member.try_acquire_or_renew():
            raise ClusterError(f"membership Lease {self.member.name} is held by someone else")
        self.members = tuple(sorted(self._live_members() | {self.identity}))
        mine = {
            r for r, o in assign(self.members, self._repositories()).items() if o == self.identity
        }
        self._renew(mine)
        self._drain(mine)
        self._acquire(mine)

    def _renew(self, mine: set[str]) -> None:
        with self._cond:
            holding = sorted(self._held | self._draining)
        for name in holding:
            if self._lock(name).try_acquire_or_renew():
                self._renewed_at[name] = time.monotonic()
                continue
            log.warning("repository Lease taken by another replica: stopping it", repo=name)
            with self._cond:
                self._held.discard(name)
                self._draining.discard(name)

    def _drain(self, mine: set[str]) -> None:
        with self._cond:
            for name in self._held - mine:
                self._held.discard(name)
                self._draining.add(name)
            back = self._draining & mine
            self._held |= back
            self._draining -= back
            done = sorted(self._draining - self._running)
            self._draining -= set(done)
        for name in done:
            self._lock(name).release()
            log.info("repository handed over", repo=name)

    def _acquire(self, mine: set[str]) -> None:
        with self._cond:
            wanted = sorted(mine - self._held)
        for name in wanted:
            if self._lock(name).try_acquire_or_renew():
                self._renewed_at[name] = time.monotonic()
                with self._cond:
                    self._held.add(name)
            else:
                log.info("repository assigned; waiting for its previous owner", repo=name)

    def _expire_unrenewed(self) -> None:
        """A holder that cannot renew stops before its Lease can expire (2/3 of it)."""
        deadline = self.duration * 2 / 3
        now = time.monotonic()
        with self._cond:
            for name in list(self._held | self._draining):
                if now - self._renewed_at.get(name, 0.0) >= deadline:
                    self._held.discard(name)
                    self._draining.discard(name)

    def _live_members(self) -> set[str]:
        resource = self.cluster.resource("coordination.k8s.io/v1", "Lease")
        now, live = self._clock(), set()
        prefix = f"{self.prefix}-member-"
        for lease in self.cluster.list_objects(resource, namespace=self.namespace):
            name = str(lease["metadata"]["name"])
            if not name.startswith(prefix):
                continue
            spec = lease.get("spec") or {}
            age = _age_in_durations(spec, now, self.duration)
            if spec.get("holderIdentity") and age <= 1:
                live.add(str(spec["holderIdentity"]))
            elif age > _FORGET_AFTER or not spec.get("holderIdentity"):
                self._forget(resource.path(self.namespace, name), lease)
        return live

    def _forget(self, path: str, lease: dict[str, Any]) -> None:
        version = lease["metadata"].get("resourceVersion")
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if version:  # only the Lease as seen dead: a member that came back is kept
            body["preconditions"] = {"resourceVersion": version}
        try:
            self.cluster.transport.request("DELETE", path, verb="delete", body=body)
        except ApiError as exc:
            if exc.status not in (404, 409):
                raise

    def _lock(self, repository: str) -> LeaseLock:
        lock = self._locks.get(repository)
        if lock is None:
            lock = self._locks[repository] = self._lock_for(
                lease_name(self.prefix, "repo", repository)
            )
        return lock

    def _lock_for(self, name: str) -> LeaseLock:
        return LeaseLock(
            self.cluster,
            namespace=self.namespace,
            name=name,
            identity=self.identity,
            duration=self.duration,
            clock=self._clock,
        )
