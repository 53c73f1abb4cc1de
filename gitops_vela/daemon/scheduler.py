"""When each repository is reconciled (APScheduler 3.x, one interval job per repository).

- Every job runs at its interval plus a small jitter, so many repositories do
  not hit the Git server in the same second.
- One repository never runs twice at once (``max_instances=1``); a trigger
  (webhook, config reload) that arrives during a run is remembered and runs
  right after it, so no push is lost.
- Triggers coalesce: one that is still waiting to start, or already
  remembered for after the run in flight, absorbs the next ones (a burst of
  200 webhooks makes one or two runs, each of which sees the latest commit),
  and a triggered run starts at least ``trigger_spacing`` after the previous
  run started, so a flood costs at most one run a second per repository.
- A failed run is retried with exponential backoff from the interval, capped
  (``retry_delay``); a success returns to the plain interval.
- ``stop`` stops scheduling and waits, bounded, for the runs in flight.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

RunFunction = Callable[[str], bool]
"""Reconcile the named repository; False when it failed and is worth retrying with backoff
(a failure that is not retryable returns True: the repository stays on its interval)."""

MAX_JITTER = 30.0
MAX_RETRY_DELAY = 300.0
TRIGGER_SPACING = 1.0


def jitter(interval: float) -> float:
    """Up to 10% of the interval, at most 30 s."""
    return min(interval * 0.1, MAX_JITTER)


def retry_delay(interval: float, failures: int) -> float:
    """Delay before the next attempt after ``failures`` failures in a row.

    Doubles from the interval; capped at ten intervals or 5 minutes, whichever
    is smaller, but never below the interval itself.
    """
    if failures <= 0:
        return interval
    cap = max(interval, min(10 * interval, MAX_RETRY_DELAY))
    return float(min(interval * 2 ** min(failures - 1, 32), cap))


@dataclass(slots=True)
class _State:
    interval: float
    running: bool = False
    pending: bool = False  # a trigger during the run: run once more right after it
    queued: bool = False  # a triggered run is scheduled and has not started yet
    started: float = float("-inf")  # monotonic time the last run started
    failures: int = 0


class RepositoryScheduler:
    """Runs ``run(name)`` for every scheduled repository."""

    def __init__(
        self, run: RunFunction, *, workers: int = 4, trigger_spacing: float = TRIGGER_SPACING
    ) -> None:
        self._run = run
        self._spacing = trigger_spacing
        self._states: dict[str, _State] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(1, workers))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )

    def start(self) -> None:
        self._scheduler.start()

    @property
    def names(self) -> tuple[str, ...]:
        with self._cond:
            return tuple(self._states)

    def failures(self, name: str) -> int:
        """Failed runs in a row that back ``name`` off (0: on its plain interval)."""
        with self._cond:
            state = self._states.get(name)
            return state.failures if state is not None else 0

    def schedule(self, name: str, *, interval: float) -> None:
        """Add a repository, or replace its schedule; it runs at once, then every interval."""
        with self._cond:
            state = self._states.get(name)
            if state is None:
                self._states[name] = _State(interval=interval)
            else:
                state.interval, state.failures = interval, 0
        self._scheduler.add_job(
            self._fire,
            IntervalTrigger(seconds=interval, jitter=jitter(interval), timezone=UTC),
            args=[name],
            id=name,
            name=f"reconcile {name}",
            replace_existing=True,
            next_run_time=_now(),
        )

    def unschedule(self, name: str) -> None:
        with self._cond:
            self._states.pop(name, None)
        try:
            self._scheduler.remove_job(name)
        except JobLookupError:
            return

    def trigger(self, name: str) -> bool:
        """Run ``name`` now, or right after its run in flight. False when unknown."""
        with self._cond:
            state = self._states.get(name)
            if state is None or self._stopping:
                return False
            if state.running:
                state.pending = True
                return True
            if state.queued:
                return True  # the run about to start covers this trigger too
            state.queued = True
            delay = state.started + self._spacing - time.monotonic()
        self._run_once(name, delay=delay)
        return True

    def stop(self, *, timeout: float) -> bool:
        """Stop scheduling; wait up to ``timeout`` for runs in flight. True when none is left."""
        with self._cond:
            self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        with self._cond:
            return self._cond.wait_for(
                lambda: not any(s.running for s in self._states.values()), timeout=timeout
            )

    def _fire(self, name: str, triggered: bool = False) -> None:
        with self._cond:
            state = self._states.get(name)
            if state is None or self._stopping:
                return
            if triggered:
                state.queued = False
            if state.running:
                # The run in flight covers a tick; a trigger (a new push) needs one more.
                state.pending = state.pending or triggered
                return
            state.running, state.pending = True, False
            state.started = time.monotonic()
        ok = False
        try:
            ok = self._run(name)
        finally:
            self._after_run(name, ok=ok)

    def _after_run(self, name: str, *, ok: bool) -> None:
        with self._cond:
            state = self._states.get(name)
            if state is not None:
                state.running = False
                state.failures = 0 if ok else state.failures + 1
            self._cond.notify_all()
            if state is None or self._stopping:
                return
            failures, interval = state.failures, state.interval
            again = state.pending and not state.queued  # a queued run covers it already
            state.queued = state.queued or again
            delay = state.started + self._spacing - time.monotonic()
        if again:
            self._run_once(name, delay=delay)
        elif failures:
            self._delay_next(name, seconds=retry_delay(interval, failures))

    def _run_once(self, name: str, *, delay: float) -> None:
        # A one-off job of its own: the interval job may still count as running,
        # and APScheduler would skip a second instance of it.
        when = _now() + timedelta(seconds=max(0.0, delay))
        self._scheduler.add_job(
            self._fire, "date", run_date=when, args=[name, True], misfire_grace_time=None
        )

    def _delay_next(self, name: str, *, seconds: float) -> None:
        try:
            self._scheduler.modify_job(name, next_run_time=_now() + timedelta(seconds=seconds))
        except JobLookupError:
            return


def _now() -> datetime:
    return datetime.now(UTC)
