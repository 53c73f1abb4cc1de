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


**Apps of one repository across replicas** (``leaderElection.appShards: N``,
N > 1). The unit handed over is then not the repository but one of its N
*buckets*: an app belongs to bucket ``sha256(repository, app) mod N`` and each
bucket ``(R, b)`` is assigned by rendezvous like a repository. A run of R
reconciles the apps of the buckets held when it started (its ``Share``). A
bucket is not guarded by a Lease of its own (10,000 apps want hundreds of
buckets for an even split, and every Lease is renewed every round): each
replica *claims* its buckets in an annotation of its member Lease
(``gitops-vela.dev/claims``), written with every renewal, and the rule is the
Lease rule read from the claims of the live members:

- a replica claims bucket b only while b is assigned to it and no other live
  member claims it (the previous owner released it, or its member Lease
  expired); the claim is written at the next renewal;
- the bucket becomes *held* (may run) only when a list of the Leases taken
  after that write shows no other live member claiming it. Writes and lists
  are linearizable, so of two replicas claiming b at once (their views of
  the members differed for a round) at most one sees none of the other's
  claim; when both see each other, the higher identity withdraws;
- a bucket no longer assigned stops at once, the run in flight finishes and
  only then the claim is dropped (its member Lease is written at once); a replica that could
  not renew for two thirds of the duration stops every bucket (its claims
  lapse with its membership).

So the Lease count is the replica count, whatever the buckets. A repository
with ``rollout:`` or a rendered branch is always handed over whole (its
record and branch are written as one), through its Lease. While such a
change reaches the replicas one by one, one replica may see a repository
whole and another split: a replica takes the whole Lease only while no other
claims a bucket of it, and a bucket only while no other holds the whole
Lease; with appShards set, a whole Lease acquired is held (may run) only once
the next list shows no such claim, so the same rule as for two claims holds.

**Replicas that disagree on appShards** (a changed setting rolling out) would
split the same apps differently. Each member Lease carries its appShards
(label ``gitops-vela.dev/app-shards``; none means 0, an older version); while a
live member says otherwise, a replica drains and takes nothing, until the
replicas agree again. Of two members that disagree, at least one sees the other
before it takes anything (both renew their membership before they list), and
the other stops at its next round.

A replica is ready once it finished its first round (it knows its shard).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.leases import Clock, LeaseLock
from gitops_vela.errors import ApiError, ClusterError
from gitops_vela.logs import get_logger

log = get_logger("gitops_vela.daemon")
_NOT_NAME = re.compile(r"[^a-z0-9-]")
_FORGET_AFTER = 5  # lease durations after which a dead member's Lease is deleted
APP_SHARDS_LABEL = "gitops-vela.dev/app-shards"  # on member Leases: the appShards they use
CLAIMS_ANNOTATION = "gitops-vela.dev/claims"  # on member Leases: {repository: bucket bitmap}


