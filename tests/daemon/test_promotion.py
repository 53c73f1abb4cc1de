"""Promotion gated on health: prod applies only what staging's status folder proves healthy.

Two clusters (two emulators), two reconcilers on one repository, in process,
prod's clock under the test's control; the end-to-end run with two daemon
processes is ``test_e2e_environments``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.promotion import judge
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.errors import StatusError
from gitops_vela.model.status import Health, Reason, SyncState
from gitops_vela.settings import PromotionSettings, RepositorySettings
from tests.daemon.conftest import STATUS_BRANCH, GitRemote, git, make_reconciler, replicas
from tests.daemon.test_e2e_environments import image_of, shop
from tests.status.helpers import status

HEALTHY_FOR = 600.0


def env_status(remote: GitRemote, environment: str, app: str = "shop") -> dict[str, Any]:
    found = remote.status_file(app, environment)
    assert isinstance(found, dict), f"no {environment}/apps/{app}.yaml"
    return found


class Clock:
    """Real time plus what the test skipped over (``since`` on the branch is real time)."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.time() + self.skipped


@pytest.fixture
def prod_cluster() -> Iterator[Cluster]:
    with Emulator() as second, Cluster(second.client_configuration()) as client:
        yield client


def reconciler(
    remote: GitRemote,
    cluster: Cluster,
    tmp_path: Path,
    environment: str,
    promotion: PromotionSettings | None = None,
) -> RepositoryReconciler:
    settings = RepositorySettings(
        name="acme", url=str(remote.bare), environment=environment, promotion=promotion
    )
    return make_reconciler(settings, cluster, tmp_path, cache=f"cache-{environment}")


