"""Three ``gitops-vela run`` replicas sharing one repository by app (``leaderElection.appShards``).

``measure_shards`` makes a bare Git repository of the generated apps, starts
three daemons (separate processes, as three pods) with
``leaderElection: {mode: shard, appShards: 1024}`` against an emptied emulator,
and waits until, between them, every app was reconciled (the *start*). Then
it pushes one commit that changes every app and waits until each replica
reconciled it (the *commit*: steady state, no hand-over in it). It reports
for each replica the apps of its share (its ``reconciled`` log lines), the
Appfiles it rendered and the objects it wrote, and the requests it sent to
the API server (its own ``gitops_vela_kube_requests_total``), for the start
and for the commit; and the seconds from the start of the processes to the
last app reconciled. Then each replica is stopped (SIGTERM).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _apps
import yaml

REPLICAS = 3
APP_SHARDS = 1024
REPO = "bench"


@dataclass
class Replica:
    """One ``gitops-vela run`` process and the JSON log lines it printed."""

    name: str
    proc: subprocess.Popen[str]
    lines: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.lines.append(event)

    def events(self, name: str) -> list[dict[str, Any]]:
        return [e for e in list(self.lines) if e.get("event") == name]

    def requests(self) -> int:
        """What this replica sent to the API server (its ``gitops_vela_kube_requests_total``)."""
        url = f"http://127.0.0.1:{self.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
        return int(
            sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("gitops_vela_kube_requests_total{")
            )
        )


@dataclass(frozen=True)
class ReplicaFigures:
    """One replica's work in one phase (its runs in it, summed)."""

    name: str
    apps: int  # apps of its share (its last run)
    rendered: int  # Appfiles it rendered
    changed: int  # objects it wrote
    requests: int  # requests it sent to the API server


@dataclass(frozen=True)
class ShardFigures:
    apps: int
    seconds: float  # from the start of the three processes to the last app reconciled
    start: tuple[ReplicaFigures, ...]
    commit: tuple[ReplicaFigures, ...]  # the commit that changed every app

    @property
    def max_share(self) -> float:
        return max(r.apps for r in self.commit) / self.apps

    @property
    def max_rendered_share(self) -> float:
        return max(r.rendered for r in self.commit) / self.apps


_GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], check=True, capture_output=True, text=True, env={**os.environ, **_GIT_ENV}
    )
    return done.stdout.strip()


def make_bare(root: Path, bare: Path) -> tuple[str, Path]:
    """A bare repository holding the generated apps (one commit); its URL and a clone."""
    work = bare.with_name("shards-work")
    shutil.copytree(root, work)
    _git("init", "-q", "--initial-branch=main", str(work))
    _git("-C", str(work), "add", "-A")
    _git("-C", str(work), "commit", "-q", "-m", "bench")
    _git("clone", "-q", "--bare", str(work), str(bare))
    return str(bare), work


def change_every_app(work: Path, bare: str, apps: int) -> str:
    """One commit giving every app a new image and log level; its short sha."""
    for index in range(apps):
        _apps.write_app(work, index, version="1.0.2", log_level="warn")
    _git("-C", str(work), "commit", "-q", "-a", "-m", "every app")
    _git("-C", str(work), "push", "-q", bare, "HEAD:refs/heads/main")
    return _git("-C", str(work), "rev-parse", "--short=12", "HEAD")


def measure_shards(
    workdir: Path, root: Path, *, kubeconfig: Path, apps: int, timeout: float
) -> ShardFigures:
    url, work = make_bare(root, workdir / "shards.git")
    config = workdir / "shards.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repositories": [{"name": REPO, "url": url, "interval": "2s"}],
                "leaderElection": {
                    "mode": "shard",
                    "appShards": APP_SHARDS,
                    "leaseDuration": "5s",
                },
            }
        )
    )
    replicas: list[Replica] = []
    started = time.perf_counter()
    try:
        for index in range(REPLICAS):
            replicas.append(_start(f"replica-{index}", config, kubeconfig, workdir))
        for replica in replicas:
            _wait(lambda r=replica: r.events("daemon started"), 60, f"{replica.name} to start")
            listen = str(replica.events("daemon started")[0]["listen"])
            replica.port = int(listen.rsplit(":", 1)[1])
        _wait(lambda: _reconciled(replicas) == apps, timeout, f"{apps} apps reconciled")
        seconds = time.perf_counter() - started
        start = tuple(_figures(r, r.lines) for r in replicas)
        marks = [len(r.lines) for r in replicas]
        sent = [r.requests() for r in replicas]
        sha = change_every_app(work, url, apps)
        _wait(
            lambda: all(_at(r, sha) for r in replicas), timeout, "every replica at the new commit"
        )
        commit = tuple(
            _figures(r, r.lines[mark:], before=n)
            for r, mark, n in zip(replicas, marks, sent, strict=True)
        )
    finally:
        for replica in replicas:
            _stop(replica)
    return ShardFigures(apps=apps, seconds=seconds, start=start, commit=commit)


def _start(name: str, config: Path, kubeconfig: Path, workdir: Path) -> Replica:
    env = {**os.environ, "GITOPS_VELA_LOG_FORMAT": "json", "POD_NAME": name}
    env.pop("KUBECONFIG", None)
    command = [sys.executable, "-m", "gitops_vela", "run", "--config", str(config)]
    command += ["--kubeconfig", str(kubeconfig), "--listen", "127.0.0.1:0"]
    command += ["--cache-dir", str(workdir / f"cache-{name}")]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    replica = Replica(name, proc)
    threading.Thread(target=replica.read, daemon=True).start()
    return replica


def _reconciled(replicas: list[Replica]) -> int:
    """Apps reconciled between the replicas: each one's last successful run, summed."""
    total = 0
    for replica in replicas:
        if replica.proc.poll() is not None:
            raise SystemExit(f"shards: {replica.name} exited ({replica.proc.returncode})")
        runs = [e for e in replica.events("reconciled") if e.get("failed_apps") == 0]
        total += int(runs[-1]["apps"]) if runs else 0
    return total


def _at(replica: Replica, sha: str) -> bool:
    """The replica's last run reconciled commit ``sha``, every app of its share fine."""
    runs = replica.events("reconciled")
    return bool(runs) and runs[-1].get("revision") == sha and runs[-1].get("failed_apps") == 0


def _figures(replica: Replica, lines: list[dict[str, Any]], *, before: int = 0) -> ReplicaFigures:
    runs = [e for e in lines if e.get("event") == "reconciled"]
    return ReplicaFigures(
        name=replica.name,
        apps=int(runs[-1]["apps"]) if runs else 0,
        rendered=sum(int(e.get("rendered_apps") or 0) for e in runs),
        changed=sum(int(e.get("changed") or 0) for e in runs),
        requests=replica.requests() - before,
    )


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"shards: timed out waiting for {what}")
        time.sleep(0.2)


def _stop(replica: Replica) -> None:
    if replica.proc.poll() is None:
        replica.proc.send_signal(signal.SIGTERM)
    try:
        replica.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        replica.proc.kill()
        replica.proc.wait()
    if replica.proc.stdout is not None:
        replica.proc.stdout.close()
