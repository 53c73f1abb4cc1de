"""The emulator in its own process, so it never shares a GIL or CPU accounting with gitops-vela.

``EmulatorProcess`` starts ``vela_emulator.Emulator`` in a ``spawn``
child and talks to it over a pipe: ``counters()`` (requests served, reads,
writes that changed or could change state, i.e. without dry runs), ``reset()``
(an empty cluster and zeroed counters) and ``close()``. The kubeconfig it
wrote is ``kubeconfig``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_MUTATING = (("api", "create"), ("api", "update"), ("api", "patch"), ("deleter", "delete"))


@dataclass(frozen=True)
class Counts:
    """Requests the emulator served since the last reset (discovery and OpenAPI included)."""

    requests: int
    reads: int
    writes: int  # create/update/patch/delete that were not dry runs
    dry_runs: int
    by_verb: dict[str, int]
    cpu_seconds: float  # CPU the emulator process used (user + system), all threads


class EmulatorProcess:
    def __init__(self, kubeconfig: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=serve, args=(child, str(kubeconfig)), name="bench-emulator", daemon=True
        )
        self._process.start()
        child.close()
        self.kubeconfig = Path(self._conn.recv())

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()

    def counters(self) -> Counts:
        return Counts(**self._ask("counters"))

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        if self._process.is_alive():
            self._ask("stop")
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(conn: Connection, kubeconfig: str) -> None:
    """Child side: run the emulator until told to stop."""
    from vela_emulator import Emulator

    emulator = Emulator(port=0, kubeconfig=kubeconfig)
    dry_runs = _count_dry_runs(emulator)
    with emulator:
        conn.send(str(emulator.kubeconfig_path))
        while True:
            command = conn.recv()
            if command == "counters":
                snap = emulator.counters.snapshot()
                conn.send(
                    {
                        "requests": snap["total"],
                        "reads": snap["reads"],
                        "writes": snap["writes"] - dry_runs.value,
                        "dry_runs": dry_runs.value,
                        "by_verb": snap["by_verb"],
                        "cpu_seconds": sum(os.times()[:2]),
                    }
                )
            elif command == "reset":
                emulator.reset()
                dry_runs.reset()
                conn.send(None)
            else:
                conn.send(None)
                return


class _Tally:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1

    def reset(self) -> None:
        with self._lock:
            self.value = 0


def _count_dry_runs(emulator: Any) -> _Tally:
    """Count dry-run writes: the emulator's counters tell verbs, not ``dryRun=All``."""
    tally = _Tally()
    for owner, method in _MUTATING:
        target = getattr(emulator, owner)
        setattr(target, method, _counting(getattr(target, method), tally))
    return tally


def _counting(call: Callable[..., Any], tally: _Tally) -> Callable[..., Any]:
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.dry_run:
            tally.add()
        return call(request, *args, **kwargs)

    return wrapper
