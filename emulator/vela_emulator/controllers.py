"""The controller loop: kube-controller-manager's asynchronous work, one round per tick.

Controllers (namespace controller, garbage collector, workload controllers)
keep queues of work the API verbs hand them. A background thread wakes when
work is queued and runs one round of every controller each ``tick`` seconds,
under the store lock, so deletion and rollouts take a few ticks and happen in
order, as on a cluster. Nothing runs while every queue is empty.

Tests wait with :meth:`ControllerLoop.settle` (rounds until all queues are
empty) instead of sleeping.
"""

from __future__ import annotations

import threading
from typing import Protocol

from vela_emulator.store import Store

DEFAULT_TICK = 0.02
SETTLE_ROUNDS = 200  # more rounds than any finite cascade needs; a finalizer stops it earlier


class Controller(Protocol):
    def busy(self) -> bool:
        """Whether a round would do something."""

    def round(self) -> None:
        """Do one round of queued work (called under the store lock)."""

    def reset(self) -> None:
        """Forget all queued work (the store was emptied)."""

    def resync(self) -> None:
        """Queue what the store's current objects need (after loading a snapshot)."""


class ControllerLoop:
    """Runs its controllers' rounds on a background thread, one round per tick."""

    def __init__(self, store: Store, *, tick: float = DEFAULT_TICK) -> None:
        self.store = store
        self._tick = tick
        self._nap = threading.Event()  # set to cut the pause between rounds short
        self.controllers: list[Controller] = []
        self._wake = threading.Condition(store.lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def tick(self) -> float:
        return self._tick

    @tick.setter
    def tick(self, seconds: float) -> None:
        self._tick = seconds
        self._nap.set()

    def add(self, controller: Controller) -> None:
        self.controllers.append(controller)

    def kick(self) -> None:
        """Work was queued (caller holds the store lock)."""
        self._wake.notify_all()

    def busy(self) -> bool:
        return any(c.busy() for c in self.controllers)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="emulator-controllers", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._nap.set()
        with self._wake:
            self._wake.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        with self.store.lock:
            for controller in self.controllers:
                controller.reset()

    def resync(self) -> None:
        with self.store.lock:
            for controller in self.controllers:
                controller.resync()
            self.kick()

    def round(self) -> None:
        with self.store.lock:
            for controller in self.controllers:
                if controller.busy():
                    controller.round()

    def settle(self, *, rounds: int = SETTLE_ROUNDS) -> None:
        """Run rounds now until no controller has work (or ``rounds`` ran: a finalizer holds)."""
        for _ in range(rounds):
            with self.store.lock:
                if not self.busy():
                    return
                self.round()
        self._nap.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                if not self.busy():
                    self._wake.wait(timeout=1.0)
                    continue
            self._nap.clear()
            self._nap.wait(self._tick)  # work waits a tick, as in a controller's queue
            self.round()
