"""An emptied repository or a commit pruning too much deletes nothing unless opted in (#10.2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.model.status import Reason
from gitops_vela.sync import SyncOptions, sync_repository
from tests.sync.conftest import REPO, app, config_map, live

pytestmark = pytest.mark.reliability

SAMPLE = Path(__file__).parents[2] / "sample-repo"


def _deployments(cluster: Cluster) -> int:
    """The apps' Deployments: every namespace but kube-system (the cluster's own CoreDNS)."""
    found = cluster.list_objects(cluster.resource("apps/v1", "Deployment"))
    return sum(1 for d in found if d["metadata"]["namespace"] != "kube-system")


def test_apply_prune_on_a_checkout_emptied_of_appfiles_deletes_nothing_and_exits_1(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = Path(shutil.copytree(SAMPLE, tmp_path / "sample"))
    command = ["apply", str(checkout), "--prune", "--kubeconfig", str(emulator.kubeconfig_path)]
    assert main(command) == 0
    before = _deployments(cluster)
    shutil.rmtree(checkout / "apps")
    capsys.readouterr()

    assert main(command) == 1

    out = " ".join(capsys.readouterr().out.split())
    assert "repository sample renders no apps, but its inventories hold 5 app(s)" in out
    assert "allowEmpty: true" in out and "--allow-empty" in out
    assert "deleted" not in out
    assert _deployments(cluster) == before > 0
    assert live(cluster, "v1", "Namespace", "search", namespace="") is not None

    assert main([*command, "--allow-empty"]) == 0
    assert _deployments(cluster) == 0


def test_more_than_the_prune_limit_at_once_prunes_nothing_and_fails(cluster: Cluster) -> None:
    objects = [config_map(f"c{i}") for i in range(10)]
    options = SyncOptions(prune=True, prune_limit=50)
    full = RepositoryRender(apps=(app("shop", *objects),))
    assert sync_repository(cluster, full, repo=REPO, options=options).ok

    most = RepositoryRender(apps=(app("shop", *objects[:3]),))
    result = sync_repository(cluster, most, repo=REPO, options=options)

    (shop,) = result.apps
    assert shop.reason is Reason.PRUNE_FAILED and not result.ok
    assert "would prune 7 of the 10 objects of repository acme (70%)" in shop.errors[-1]
    assert "pruneLimit" in shop.errors[-1]
    assert all(live(cluster, "v1", "ConfigMap", f"c{i}") is not None for i in range(10))

    half = RepositoryRender(apps=(app("shop", *objects[:6]),))
    assert sync_repository(cluster, half, repo=REPO, options=options).ok
    assert live(cluster, "v1", "ConfigMap", "c9") is None
    unlimited = SyncOptions(prune=True, prune_limit=None)
    assert sync_repository(cluster, most, repo=REPO, options=unlimited).ok
    assert live(cluster, "v1", "ConfigMap", "c5") is None
