"""The daemon process: logging, the cluster, signals, reloads, a bounded shutdown.

- SIGTERM / SIGINT: stop scheduling, let the reconciles in flight finish
  (up to ``shutdown_timeout``), exit 0 (1 when one had to be abandoned).
- SIGHUP, or the config file changing on disk (a ConfigMap update): re-read
  the config; a broken file is logged and the running config is kept.
- Log lines go to stdout; when its reader goes away (``run ... | head``) the
  lines are dropped and the daemon runs and stops as before.
"""

from __future__ import annotations

import gc
import hashlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO, cast

from gitops_vela import logs
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.embedded import EmbeddedCluster
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.service import Daemon
from gitops_vela.errors import ConfigError, GitopsVelaError
from gitops_vela.settings import Settings

log = logs.get_logger("gitops_vela.daemon")
CONFIG_CHECK_INTERVAL = 5.0

# Python's default (700, 10, 10) runs a young collection every 700 new container
# objects. A quiet poll of 1,000 apps parses ~9 MB of list responses (~500,000
# dicts and lists that live until the poll ends), which triggered ~400 young and
# 2-3 full collections per poll: a third of its CPU (bench/RESULTS.md). Refcounting
# frees almost all garbage here; cycles are rare, so collecting less often costs
# little memory.
GC_THRESHOLDS = (10_000, 10, 10)

Reloader = Callable[[], Settings]
"""Re-reads the settings (the config file plus the same flags and environment)."""


def configure_logging(settings: Settings) -> None:
    fmt = settings.log_format
    json = None if fmt == "auto" else fmt == "json"
    # structlog needs write, flush and isatty only: what LogOutput has.
    stream = cast(TextIO, LogOutput(sys.stdout))
    logs.configure(json=json, level=settings.log_level, stream=stream)


class LogOutput:
    """The stream log lines are written to; a closed reader must not stop the daemon.

    A write to a pipe whose reader left raises ``BrokenPipeError`` in whichever
    thread logs, a scheduler worker included, which then dies and leaves
    shutdown waiting for it forever. Here the first failed write points the
    file descriptor at ``/dev/null`` (so the interpreter's own flush at exit
    succeeds too) and every later line is dropped.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self.gone = False

    def write(self, text: str) -> int:
        with self._lock:
            if not self.gone:
                try:
                    self._stream.write(text)
                except (OSError, ValueError):  # EPIPE, or the stream was closed
                    self._give_up()
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if not self.gone:
                try:
                    self._stream.flush()
                except (OSError, ValueError):
                    self._give_up()

    def isatty(self) -> bool:
        try:
            return self._stream.isatty()
        except ValueError:
            return False

    def _give_up(self) -> None:
        self.gone = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            return  # no descriptor to redirect: later lines are dropped all the same


def tune_gc() -> None:
    """Collect garbage cycles less often: the daemon allocates in bursts of big lists."""
    gc.set_threshold(*GC_THRESHOLDS)


def run(settings: Settings, *, reload: Reloader | None = None) -> int:
    """Run until SIGTERM/SIGINT. The exit code of ``gitops-vela run``."""
    configure_logging(settings)
    tune_gc()
    try:
        clean = _serve(settings, reload=reload)
    except GitopsVelaError as exc:  # e.g. no cluster configured, the port is taken
        # Not a reconcile: no status ``reason`` (ReconciliationFailed...) belongs here.
        log.error("cannot run the daemon", error=exc.message)
        return 2
    except Exception:  # a bug: one JSON line with its traceback, not a raw dump
        log.exception("the daemon crashed")
        return 1
    if not clean:
        # A reconcile is still running past the shutdown timeout; the interpreter
        # would wait for its thread at exit, so leave now.
        sys.stdout.flush()
        os._exit(1)
    return 0


def _serve(settings: Settings, *, reload: Reloader | None) -> bool:
    """Serve until a stop signal; True when every reconcile finished in time."""
    metrics = Metrics()
    with ExitStack() as stack:
        kubeconfig = settings.cluster.kubeconfig
        if settings.cluster.embedded:
            embedded = stack.enter_context(EmbeddedCluster.start(settings.cache_dir))
            kubeconfig = embedded.kubeconfig
        cluster = Cluster.connect(
            str(kubeconfig) if kubeconfig else None,
            settings.cluster.context,
            prefer_in_cluster=True,
            on_request=lambda verb: metrics.kube_requests.labels(verb).inc(),
        )
        stack.callback(cluster.close)
        daemon = Daemon(settings, cluster=cluster, metrics=metrics)
        with _signals() as events:
            daemon.start()
            _wait(daemon, events, reload=reload)
        clean = daemon.stop(timeout=settings.shutdown_timeout)
    log.info("stopped", clean=clean)
    return clean


class _Events:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.reload = threading.Event()
        self.wake = threading.Event()


@contextmanager
def _signals() -> Iterator[_Events]:
    events = _Events()

    def on_stop(signum: int, _frame: FrameType | None) -> None:
        events.stop.set()
        events.wake.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        events.reload.set()
        events.wake.set()

    handled = {signal.SIGTERM: on_stop, signal.SIGINT: on_stop, signal.SIGHUP: on_hup}
    previous = {sig: signal.signal(sig, handler) for sig, handler in handled.items()}
    try:
        yield events
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait(daemon: Daemon, events: _Events, *, reload: Reloader | None) -> None:
    """The main thread sleeps here; signals wake it."""
    config_file = daemon.settings.config_file
    fingerprint = _fingerprint(config_file)
    while not events.stop.is_set():
        events.wake.wait(timeout=CONFIG_CHECK_INTERVAL)
        events.wake.clear()
        if events.stop.is_set() or reload is None:
            continue
        current = _fingerprint(config_file)
        if events.reload.is_set() or current != fingerprint:
            events.reload.clear()
            fingerprint = current
            _reload(daemon, reload)


def _reload(daemon: Daemon, reload: Reloader) -> None:
    try:
        settings = reload()
    except ConfigError as exc:
        log.error("config reload failed: keeping the running config", errors=exc.message)
        return
    daemon.reload(settings)


def _fingerprint(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""
