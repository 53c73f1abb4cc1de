"""A repository whose reconcile keeps crashing makes /readyz fail and shows in /metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.daemon.reporting import ReconcileReport
from gitops_vela.daemon.runs import CRASHES_UNTIL_NOT_READY
from gitops_vela.daemon.service import Daemon
from gitops_vela.daemon.shards import WHOLE, Share
from gitops_vela.settings import RepositorySettings, ServerSettings, Settings
from tests.daemon.conftest import GitRemote, replicas, wait_for

pytestmark = pytest.mark.reliability


class Bug:
    """Makes the runs of ``crashy`` raise while ``on``, as an escaping bug would."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.on = True
        real = RepositoryReconciler.run

        def run(reconciler: RepositoryReconciler, share: Share = WHOLE) -> ReconcileReport:
            if self.on and reconciler.settings.name == "crashy":
                raise RuntimeError("a bug in the reconcile")
            return real(reconciler, share)

        monkeypatch.setattr(RepositoryReconciler, "run", run)


@pytest.fixture
def daemon(remote: GitRemote, cluster: Cluster, tmp_path: Path) -> Iterator[Daemon]:
    settings = Settings(
        repositories=(
            RepositorySettings(name="crashy", url=str(remote.bare), interval=1),
            RepositorySettings(name="fine", url=str(remote.bare), interval=3600, path="none"),
        ),
        server=ServerSettings(host="127.0.0.1", port=0),
        cache_dir=tmp_path / "cache",
    )
    started = Daemon(settings, cluster=cluster, metrics=Metrics())
    started.start()
    try:
        yield started
    finally:
        started.stop(timeout=10)


def get(daemon: Daemon, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{daemon.http.port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def crashes(daemon: Daemon, name: str) -> tuple[float, float]:
    from prometheus_client.parser import text_string_to_metric_families

    found = {"gitops_vela_reconcile_crashes_total": 0.0, "gitops_vela_reconcile_crash_streak": 0.0}
    for family in text_string_to_metric_families(get(daemon, "/metrics")[1]):
        for sample in family.samples:
            if sample.name in found and sample.labels.get("repo") == name:
                found[sample.name] = sample.value
    return found["gitops_vela_reconcile_crashes_total"], found["gitops_vela_reconcile_crash_streak"]


@pytest.mark.slow
def test_a_repository_that_keeps_crashing_is_named_by_readyz_until_it_recovers(
    daemon: Daemon, cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    bug = Bug(monkeypatch)
    daemon.trigger("crashy")
    _, text = wait_for(
        lambda: (reply := get(daemon, "/readyz"))[0] == 503 and "crashing" in reply[1] and reply,
        timeout=20,
        what="readyz to name the crashing repository",
    )
    body = json.loads(text)
    assert body["status"] == "reconcile crashing"
    assert set(body["crashing"]) == {"crashy"} and body["crashing"]["crashy"] >= 3
    total, streak = crashes(daemon, "crashy")
    assert total >= CRASHES_UNTIL_NOT_READY and streak >= CRASHES_UNTIL_NOT_READY
    assert crashes(daemon, "fine") == (0.0, 0.0)
    assert get(daemon, "/healthz")[0] == 200  # alive: a restart would not fix a bug

    bug.on = False
    daemon.trigger("crashy")
    wait_for(lambda: get(daemon, "/readyz")[0] == 200, timeout=20, what="ready again")
    assert crashes(daemon, "crashy")[1] == 0
    assert replicas(cluster) == 1  # the recovered run applied the repository


def test_the_cluster_tells_its_version(cluster: Cluster) -> None:
    assert str(cluster.version()["gitVersion"]).startswith("v1.")
