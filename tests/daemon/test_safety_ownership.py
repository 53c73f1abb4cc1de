"""Two repositories rendering one object: the owner keeps it, the newcomer fails (#10.5)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import (
    GitRemote,
    StartDaemon,
    appfile,
    get,
    init_remote,
    make_reconciler,
    wait_for,
)

pytestmark = pytest.mark.reliability


def _remote(root: Path) -> GitRemote:
    other = ("Other Team", "other@example.com")
    return init_remote(root / "remote.git", root / "work", author=other)


def test_a_second_repository_never_flips_the_owner_of_an_object(
    reconciler: RepositoryReconciler, cluster: Cluster, tmp_path: Path
) -> None:
    other_remote = _remote(tmp_path / "other")
    other_remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=5, image="evil:1")})
    other = make_reconciler(
        RepositorySettings(name="other", url=str(other_remote.bare)),
        cluster,
        tmp_path,
        cache="cache-other",
    )
    assert reconciler.run().ok
    owned = get(cluster, "Deployment", "shop", "web")
    assert owned is not None

    for _ in range(3):  # two daemons polling in turn
        report = other.run()
        assert report.ok and report.failed_apps == 1
        assert reconciler.run().ok

    web = get(cluster, "Deployment", "shop", "web")
    assert web is not None and web["metadata"]["labels"][OWNER] == "acme.shop"
    assert web["metadata"]["generation"] == owned["metadata"]["generation"]
    assert web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    status = other_remote.status_file("shop")
    assert status is not None and status["sync"] == "Failed"
    assert any("owned by app acme.shop" in error for error in status["errors"])


@pytest.mark.slow
def test_one_daemon_with_two_repositories_rendering_one_object_never_flips_it(
    remote: GitRemote, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    other = _remote(tmp_path / "other")
    other.push({"apps/shop/vela.yaml": appfile("shop", replicas=5, image="evil:1")})
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n"
        f"  - {{name: first, url: {remote.url}, interval: 1s, prune: true}}\n"
        f"  - {{name: second, url: {other.url}, interval: 1s, prune: true}}\n"
    )
    start_daemon("--config", str(config))
    status = wait_for(lambda: other.status_file("shop"), what="the second repository's status")
    web = get(cluster, "Deployment", "shop", "web")
    assert web is not None
    owner = web["metadata"]["labels"][OWNER]
    generation = web["metadata"]["generation"]

    time.sleep(4)  # several polls of both repositories

    web = get(cluster, "Deployment", "shop", "web")
    assert web is not None and web["metadata"]["labels"][OWNER] == owner
    assert web["metadata"]["generation"] == generation
    loser = other if owner == "first.shop" else remote
    status = wait_for(
        lambda: (
            (loser.status_file("shop") or {}).get("sync") == "Failed" and loser.status_file("shop")
        ),
        what="the newcomer's shop failed",
    )
    assert any(f"owned by app {owner}" in error for error in status["errors"])
