"""Two repositories rendering one object: the owner keeps it, the newcomer fails (#10.5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import GitRemote, appfile, get, git

pytestmark = pytest.mark.reliability


def _remote(root: Path) -> GitRemote:
    bare, work = root / "remote.git", root / "work"
    git("init", "-q", "--bare", "--initial-branch=main", str(bare))
    git("init", "-q", "--initial-branch=main", str(work))
    git("config", "user.name", "Other Team", cwd=work)
    git("config", "user.email", "other@example.com", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    return GitRemote(bare=bare, work=work)


def test_a_second_repository_never_flips_the_owner_of_an_object(
    reconciler: RepositoryReconciler, cluster: Cluster, tmp_path: Path
) -> None:
    other_remote = _remote(tmp_path / "other")
    other_remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=5, image="evil:1")})
    other = RepositoryReconciler(
        RepositorySettings(name="other", url=str(other_remote.bare)),
        cluster=cluster,
        centers=lambda: Centers((), cache_dir=tmp_path / "centers-other"),
        metrics=Metrics(),
        cache_dir=tmp_path / "cache-other",
        inventory_namespace="gitops-vela-system",
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
