"""Three daemons share one 30-app repository (``leaderElection.appShards``), in-process on one
emulator: every app applied by exactly one replica, none by two at once, a live edit planned
by its owner only, a replica leaving hands its apps over and nothing is pruned."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Applied, Cluster, Resource
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.service import Daemon
from gitops_vela.daemon.shards import units_of
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import (
    LeaderElectionSettings,
    RenderSettings,
    RepositorySettings,
    ServerSettings,
    Settings,
)
from tests.daemon.conftest import GitRemote, appfile, git, init_remote, replicas, wait_for

APPS = [f"app-{i:02d}" for i in range(30)]
REPLICAS = ("replica-a", "replica-b", "replica-c")
APP_SHARDS = 64


@dataclass(frozen=True, slots=True)
class Write:
    replica: str
    app: str
    verb: str  # apply | delete
    start: float
    end: float


class Journal:
    """Every write to an app's objects, by replica, with its time span."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.writes: list[Write] = []

    def add(self, write: Write) -> None:
        with self._lock:
            self.writes.append(write)

    def since(self, mark: int) -> list[Write]:
        with self._lock:
            return self.writes[mark:]

    def mark(self) -> int:
        with self._lock:
            return len(self.writes)


class RecordingCluster(Cluster):
    """A replica's client that notes each write of an app's object (not dry runs)."""

    def __init__(self, emulator: Emulator, replica: str, journal: Journal) -> None:
        super().__init__(emulator.client_configuration())
        self.replica, self.journal = replica, journal

    def apply(self, manifest: dict[str, Any], *, dry_run: bool = False) -> Applied:
        start = time.monotonic()
        try:
            return super().apply(manifest, dry_run=dry_run)
        finally:
            labels = (manifest.get("metadata") or {}).get("labels") or {}
            app = str(labels.get(OWNER, "")).removeprefix("mono.")
            if app in APPS and not dry_run:
                self.journal.add(Write(self.replica, app, "apply", start, time.monotonic()))

    def delete(self, resource: Resource, *, namespace: str, name: str) -> bool:
        if namespace in APPS:
            now = time.monotonic()
            self.journal.add(Write(self.replica, namespace, "delete", now, now))
        return super().delete(resource, namespace=namespace, name=name)


@pytest.fixture
def mono(tmp_path: Path) -> GitRemote:
    files = {f"apps/{app}/vela.yaml": appfile(app) for app in APPS}
    return init_remote(tmp_path / "mono.git", tmp_path / "mono-work", files)


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def daemons(
    mono: GitRemote, emulator: Emulator, journal: Journal, tmp_path: Path
) -> Iterator[dict[str, Daemon]]:
    started: dict[str, Daemon] = {}
    clients: list[Cluster] = []
    try:
        for replica in REPLICAS:
            client = RecordingCluster(emulator, replica, journal)
            clients.append(client)
            settings = Settings(
                repositories=(RepositorySettings(name="mono", url=mono.url, interval=600.0),),
                server=ServerSettings(host="127.0.0.1", port=0),
                cache_dir=tmp_path / f"cache-{replica}",
                leader_election=LeaderElectionSettings(
                    enabled=True, mode="shard", lease_duration=3.0, app_shards=APP_SHARDS
                ),
                render=RenderSettings(workers=1),
            )
            daemon = Daemon(settings, cluster=client, metrics=Metrics(), identity=replica)
            started[replica] = daemon
        for daemon in started.values():
            daemon.start()
        yield started
    finally:
        for daemon in started.values():
            daemon.stop(timeout=20)
        for client in clients:
            client.close()


def apps_of(daemon: Daemon) -> set[str]:
    assert daemon.shards is not None
    share = daemon.shards.share("mono")
    return {app for app in APPS if share.owns(app)} if daemon.shards.units else set()


def runs(daemon: Daemon) -> float:
    sample = daemon.metrics.registry.get_sample_value(
        "gitops_vela_reconcile_duration_seconds_count", {"repo": "mono"}
    )
    return sample or 0.0


def settled(group: dict[str, Daemon]) -> bool:
    """Every bucket held by exactly one of ``group``, each of them through a run of its share."""
    held = [u for d in group.values() if d.shards for u in d.shards.units]
    if sorted(held) != sorted(units_of("mono", APP_SHARDS)):
        return False
    return all(
        (report := d.last_report("mono")) is not None
        and report.ok
        and report.apps == len(apps_of(d))
        for d in group.values()
    )


def writers(writes: list[Write], verb: str = "apply") -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for write in writes:
        if write.verb == verb:
            found.setdefault(write.app, set()).add(write.replica)
    return found