def test_prod_runs_only_what_staging_proved_healthy_for_long_enough(
    remote: GitRemote,
    cluster: Cluster,
    prod_cluster: Cluster,
    emulator: Emulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = remote.push({"apps/shop/vela.yaml": shop("nginx:1.25")})
    staging = reconciler(remote, cluster, tmp_path, "staging")
    prod = reconciler(
        remote, prod_cluster, tmp_path, "prod", PromotionSettings("staging", HEALTHY_FOR)
    )
    clock = Clock()
    assert prod.promotion is not None
    prod.promotion.clock = clock

    # Nothing proven, nothing promoted: prod applies nothing and says why.
    report = prod.run()
    assert not report.ok and "waiting for staging: no app status in staging yet" in report.message
    assert not report.retryable  # polled at the usual interval, not backed off
    assert report.reason is Reason.DEPENDENCY_NOT_READY  # waiting, not failing
    logged = capsys.readouterr().out
    assert "waiting" in logged and "reconcile failed" not in logged
    assert replicas(prod_cluster) is None

    staging.run()
    emulator.settle()  # the Pods run (on a loaded machine, not always by the next poll)
    staging.run()  # the rollout is observed: Healthy
    assert env_status(remote, "staging")["health"] == "Healthy"
    report = prod.run()
    assert "waiting for staging: Healthy at" in report.message
    assert "to stay so for 10m" in report.message
    assert replicas(prod_cluster) is None

    clock.skipped += HEALTHY_FOR
    assert prod.run().ok
    assert (replicas(prod_cluster), replicas(cluster)) == (3, 1)  # each its own environment
    assert env_status(remote, "prod")["lastAppliedRevision"] == first

    # A new commit: staging rolls it out, prod stays on the promoted one and says so.
    emulator.simulation.progressing("Deployment", "web", namespace="shop")
    second = remote.push({"apps/shop/vela.yaml": shop("nginx:1.27")})
    staging.run()
    assert prod.run().ok
    waiting = env_status(remote, "prod")
    assert waiting["sync"] == "OutOfSync" and waiting["revision"] == second
    assert waiting["lastAppliedRevision"] == first
    assert waiting["message"] == f"waiting for staging: shop Progressing at {second[:7]}"
    assert image_of(prod_cluster) == "nginx:1.25"

    emulator.simulation.healthy("Deployment", "web", namespace="shop")
    emulator.settle()
    staging.run()
    prod.run()  # first sees staging Healthy at the second commit: the wait starts now
    assert image_of(prod_cluster) == "nginx:1.25"
    clock.skipped += HEALTHY_FOR
    prod.run()
    assert image_of(prod_cluster) == "nginx:1.27"
    assert env_status(remote, "prod")["sync"] == "Synced"

    # A commit that degrades staging never reaches prod, however long prod waits.
    emulator.simulation.fail("Deployment", "web", namespace="shop")
    third = remote.push({"apps/shop/vela.yaml": shop("nginx:broken")})
    staging.run()
    emulator.settle()  # the Pods run (on a loaded machine, not always by the next poll)
    staging.run()
    assert env_status(remote, "staging")["health"] == "Degraded"
    for _ in range(2):
        clock.skipped += HEALTHY_FOR
        prod.run()
    assert image_of(prod_cluster) == "nginx:1.27"
    assert env_status(remote, "prod")["message"] == (
        f"waiting for staging: shop Degraded at {third[:7]}"
    )
    # Each daemon wrote only its own folder of the one status branch.
    files = git("ls-tree", "-r", "--name-only", STATUS_BRANCH, cwd=remote.bare).splitlines()
    assert {f.split("/")[0] for f in files} == {"staging", "prod"}


def test_a_restarted_prod_daemon_stays_on_what_its_status_says_it_runs(
    remote: GitRemote, cluster: Cluster, prod_cluster: Cluster, tmp_path: Path, emulator: Emulator
) -> None:
    remote.push({"apps/shop/vela.yaml": shop("nginx:1.25")})
    staging = reconciler(remote, cluster, tmp_path, "staging")
    gate = PromotionSettings("staging", 0)
    staging.run()
    emulator.settle()  # the Pods run (on a loaded machine, not always by the next poll)
    staging.run()
    assert reconciler(remote, prod_cluster, tmp_path, "prod", gate).run().ok
    assert image_of(prod_cluster) == "nginx:1.25"

    remote.push({"apps/shop/vela.yaml": shop("nginx:1.27")})
    staging.run()  # Progressing at the new commit (the first observation)

    restarted = reconciler(remote, prod_cluster, tmp_path / "again", "prod", gate)
    report = restarted.run()

    assert report.ok, report.message
    assert image_of(prod_cluster) == "nginx:1.25"


def test_the_verdict_names_what_holds_promotion_back() -> None:
    seen: dict[str, float] = {}
    rev = "3f2a1c9" + "0" * 33
    progressing = status("shop", revision=rev, last_applied_revision=rev, health=Health.PROGRESSING)
    healthy = status("blog", revision=rev, last_applied_revision=rev)
    failed = status("api", revision=rev, sync=SyncState.FAILED)

    def verdict(*statuses: Any, now: float = 1e10, wait: float = 0) -> str:
        result = judge(
            {s.app: s for s in statuses},
            source="staging",
            healthy_for=wait,
            now=now,
            first_seen=seen,
        )
        return result.proven or result.waiting

    assert verdict() == "waiting for staging: no app status in staging yet"
    assert verdict(progressing, healthy) == "waiting for staging: shop Progressing at 3f2a1c9"
    assert verdict(failed, progressing) == (
        "waiting for staging: api Failed at 3f2a1c9 (and 1 more)"
    )
    assert verdict(healthy, now=1e10, wait=60) == (
        "waiting for staging: Healthy at 3f2a1c9, to stay so for 1m"
    )
    assert verdict(healthy, now=1e10 + 90, wait=60) == rev
    other = status("shop", revision="a" * 40, last_applied_revision="a" * 40)
    assert verdict(healthy, other).startswith("waiting for staging: its apps are at different")


def test_when_the_other_environments_status_is_unreadable_prod_stays_put(
    remote: GitRemote, cluster: Cluster, prod_cluster: Cluster, tmp_path: Path, emulator: Emulator
) -> None:
    remote.push({"apps/shop/vela.yaml": shop("nginx:1.25")})
    staging = reconciler(remote, cluster, tmp_path, "staging")
    prod = reconciler(remote, prod_cluster, tmp_path, "prod", PromotionSettings("staging", 0))
    staging.run()
    emulator.settle()  # the Pods run (on a loaded machine, not always by the next poll)
    staging.run()
    assert prod.run().ok and image_of(prod_cluster) == "nginx:1.25"

    def unreadable() -> dict[str, Any]:
        raise StatusError("git.example.com: connection refused")

    assert prod.promotion is not None
    prod.promotion.read = unreadable
    newer = remote.push({"apps/shop/vela.yaml": shop("nginx:1.27")})

    assert prod.run().ok
    assert image_of(prod_cluster) == "nginx:1.25"
    held = env_status(remote, "prod")
    assert (held["sync"], held["revision"]) == ("OutOfSync", newer)
    assert held["message"] == "waiting for staging: git.example.com: connection refused"
