"""Scheduling: immediate first run, one run per repository at a time, triggers, backoff, stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from gitops_vela.daemon.scheduler import RepositoryScheduler, retry_delay


def wait_for(condition: Callable[[], bool], *, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


class Recorder:
    """A run function that records calls and can hold a run until released."""

    def __init__(self, *, hold: bool = False, ok: bool = True) -> None:
        self.calls: list[str] = []
        self.active = 0
        self.max_active = 0
        self.ok = ok
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self, name: str) -> bool:
        with self._lock:
            self.calls.append(name)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.release.wait(timeout=10)
        with self._lock:
            self.active -= 1
        return self.ok


@pytest.fixture
def make() -> Iterator[Callable[[Recorder], RepositoryScheduler]]:
    made: list[RepositoryScheduler] = []

    def factory(recorder: Recorder) -> RepositoryScheduler:
        scheduler = RepositoryScheduler(recorder, workers=4)
        scheduler.start()
        made.append(scheduler)
        return scheduler

    yield factory
    for scheduler in made:
        scheduler.stop(timeout=5)


def test_every_repository_runs_at_once_and_then_at_its_interval(
    make: Callable[[Recorder], RepositoryScheduler],
) -> None:
    recorder = Recorder()
    scheduler = make(recorder)
    scheduler.schedule("a", interval=1)
    scheduler.schedule("b", interval=3600)
    wait_for(lambda: {"a", "b"} <= set(recorder.calls))
    wait_for(lambda: recorder.calls.count("a") >= 2)
    assert recorder.calls.count("b") == 1


def test_triggers_during_a_run_make_exactly_one_more_run(
    make: Callable[[Recorder], RepositoryScheduler],
) -> None:
    recorder = Recorder(hold=True)
    scheduler = make(recorder)
    scheduler.schedule("a", interval=3600)
    wait_for(lambda: recorder.active == 1)
    for _ in range(5):
        assert scheduler.trigger("a")
    time.sleep(0.2)  # give a wrongly concurrent run the chance to start
    assert recorder.max_active == 1
    recorder.release.set()
    wait_for(lambda: len(recorder.calls) == 2 and recorder.active == 0)
    time.sleep(0.2)
    assert len(recorder.calls) == 2 and recorder.max_active == 1


def test_a_trigger_when_idle_runs_now(make: Callable[[Recorder], RepositoryScheduler]) -> None:
    recorder = Recorder()
    scheduler = make(recorder)
    scheduler.schedule("a", interval=3600)
    wait_for(lambda: len(recorder.calls) == 1 and recorder.active == 0)
    assert scheduler.trigger("a")
    wait_for(lambda: len(recorder.calls) == 2)
    assert not scheduler.trigger("unknown")


def test_a_failing_repository_backs_off(make: Callable[[Recorder], RepositoryScheduler]) -> None:
    recorder = Recorder(ok=False)
    scheduler = make(recorder)
    scheduler.schedule("a", interval=1)
    wait_for(lambda: len(recorder.calls) >= 2, timeout=5)
    first_two = time.monotonic()
    # After two failures the next attempt waits two intervals, not one.
    wait_for(lambda: len(recorder.calls) >= 3, timeout=5)
    assert time.monotonic() - first_two > 1.5


@pytest.mark.parametrize(
    ("interval", "failures", "delay"),
    [
        (60, 0, 60),
        (60, 1, 60),
        (60, 2, 120),
        (60, 3, 240),
        (60, 4, 300),
        (60, 40, 300),
        (1, 5, 10),
        (1, 50, 10),
        (600, 3, 600),
    ],
)
def test_retry_delays(interval: float, failures: int, delay: float) -> None:
    assert retry_delay(interval, failures) == delay


def test_stop_waits_for_the_run_in_flight(make: Callable[[Recorder], RepositoryScheduler]) -> None:
    recorder = Recorder(hold=True)
    scheduler = make(recorder)
    scheduler.schedule("a", interval=3600)
    wait_for(lambda: recorder.active == 1)
    assert scheduler.stop(timeout=0.1) is False  # still running: bounded wait gave up
    threading.Timer(0.2, recorder.release.set).start()
    assert scheduler.stop(timeout=5) is True
    assert recorder.active == 0
    assert not scheduler.trigger("a")  # stopped: nothing new starts


def test_unscheduled_repositories_stop_running(
    make: Callable[[Recorder], RepositoryScheduler],
) -> None:
    recorder = Recorder()
    scheduler = make(recorder)
    scheduler.schedule("a", interval=1)
    wait_for(lambda: len(recorder.calls) == 1)
    scheduler.unschedule("a")
    time.sleep(1.3)
    assert len(recorder.calls) == 1 and scheduler.names == ()


@pytest.mark.reliability
def test_a_burst_of_triggers_coalesces_into_one_or_two_runs(
    make: Callable[[Recorder], RepositoryScheduler],
) -> None:
    recorder = Recorder()
    scheduler = make(recorder)
    scheduler.schedule("a", interval=3600)
    wait_for(lambda: len(recorder.calls) == 1 and recorder.active == 0)
    threads = [threading.Thread(target=scheduler.trigger, args=("a",)) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_for(lambda: len(recorder.calls) >= 2)
    time.sleep(1.5)  # past the spacing: a wrongly remembered third run would start now
    assert len(recorder.calls) in (2, 3)  # the first run, then one or two for the burst
    assert recorder.max_active == 1
