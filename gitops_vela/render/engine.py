"""The Jsonnet engine, behind one module (gojsonnet today; another binding fits here).

Evaluations run in warm worker processes so each gets a wall-clock limit: a
worker that overruns is killed and replaced, and the evaluation becomes an
error instead of a hang. Workers are fresh interpreters started with
``subprocess`` (the spawn model: gojsonnet can deadlock after ``fork``),
talking over a pair of pipes. A job is pure data: the program, and every
file it may import (the catalog read them through the sandbox), so a worker
never touches the disk and imports cannot reach anything else.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from gitops_vela.errors import RenderError
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings.tree import DEFAULT_RENDER_TIMEOUT, RenderSettings

MAX_STACK = 500


@dataclass(frozen=True)
class Job:
    """One Jsonnet program. ``entries`` maps import names used by the program to found paths."""

    filename: str
    source: str
    files: Mapping[str, str] = field(default_factory=dict)
    entries: Mapping[str, str] = field(default_factory=dict)
    ext_vars: Mapping[str, str] = field(default_factory=dict)
    ext_codes: Mapping[str, str] = field(default_factory=dict)
    tla_codes: Mapping[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_RENDER_TIMEOUT


@dataclass(frozen=True)
class JobResult:
    """The JSON text a program produced, or its error.

    ``timed_out``: it ran out of time; ``crashed``: the worker died under it
    (the Go runtime aborts on a stack overflow, e.g. endless ``tailstrict``
    recursion, which ``max_stack`` does not catch).
    """

    ok: bool
    text: str
    timed_out: bool = False
    crashed: bool = False

    @property
    def fatal(self) -> bool:
        return self.timed_out or self.crashed


# -- the worker side ---------------------------------------------------------------------


def serve(read_fd: int, write_fd: int, memory_mb: int) -> None:
    """Worker main loop: receive jobs, evaluate, send outcomes, until the pipe closes."""
    _limit_memory(memory_mb)
    import _gojsonnet  # imported here: only workers load the Go runtime

    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    while True:
        try:
            job = inbox.recv()
        except EOFError:
            return
        outbox.send(_evaluate(_gojsonnet, job))


def _limit_memory(memory_mb: int) -> None:
    """Cap the worker's address space, so a template allocating without bound makes the Go
    runtime abort (reported as a crash) instead of exhausting the machine. The Go runtime
    reserves ~1.6 GiB of address space at start; rendering needs little on top."""
    import resource

    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _evaluate(jsonnet: Any, job: Job) -> JobResult:
    try:
        text = jsonnet.evaluate_snippet(
            job.filename,
            job.source,
            import_callback=_importer(job),
            ext_vars=dict(job.ext_vars),
            ext_codes=dict(job.ext_codes),
            tla_codes=dict(job.tla_codes),
            max_stack=MAX_STACK,
        )
    except RuntimeError as exc:
        return JobResult(False, str(exc).strip())
    except Exception as exc:  # a binding failure must not kill the worker
        return JobResult(False, f"the Jsonnet engine failed: {type(exc).__name__}: {exc}")
    return JobResult(True, text)


def _importer(job: Job) -> Any:
    from gitops_vela.catalog.sandbox import PathRefused, import_candidates

    main_dir = job.filename.rpartition("/")[0] + "/"

    def resolve(base: str, imported: str) -> tuple[str, bytes]:
        if base == main_dir and imported in job.entries:
            found = job.entries[imported]
            return found, job.files[found].encode()
        try:
            candidates = import_candidates(base + "_", imported)
        except PathRefused as exc:
            return _refusal(f"import refused: {exc}")
        for found in candidates:
            if found in job.files:
                return found, job.files[found].encode()
        return _refusal(
            f"import {imported!r} not found (imports resolve inside the definition's "
            "repository and the built-in library)"
        )

    return resolve


def _refusal(message: str) -> tuple[str, bytes]:
    """A refused import as a file that fails when evaluated.

    Raising from the import callback makes gojsonnet return a garbled error
    message now and then (invalid UTF-8); an ``error`` expression gives the
    same message, with a stack trace pointing at the import.
    """
    return f"<refused>/{abs(hash(message))}", f"error {json.dumps(message)}".encode()


# -- the parent side ---------------------------------------------------------------------


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        package_parent = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, env.get("PYTHONPATH")]))
        code = (
            "from gitops_vela.render.engine import serve; "
            f"serve({child_read}, {child_write}, {int(memory_mb)})"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", code],
            pass_fds=(child_read, child_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        os.close(child_read)
        os.close(child_write)
        self.inbox = Connection(parent_read, writable=False)
        self.outbox = Connection(parent_write, readable=False)

    def stop(self) -> None:
        self.outbox.close()
        self.inbox.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Pool:
    """Warm Jsonnet workers shared by every render of this process (thread-safe)."""

    def __init__(self, settings: RenderSettings) -> None:
        self.settings = settings
        self.size = max(1, settings.workers)
        self._idle: list[_Worker] = []
        self._count = 0
        self._closed = False
        self._lock = threading.Condition()

    def run(self, jobs: Sequence[Job]) -> list[JobResult]:
        """Evaluate ``jobs`` in parallel on up to ``size`` workers; outcomes in job order."""
        results: list[JobResult | None] = [None] * len(jobs)
        pending = list(range(len(jobs)))[::-1]
        busy: dict[Connection, tuple[_Worker, int, float]] = {}
        free: list[_Worker] = [self._blocking_acquire()] if jobs else []
        try:
            while pending or busy:
                while pending and (free or self._grow(free)):
                    worker, index = free.pop(), pending.pop()
                    try:
                        worker.outbox.send(jobs[index])
                    except OSError:  # died while idle: the job never started, run it elsewhere
                        self._discard(worker)
                        pending.append(index)
                        continue
                    busy[worker.inbox] = (worker, index, time.monotonic() + jobs[index].timeout)
                if not pending and free:  # let other callers use what this one no longer needs
                    self._release(free)
                    free = []
                if busy:
                    self._collect(busy, free, results)
                elif pending and not free:
                    free.append(self._blocking_acquire())
        finally:
            for worker, _, _ in busy.values():
                self._discard(worker)
            self._release(free)
        return [r if r is not None else JobResult(False, "not evaluated") for r in results]

    def start(self) -> None:
        """Start every worker now without waiting for them: a one-shot command lets their
        interpreters boot while it reads the repository (0.3 s of a CLI's start)."""
        started: list[_Worker] = []
        while (worker := self._acquire(block=False)) is not None:
            started.append(worker)
        self._release(started)

    def _blocking_acquire(self) -> _Worker:
        worker = self._acquire(block=True)
        assert worker is not None  # a blocking acquire always returns a worker
        return worker

    def _grow(self, free: list[_Worker]) -> bool:
        """Take one more worker when one is idle or may still be started."""
        worker = self._acquire(block=False)
        if worker is not None:
            free.append(worker)
        return worker is not None

    def _collect(
        self,
        busy: dict[Connection, tuple[_Worker, int, float]],
        free: list[_Worker],
        results: list[JobResult | None],
    ) -> None:
        deadline = min(entry[2] for entry in busy.values())
        ready = wait(list(busy), timeout=max(0.0, deadline - time.monotonic()))
        by_handle = {conn: conn for conn in busy}
        for handle in ready:
            conn = by_handle[handle]  # type: ignore[index]
            worker, index, _ = busy.pop(conn)
            try:
                results[index] = conn.recv()
                free.append(worker)
            except (EOFError, OSError):
                try:
                    code = worker.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    code = None
                text = f"the Jsonnet worker died (exit code {code})"
                results[index] = JobResult(False, text, crashed=True)
                self._discard(worker)
        now = time.monotonic()
        for conn, (worker, index, ends) in list(busy.items()):
            if ends <= now:
                del busy[conn]
                results[index] = JobResult(False, "evaluation timed out", timed_out=True)
                self._discard(worker)

    def _acquire(self, *, block: bool) -> _Worker | None:
        with self._lock:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._count < self.size:
                    self._count += 1
                    break
                if not block:
                    return None
                self._lock.wait()
        try:
            return _Worker(self.settings.memory_mb)
        except OSError as exc:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise RenderError(
                Diagnostic("<engine>", f"cannot start a Jsonnet worker: {exc}")
            ) from exc

    def _release(self, workers: list[_Worker]) -> None:
        with self._lock:
            closed = self._closed
            if not closed:
                self._idle.extend(workers)
                self._lock.notify_all()
        for worker in workers if closed else ():  # a replaced pool: its runs end its workers
            self._discard(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._count -= 1
            self._lock.notify()

    def close(self) -> None:
        """Stop the idle workers (busy ones stop when their run ends)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
        for worker in idle:
            worker.stop()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool(settings: RenderSettings | None = None) -> Pool:
    """The process-wide pool: warm workers outlive one render.

    ``settings`` are the caller's (from the settings tree); a pool started with
    another worker count or memory limit is replaced. Without settings: the
    running pool, or one with the defaults.
    """
    global _pool
    with _pool_lock:
        current = _pool
        if current is not None and (
            settings is None or _shape(settings) == _shape(current.settings)
        ):
            return current
        _pool = Pool(settings or RenderSettings())
        import atexit

        atexit.register(_pool.close)
        fresh = _pool
    if current is not None:
        current.close()
    return fresh


def _shape(settings: RenderSettings) -> tuple[int, int]:
    return settings.workers, settings.memory_mb


def shutdown() -> None:
    """Stop the process-wide pool's workers (a later render starts new ones)."""
    global _pool
    with _pool_lock:
        current, _pool = _pool, None
    if current is not None:
        current.close()


def evaluate(jobs: Sequence[Job], *, settings: RenderSettings | None = None) -> list[JobResult]:
    return pool(settings).run(jobs)


def call_function(source: str, *, args: Mapping[str, Any], name: str, timeout: float = 5.0) -> Any:
    """Evaluate Jsonnet ``source`` yielding a function, called with ``args`` as named arguments.

    For health policies: ``call_function(policy, args={"object": live}, name="healthPolicy of
    definition 'x'")``. The built-in library is importable. Errors (including running out of
    time) raise ``RenderError`` naming ``name``.
    """
    from gitops_vela.render.library import library_files

    job = Job(
        filename="<function>/main.jsonnet",
        source=source,
        files=library_files(),
        tla_codes={key: json.dumps(value, default=str) for key, value in args.items()},
        timeout=timeout,
    )
    (outcome,) = evaluate([job])
    if not outcome.ok:
        reason = outcome.text
        if outcome.timed_out:
            reason = f"did not finish within {timeout:g}s"
        elif outcome.crashed:
            reason = "crashed the Jsonnet engine (stack overflow or out of memory)"
        raise RenderError(Diagnostic(name, reason))
    return json.loads(outcome.text)
