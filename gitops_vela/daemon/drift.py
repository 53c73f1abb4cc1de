"""Correcting drift without fighting: a per-object backoff.

With the watch cache a live edit is corrected within a second or two. When
another controller keeps changing a field gitops-vela applies (an operator,
an HPA on ``replicas``), correcting at once would be a hot loop of writes.
So each correction is counted per object: an object corrected ``LIMIT`` times
within ``WINDOW`` seconds is *held* (its drift is reported, not written) for a
pause that doubles each time the fight resumes (``BASE`` up to ``CAP``).
The hold's reason says so; it shows in the app's status (OutOfSync), its
Event, a log line and ``gitops_vela_drift_held_objects``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gitops_vela.model.changes import Action
from gitops_vela.model.objects import ObjectRef
from gitops_vela.sync import AppResult
from gitops_vela.sync.plan import DRIFTED

WINDOW = 60.0
LIMIT = 3
BASE, CAP = 10.0, 300.0


@dataclass(slots=True)
class _Record:
    times: list[float] = field(default_factory=list)  # corrections within the window
    pause: float = 0.0  # the last hold's length (0: never held)
    until: float = 0.0  # held until then (monotonic)


class Corrections:
    """The drift corrections of one repository's objects, and which are held now."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._records: dict[ObjectRef, _Record] = {}

    def record(self, apps: Iterable[AppResult]) -> list[tuple[ObjectRef, float]]:
        """Count this run's corrections; the objects that start a hold now, with its length."""
        now, started = self._clock(), []
        for app in apps:
            for change in app.changes.changes:
                if change.action is not Action.CONFIGURED or change.dry_run:
                    continue
                if DRIFTED not in change.reason:
                    continue
                record = self._records.setdefault(change.ref, _Record())
                record.times = [t for t in record.times if now - t < WINDOW] + [now]
                if len(record.times) >= LIMIT and record.until <= now:
                    record.pause = min(CAP, record.pause * 2 or BASE)
                    record.until = now + record.pause
                    record.times.clear()
                    started.append((change.ref, record.pause))
        self._forget(now)
        return started

    def held(self) -> dict[ObjectRef, str]:
        """Objects whose drift is not corrected now, each with the reason people see."""
        now = self._clock()
        return {
            ref: (
                f"not corrected for {record.until - now:.0f} s more: it was corrected {LIMIT}"
                f" times within {WINDOW:.0f} s (another controller keeps changing it)"
            )
            for ref, record in self._records.items()
            if record.until > now
        }

    def _forget(self, now: float) -> None:
        """Drop objects quiet for long (bounded memory)."""
        for ref in [
            r
            for r, rec in self._records.items()
            if rec.until + CAP < now and not any(now - t < WINDOW for t in rec.times)
        ]:
            del self._records[ref]
