"""End-to-end fixtures: a Git "server" in tmp_path, the emulator, the daemon as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.settings import RepositorySettings

STATUS_BRANCH = "gitops-vela/status"
DEADLINE = 30.0


def wait_for(condition: Callable[[], Any], *, timeout: float = DEADLINE, what: str = "") -> Any:
    """Poll ``condition`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)


def git(*args: str, cwd: Path | None = None, check: bool = True) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def appfile(name: str, *, replicas: int = 1, image: str = "nginx:1.25", port: Any = 8080) -> str:
    return yaml.safe_dump(
        {
            "name": name,
            "namespace": name,
            "services": {
                "web": {"image": image, "port": port, "scaler": {"replicas": replicas}},
            },
        },
        sort_keys=False,
    )


@dataclass
class GitRemote:
    """A bare repository (the server) and a clone that people push from."""

    bare: Path
    work: Path

    @property
    def url(self) -> str:
        return str(self.bare)

    def push(self, files: Mapping[str, str], *, remove: tuple[str, ...] = ()) -> str:
        for rel, text in files.items():
            target = self.work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        for rel in remove:
            git("rm", "-r", "-q", rel, cwd=self.work)
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", "change", cwd=self.work)
        git("push", "-q", "origin", "HEAD:refs/heads/main", cwd=self.work)
        return git("rev-parse", "HEAD", cwd=self.work)

    def status_commits(self) -> int:
        out = git("rev-list", "--count", STATUS_BRANCH, cwd=self.bare, check=False)
        return int(out) if out.isdigit() else 0

    def status_file(self, app: str, folder: str = "") -> dict[str, Any] | None:
        """``app``'s status file (in an environment's ``folder`` if given); None if absent."""
        path = f"{folder}/apps/{app}.yaml" if folder else f"apps/{app}.yaml"
        text = git("show", f"{STATUS_BRANCH}:{path}", cwd=self.bare, check=False)
        return yaml.safe_load(text) if text else None

    def status_commit_subject(self) -> str:
        return git("log", "-1", "--format=%s", STATUS_BRANCH, cwd=self.bare)

    def status_files(self) -> list[str]:
        out = git("ls-tree", "-r", "--name-only", STATUS_BRANCH, cwd=self.bare, check=False)
        return out.splitlines()


def init_remote(
    bare: Path,
    work: Path,
    files: Mapping[str, str] | None = None,
    *,
    author: tuple[str, str] = ("Test Author", "author@example.com"),
) -> GitRemote:
    """A new bare repository and its clone, committing as ``author``; ``files`` pushed if given."""
    git("init", "-q", "--bare", "--initial-branch=main", str(bare))
    git("init", "-q", "--initial-branch=main", str(work))
    git("config", "user.name", author[0], cwd=work)
    git("config", "user.email", author[1], cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    found = GitRemote(bare=bare, work=work)
    if files:
        found.push(files)
    return found


@pytest.fixture
def remote(tmp_path: Path) -> GitRemote:
    files = {"apps/shop/vela.yaml": appfile("shop"), "apps/blog/vela.yaml": appfile("blog")}
    return init_remote(tmp_path / "remote.git", tmp_path / "work", files)


@dataclass
class DaemonProcess:
    """``gitops-vela run`` in a subprocess; its stdout collected line by line."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    port: int = 0
    reader: threading.Thread | None = None
    expected_exit: int = 0

    def start_reading(self) -> None:
        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def events(self) -> list[dict[str, Any]]:
        found = []
        for line in list(self.lines):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found

    def event(self, name: str, **fields: Any) -> dict[str, Any] | None:
        for item in self.events():
            if item.get("event") == name and all(item.get(k) == v for k, v in fields.items()):
                return item
        return None

    def http(
        self,
        path: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            headers=dict(headers or {}),
            method="POST" if body is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def metric(self, name: str, **labels: str) -> float:
        from prometheus_client.parser import text_string_to_metric_families

        _, text = self.http("/metrics")
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    total += sample.value
        return total

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        finally:
            if self.reader is not None:
                self.reader.join(timeout=5)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


StartDaemon = Callable[..., DaemonProcess]


@pytest.fixture
def start_daemon(tmp_path: Path, emulator: Emulator) -> Iterator[StartDaemon]:
    """Start ``gitops-vela run`` with the given arguments; stopped (and checked) after the test."""
    started: list[DaemonProcess] = []

    def start(
        *args: str, env: Mapping[str, str] | None = None, cluster: bool = True
    ) -> DaemonProcess:
        command = [sys.executable, "-m", "gitops_vela", "run", *args]
        if cluster:
            command += ["--kubeconfig", str(emulator.kubeconfig_path)]
        if "--listen" not in args:
            command += ["--listen", "127.0.0.1:0"]
        if "--cache-dir" not in args:
            command += ["--cache-dir", str(tmp_path / "cache")]
        full_env = {**os.environ, "GITOPS_VELA_LOG_FORMAT": "json", **(env or {})}
        full_env.pop("KUBECONFIG", None)
        proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=full_env,
            cwd=tmp_path,
        )
        daemon = DaemonProcess(proc)
        started.append(daemon)
        daemon.start_reading()
        begun = wait_for(
            lambda: daemon.event("daemon started") or proc.poll() is not None,
            what="the daemon to start",
        )
        if begun is True:
            raise AssertionError("the daemon exited:\n" + "\n".join(daemon.lines))
        daemon.port = int(str(begun["listen"]).rsplit(":", 1)[1])
        return daemon

    yield start
    for daemon in started:
        code = daemon.stop()
        assert code == daemon.expected_exit, "\n".join(daemon.lines[-30:])
        not_json = [line for line in daemon.lines if not _is_json_object(line)]
        assert not not_json, f"log lines that are not JSON: {not_json[:5]}"


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


@pytest.fixture
def cluster(emulator: Emulator) -> Iterator[Cluster]:
    with Cluster(emulator.client_configuration()) as client:
        yield client


def get(cluster: Cluster, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    api_version = {"Deployment": "apps/v1"}.get(kind, "v1")
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace, name=name)


def replicas(cluster: Cluster, app: str = "shop") -> int | None:
    """``spec.replicas`` of the app's ``web`` Deployment (the Appfiles ``appfile`` writes)."""
    found = get(cluster, "Deployment", app, "web")
    return None if found is None else int(found["spec"]["replicas"])


def make_reconciler(
    settings: RepositorySettings,
    cluster: Cluster,
    tmp_path: Path,
    *,
    centers: Centers | None = None,
    cache: str = "cache",
) -> RepositoryReconciler:
    """``settings``' reconciler, in-process (no scheduler, no HTTP), caching in ``tmp_path/cache``.

    No capability centers unless given; two reconcilers in one test need their own ``cache``.
    """
    found = centers or Centers((), cache_dir=tmp_path / "centers")
    return RepositoryReconciler(
        settings,
        cluster=cluster,
        centers=lambda: found,
        metrics=Metrics(),
        cache_dir=tmp_path / cache,
        inventory_namespace="gitops-vela-system",
    )


@pytest.fixture
def reconciler(remote: GitRemote, cluster: Cluster, tmp_path: Path) -> RepositoryReconciler:
    """One repository's reconciler, run in-process (no scheduler, no HTTP)."""
    return make_reconciler(RepositorySettings(name="acme", url=str(remote.bare)), cluster, tmp_path)
