"""What the runs of each repository said so far: the facts ``/readyz`` decides from.

A repository counts as attempted after its first run, whatever the result. A
run that raised (a bug: expected failures are reports, not exceptions) starts
or extends a crash streak; ``CRASHES_UNTIL_NOT_READY`` in a row make the
repository "crashing" until a run completes. The last run that reached the
cluster also says whether the cluster answers, so probes rarely need to ask.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reporting import ReconcileReport

CRASHES_UNTIL_NOT_READY = 3


@dataclass(frozen=True, slots=True)
class ClusterSeen:
    reachable: bool
    at: float  # time.monotonic()


class RunLog:
    """Thread-safe: the scheduler's workers record, the HTTP threads read."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._lock = threading.Lock()
        self._attempted: set[str] = set()
        self._crashes: dict[str, int] = {}
        self._cluster: ClusterSeen | None = None

    def record(self, name: str, report: ReconcileReport | None) -> None:
        """One finished run; ``report`` is None when it crashed."""
        with self._lock:
            self._attempted.add(name)
            streak = self._crashes.get(name, 0) + 1 if report is None else 0
            self._crashes[name] = streak
            if report is not None and report.cluster_reached is not None:
                self._cluster = ClusterSeen(report.cluster_reached, time.monotonic())
        if report is None:
            self._metrics.reconcile_crashes.labels(name).inc()
        self._metrics.crash_streak.labels(name).set(streak)

    def saw_cluster(self, reachable: bool) -> None:
        with self._lock:
            self._cluster = ClusterSeen(reachable, time.monotonic())

    def forget(self, name: str) -> None:
        """A repository no longer reconciled here: its runs say nothing any more."""
        with self._lock:
            self._attempted.discard(name)
            self._crashes.pop(name, None)
        try:
            self._metrics.crash_streak.remove(name)
        except KeyError:
            return

    def not_attempted(self, names: set[str]) -> list[str]:
        with self._lock:
            return sorted(names - self._attempted)

    def crashing(self, names: set[str]) -> dict[str, int]:
        """Repositories among ``names`` whose last runs crashed, with their streaks."""
        with self._lock:
            return {
                name: streak
                for name, streak in sorted(self._crashes.items())
                if name in names and streak >= CRASHES_UNTIL_NOT_READY
            }

    def cluster(self, *, fresher_than: float) -> bool | None:
        """What the last look at the cluster said, when it is recent enough."""
        with self._lock:
            seen = self._cluster
        if seen is None or time.monotonic() - seen.at >= fresher_than:
            return None
        return seen.reachable