def never_at_once(writes: list[Write]) -> None:
    """No app's objects written by two replicas at overlapping times."""
    by_app: dict[str, list[Write]] = {}
    for write in writes:
        by_app.setdefault(write.app, []).append(write)
    for app, spans in by_app.items():
        for one in spans:
            for other in spans:
                if one.replica != other.replica:
                    overlap = one.start < other.end and other.start < one.end
                    assert not overlap, (app, one, other)


def status_revisions(remote: GitRemote) -> dict[str, str]:
    found = {}
    for app in APPS:
        status = remote.status_file(app)
        if status is not None:
            found[app] = str(status.get("revision", ""))
    return found


def test_three_replicas_share_one_repository_by_app(
    daemons: dict[str, Daemon], mono: GitRemote, journal: Journal, cluster: Cluster
) -> None:
    # 1. Started together: each app applied by exactly one replica, its owner.
    wait_for(lambda: settled(daemons), timeout=60, what="three replicas, every bucket reconciled")
    assert all(replicas(cluster, app) == 1 for app in APPS)
    shares = {name: apps_of(d) for name, d in daemons.items()}
    assert sorted(a for apps in shares.values() for a in apps) == APPS  # a partition
    assert all(len(apps) <= len(APPS) * 0.4 for apps in shares.values()), shares
    owner = {app: name for name, apps in shares.items() for app in apps}
    assert writers(journal.since(0)) == {app: {owner[app]} for app in APPS}

    # 2. A commit to every app: each change applied once, by its owner.
    mark = journal.mark()
    head = mono.push({f"apps/{app}/vela.yaml": appfile(app, replicas=2) for app in APPS})
    for daemon in daemons.values():
        daemon.trigger("mono")
    wait_for(lambda: all(replicas(cluster, a) == 2 for a in APPS), timeout=60, what="replicas 2")
    assert writers(journal.since(mark)) == {app: {owner[app]} for app in APPS}
    wait_for(
        lambda: status_revisions(mono) == dict.fromkeys(APPS, head),
        timeout=30,
        what="every app's status file at the new commit, written by its owner",
    )

    # 3. A live edit: planned and corrected by the app's owner; the others do not even run.
    edited = APPS[7]
    others = [d for name, d in daemons.items() if name != owner[edited]]
    before = [runs(d) for d in others]
    mark = journal.mark()
    deployment = cluster.get(
        cluster.resource("apps/v1", "Deployment"), namespace=edited, name="web"
    )
    assert deployment is not None
    deployment["spec"]["replicas"] = 5
    path = cluster.resource("apps/v1", "Deployment").path(edited, "web")
    cluster.transport.request("PUT", path, verb="update", body=deployment)
    wait_for(lambda: replicas(cluster, edited) == 2, timeout=20, what="the live edit corrected")
    assert writers(journal.since(mark)) == {edited: {owner[edited]}}
    assert [runs(d) for d in others] == before

    # 4. One replica leaves: its apps move to the others; nothing pruned, nothing twice.
    leaving = max(shares, key=lambda name: len(shares[name]))
    assert daemons[leaving].stop(timeout=20)
    staying = {name: d for name, d in daemons.items() if name != leaving}
    wait_for(lambda: settled(staying), timeout=60, what="the two replicas holding every bucket")
    moved = {name: apps_of(d) for name, d in staying.items()}
    assert sorted(a for apps in moved.values() for a in apps) == APPS
    assert all(shares[name] <= apps for name, apps in moved.items())  # only the leaver's moved
    mark = journal.mark()
    head = mono.push({f"apps/{app}/vela.yaml": appfile(app, replicas=3) for app in APPS})
    for daemon in staying.values():
        daemon.trigger("mono")
    wait_for(lambda: all(replicas(cluster, a) == 3 for a in APPS), timeout=60, what="replicas 3")
    now_owner = {app: name for name, apps in moved.items() for app in apps}
    assert writers(journal.since(mark)) == {app: {now_owner[app]} for app in APPS}
    wait_for(
        lambda: status_revisions(mono) == dict.fromkeys(APPS, head),
        timeout=30,
        what="every app's status file at the last commit",
    )

    assert writers(journal.since(0), "delete") == {}  # nothing pruned, ever
    never_at_once(journal.since(0))
    files = git("ls-tree", "-r", "--name-only", "gitops-vela/status", cwd=mono.bare).splitlines()
    assert sorted(files) == sorted(["README.md", *(f"apps/{app}.yaml" for app in APPS)])
