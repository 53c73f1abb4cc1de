"""Three ``gitops-vela run`` replicas sharing one repository by app (``leaderElection.appShards``).

``measure_shards`` makes a bare Git repository of the generated apps, starts
three daemons (separate processes, as three pods) with
``leaderElection: {mode: shard, appShards: 256}`` against an emptied emulator,
and waits until, between them, every app was reconciled. It reports for
each replica the apps it applied (from its ``reconciled`` log lines: the
apps of its share), the Appfiles it rendered and the requests it sent to the
API server (its own ``gitops_vela_kube_requests_total``), and the seconds from
the start to the last app reconciled. Then each replica is stopped (SIGTERM).
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

import yaml

REPLICAS = 3
APP_SHARDS = 256
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
    name: str
    apps: int  # apps of its share it reconciled
    rendered: int  # Appfiles it rendered (every run)
    changed: int  # objects it wrote
    requests: int  # requests it sent to the API server


@dataclass(frozen=True)
class ShardFigures:
    apps: int
    seconds: float  # from the start of the three processes to the last app reconciled
    replicas: tuple[ReplicaFigures, ...]

    @property
    def max_share(self) -> float:
        return max(r.apps for r in self.replicas) / self.apps

    @property
    def max_rendered_share(self) -> float:
        return max(r.rendered for r in self.replicas) / self.apps


def make_bare(root: Path, bare: Path) -> str:
    """A bare repository holding the generated apps (one commit); its URL."""
    work = bare.with_name("shards-work")
    shutil.copytree(root, work)
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for args in (
        ["init", "-q", "--initial-branch=main", str(work)],
        ["-C", str(work), "add", "-A"],
        ["-C", str(work), "commit", "-q", "-m", "bench"],
        ["clone", "-q", "--bare", str(work), str(bare)],
    ):
        subprocess.run(["git", *args], check=True, capture_output=True, env=env)
    return str(bare)


def measure_shards(
    workdir: Path, root: Path, *, kubeconfig: Path, apps: int, timeout: float
) -> ShardFigures:
    url = make_bare(root, workdir / "shards.git")
    config = workdir / "shards.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repositories": [{"name": REPO, "url": url, "interval": "1h"}],
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
        figures = tuple(_figures(r) for r in replicas)
    finally:
        for replica in replicas:
            _stop(replica)
    return ShardFigures(apps=apps, seconds=seconds, replicas=figures)


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


def _figures(replica: Replica) -> ReplicaFigures:
    runs = replica.events("reconciled")
    return ReplicaFigures(
        name=replica.name,
        apps=int(runs[-1]["apps"]) if runs else 0,
        rendered=sum(int(e.get("rendered_apps") or 0) for e in runs),
        changed=sum(int(e.get("changed") or 0) for e in runs),
        requests=replica.requests(),
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