def weight(member: str, repository: str) -> int:
    digest = hashlib.sha256(f"{member}\0{repository}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def owner(members: Collection[str], repository: str) -> str | None:
    """The member with the highest rendezvous weight for ``repository`` (None: no member)."""
    return max(members, key=lambda m: (weight(m, repository), m), default=None)


def assign(members: Collection[str], repositories: Iterable[str]) -> dict[str, str | None]:
    return {repo: owner(members, repo) for repo in repositories}


def bucket_of(repository: str, app: str, count: int) -> int:
    """The bucket of ``app`` among ``count`` (stable: the same on every replica)."""
    digest = hashlib.sha256(f"{repository}\0{app}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True, order=True, slots=True)
class Unit:
    """What one Lease hands over: a whole repository (``count`` 0), or one bucket of its apps."""

    repository: str
    bucket: int = 0
    count: int = 0

    @property
    def key(self) -> str:
        """The rendezvous key; a whole repository's is its name (as before buckets)."""
        if not self.count:
            return self.repository
        return f"{self.repository}\0{self.count}\0{self.bucket}"


def units_of(repository: str, count: int) -> tuple[Unit, ...]:
    """The units ``repository`` is handed over in: itself, or ``count`` buckets (count > 1)."""
    if count <= 1:
        return (Unit(repository),)
    return tuple(Unit(repository, b, count) for b in range(count))


@dataclass(frozen=True, slots=True)
class Share:
    """The apps of one repository a replica reconciles in one run: all of them, or
    those of the buckets it holds. ``owns`` is the one test every stage applies."""

    repository: str
    count: int = 0
    buckets: frozenset[int] = frozenset()

    @property
    def whole(self) -> bool:
        return self.count <= 1 or len(self.buckets) >= self.count

    def owns(self, app: str) -> bool:
        return self.whole or bucket_of(self.repository, app, self.count) in self.buckets

    @property
    def key(self) -> str:
        """ "" for the whole repository, else which buckets (renders of two shares differ)."""
        if self.whole:
            return ""
        return f"{self.count}:" + ",".join(map(str, sorted(self.buckets)))


WHOLE = Share("")  # the share of a replica that reconciles every app (no sharding)


def share_of(repository: str, units: Iterable[Unit]) -> Share:
    """The share the held ``units`` of ``repository`` make."""
    mine = [u for u in units if u.repository == repository]
    if not mine or any(not u.count for u in mine):
        return Share(repository)
    return Share(repository, mine[0].count, frozenset(u.bucket for u in mine))


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


def encode_claims(units: Iterable[Unit]) -> str:
    """Claimed buckets as ``{repository: hex bitmap}`` (bit b of the bitmap: bucket b)."""
    maps: dict[str, int] = {}
    counts: dict[str, int] = {}
    for unit in units:
        if unit.count:
            maps[unit.repository] = maps.get(unit.repository, 0) | (1 << unit.bucket)
            counts[unit.repository] = unit.count
    return json.dumps(
        {r: f"{bits:0{(counts[r] + 3) // 4}x}" for r, bits in sorted(maps.items())},
        separators=(",", ":"),
    )


def decode_claims(text: str, count: int) -> set[Unit]:
    """The buckets a member Lease claims (what cannot be read claims nothing: such a
    member runs another version, and disagrees on appShards anyway)."""
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return set()
    if not isinstance(found, dict) or count < 2:
        return set()
    units: set[Unit] = set()
    for repository, bitmap in found.items():
        try:
            bits = int(str(bitmap), 16)
        except ValueError:
            continue
        units.update(Unit(str(repository), b, count) for b in range(count) if bits >> b & 1)
    return units


class Sharding:
    """Membership, assignment and hand-over of units (repositories or buckets), one round
    at a time."""

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
        app_shards: int = 0,
        split: Callable[[str], bool] = lambda repository: True,
    ) -> None:
        self.cluster, self.namespace, self.prefix = cluster, namespace, prefix
        self.identity, self.duration, self._clock = identity, duration, clock
        self._repositories, self._on_change = repositories, on_change
        self._renew_every = renew_every
        self.app_shards = app_shards if app_shards > 1 else 0
        self._split = split  # False: this repository is handed over whole (rollout, rendered)
        self.member = self._lock_for(
            lease_name(prefix, "member", identity), labels={APP_SHARDS_LABEL: str(self.app_shards)}
        )
        self._locks: dict[str, LeaseLock] = {}  # whole repositories' Leases
        self._held: set[Unit] = set()  # may run
        self._draining: set[Unit] = set()  # kept (Lease or claim) until the run in flight ends
        # claimed buckets (and, with appShards, whole repositories' Leases acquired) not yet
        # seen uncontested
        self._pending: set[Unit] = set()
        self._running: set[Unit] = set()
        self._renewed_at: dict[Unit, float] = {}
        self._member_renewed_at = 0.0
        self._claimed: frozenset[Unit] = frozenset()  # the claims the last renewal wrote
        self._others: dict[Unit, str] = {}  # buckets other live members claim -> who
        self._leases: dict[str, str] = {}  # other Leases held by another live replica -> who
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sharding", daemon=True)
        self.computed = False
        self.members: tuple[str, ...] = ()
        self.disagreeing: tuple[str, ...] = ()  # live members on another appShards

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        log.info(
            "joining the shard group",
            lease=self.member.name,
            identity=self.identity,
            app_shards=self.app_shards,
        )
        self._thread.start()

    def stop(self) -> None:
        """Leave: release every Lease and the membership, with it the claims (after runs
        ended)."""
        self._stop.set()
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        with self._cond:
            units = sorted(u for u in self._held | self._draining | self._pending if not u.count)
            self._held.clear()
            self._draining.clear()
            self._pending.clear()
        for unit in units:
            self._lock(unit.repository).release()
        self.member.release()

    @property
    def held(self) -> frozenset[str]:
        """The repositories this replica may run (all of their apps, or some)."""
        with self._cond:
            return frozenset(u.repository for u in self._held)

    @property
    def units(self) -> frozenset[Unit]:
        with self._cond:
            return frozenset(self._held)

    def share(self, repository: str) -> Share:
        """The apps of ``repository`` a run starting now would reconcile."""
        with self._cond:
            return share_of(repository, self._held)

    def guard(self, run: Callable[[str, Share], bool]) -> Callable[[str], bool]:
        """``run`` that runs a repository only while this replica holds its Lease (or
        some of its buckets: the run gets those apps, its ``Share``)."""

        def guarded(name: str) -> bool:
            with self._cond:
                units = {u for u in self._held if u.repository == name}
                if not units:
                    return True  # not ours (any more): nothing to do, no backoff
                self._running |= units
            try:
                return run(name, share_of(name, units))
            finally:
                with self._cond:
                    self._running -= units
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
        """One round: renew, list members, hand units over (see the module doc)."""
        before, members, disagreeing = self.units, self.members, self.disagreeing
        try:
            self._round()
            self.computed = True  # readiness: this replica knows its shard
        except ClusterError as exc:
            log.warning("shard round failed", error=exc.message)
            self._expire_unrenewed()
        after = self.units
        if self.members != members:
            log.info("shard members changed", members=list(self.members))
        if self.disagreeing != disagreeing and self.disagreeing:
            log.warning(
                "replicas disagree on leaderElection.appShards: this one reconciles nothing"
                " until they agree",
                app_shards=self.app_shards,
                others=list(self.disagreeing),
            )
        if after != before:
            repositories = sorted({u.repository for u in after})
            split = {
                r: sum(1 for u in after if u.repository == r and u.count) for r in repositories
            }
            buckets = {r: f"{n}/{self.app_shards}" for r, n in split.items() if n}
            log.info("shard changed", repositories=repositories, buckets=buckets)
            self._on_change(frozenset(repositories))

    def _round(self) -> None:
        self._publish()
        self.members = tuple(sorted(self._live_members() | {self.identity}))
        self._confirm()
        mine = set() if self.disagreeing else self._assigned()
        self._renew()
        self._drain(mine)
        self._acquire(mine)
        if self._claims() < self._claimed:  # handed over: say so now, not a round later
            self._publish()

    def _claims(self) -> frozenset[Unit]:
        with self._cond:
            return frozenset(u for u in self._held | self._draining | self._pending if u.count)

    def _publish(self) -> None:
        """Renew the membership, writing the claims with it."""
        claims = self._claims()
        self.member.annotations = {CLAIMS_ANNOTATION: encode_claims(claims)}
        if not self.member.try_acquire_or_renew():
            raise ClusterError(f"membership Lease {self.member.name} is held by someone else")
        self._member_renewed_at = time.monotonic()
        self._claimed = claims

    def _assigned(self) -> set[Unit]:
        units = [
            unit
            for repository in self._repositories()
            for unit in units_of(repository, self.app_shards if self._split(repository) else 0)
        ]
        owners = assign(self.members, (u.key for u in units))
        return {u for u in units if owners[u.key] == self.identity}

    def _rival(self, unit: Unit) -> str | None:
        """Another live replica that claims what ``unit`` covers: the same bucket, or the
        whole repository's Lease; for a whole repository, any of its buckets. (Both
        kinds of unit of one repository meet only while a change of its ``rollout:``
        or ``rendered:`` reaches the replicas one by one.)"""
        if unit.count:
            return self._others.get(unit) or self._leases.get(self._lock(unit.repository).name)
        claims = [who for u, who in self._others.items() if u.repository == unit.repository]
        return min(claims, default=None)

    def _confirm(self) -> None:
        """Claims written and now seen uncontested are held; contested ones wait, or are
        withdrawn by the higher identity (see the module doc)."""
        withdrawn: list[Unit] = []
        with self._cond:
            for unit in sorted(self._pending):
                if unit.count and unit not in self._claimed:
                    continue  # not written yet
                rival = self._rival(unit)
                if rival is None:
                    self._pending.discard(unit)
                    self._held.add(unit)
                    if unit.count:
                        self._renewed_at[unit] = self._member_renewed_at
                elif rival < self.identity:
                    self._pending.discard(unit)
                    withdrawn.append(unit)
        for unit in withdrawn:
            if not unit.count:
                self._lock(unit.repository).release()

    def _renew(self) -> None:
        with self._cond:
            holding = sorted(
                self._held | self._draining | {u for u in self._pending if not u.count}
            )
        for unit in holding:
            if unit.count:  # a bucket: its claim was renewed with the membership
                if self._others.get(unit) is None:
                    self._renewed_at[unit] = self._member_renewed_at
                    continue
            elif self._lock(unit.repository).try_acquire_or_renew():
                self._renewed_at[unit] = time.monotonic()
                continue
            log.warning("shard taken by another replica: stopping it", **_fields(unit))
            with self._cond:
                self._held.discard(unit)
                self._draining.discard(unit)
                self._pending.discard(unit)

    def _drain(self, mine: set[Unit]) -> None:
        with self._cond:
            for unit in self._held - mine:
                self._held.discard(unit)
                self._draining.add(unit)
            given_up = {u for u in self._pending - mine if not u.count}
            self._pending &= mine
            back = self._draining & mine
            self._held |= back
            self._draining -= back
            done = sorted(self._draining - self._running)
            self._draining -= set(done)
        for unit in [*done, *sorted(given_up)]:
            if not unit.count:  # a bucket's claim goes with the member Lease's next write
                self._lock(unit.repository).release()
        if done:
            log.info(
                "shard handed over",
                repositories=sorted({u.repository for u in done}),
                units=len(done),
            )

    def _acquire(self, mine: set[Unit]) -> None:
        with self._cond:
            wanted = sorted(mine - self._held - self._pending)
        waiting: list[Unit] = []
        for unit in wanted:
            if self._rival(unit) is not None:
                waiting.append(unit)
            elif unit.count:
                with self._cond:
                    self._pending.add(unit)
            elif self._lock(unit.repository).try_acquire_or_renew():
                self._renewed_at[unit] = time.monotonic()
                with self._cond:  # with buckets about, held once no claim is seen after it
                    (self._pending if self.app_shards else self._held).add(unit)
            else:
                waiting.append(unit)
        if waiting:  # one line per round, not one per bucket
            log.info(
                "assigned; waiting for the previous owner",
                repositories=sorted({u.repository for u in waiting}),
                units=len(waiting),
            )

    def _expire_unrenewed(self) -> None:
        """A holder that cannot renew stops before its Lease can expire (2/3 of it)."""
        deadline = self.duration * 2 / 3
        now = time.monotonic()
        with self._cond:
            for unit in list(self._held | self._draining):
                if now - self._renewed_at.get(unit, 0.0) >= deadline:
                    self._held.discard(unit)
                    self._draining.discard(unit)
            if now - self._member_renewed_at >= deadline:
                self._pending.clear()

    def _live_members(self) -> set[str]:
        resource = self.cluster.resource("coordination.k8s.io/v1", "Lease")
        now, live, disagreeing = self._clock(), set(), set()
        others: dict[Unit, str] = {}
        leases: dict[str, str] = {}
        prefix = f"{self.prefix}-member-"
        for lease in self.cluster.list_objects(resource, namespace=self.namespace):
            name = str(lease["metadata"]["name"])
            spec = lease.get("spec") or {}
            age = _age_in_durations(spec, now, self.duration)
            if not name.startswith(prefix):
                holder = str(spec.get("holderIdentity") or "")
                if holder and holder != self.identity and age <= 1:
                    leases[name] = holder
                continue
            if spec.get("holderIdentity") and age <= 1:
                holder = str(spec["holderIdentity"])
                live.add(holder)
                if holder == self.identity:
                    continue
                labels = lease["metadata"].get("labels") or {}
                if _app_shards(labels) != self.app_shards:
                    disagreeing.add(holder)
                notes = lease["metadata"].get("annotations") or {}
                for unit in decode_claims(notes.get(CLAIMS_ANNOTATION, ""), self.app_shards):
                    others[unit] = min(holder, others.get(unit, holder))
            elif age > _FORGET_AFTER or not spec.get("holderIdentity"):
                self._forget(resource.path(self.namespace, name), lease)
        self.disagreeing = tuple(sorted(disagreeing))
        self._others, self._leases = others, leases
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

    def _lock_for(self, name: str, labels: dict[str, str] | None = None) -> LeaseLock:
        return LeaseLock(
            self.cluster,
            namespace=self.namespace,
            name=name,
            identity=self.identity,
            duration=self.duration,
            clock=self._clock,
            labels=labels,
        )


def _app_shards(labels: dict[str, Any]) -> int:
    """What a member Lease says its replica uses (no label: an older version, whole
    repositories); a value that is not a number never agrees."""
    text = str(labels.get(APP_SHARDS_LABEL, "0"))
    count = int(text) if text.isdigit() else -1
    return count if count > 1 or count < 0 else 0


def _fields(unit: Unit) -> dict[str, Any]:
    if not unit.count:
        return {"repo": unit.repository}
    return {"repo": unit.repository, "bucket": f"{unit.bucket}/{unit.count}"}
