"""The daemon applies the environment its repository config names (``environment: prod``)."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import GitRemote, appfile, make_reconciler, replicas

WITH_ENVIRONMENTS = appfile("shop", replicas=1) + (
    "environments:\n  prod:\n    services:\n      web: {scaler: {replicas: 3}}\n"
)


def reconciler_for(
    environment: str, remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> RepositoryReconciler:
    settings = RepositorySettings(name="acme", url=str(remote.bare), environment=environment)
    return make_reconciler(settings, cluster, tmp_path, cache=f"cache-{environment or 'base'}")


def test_the_daemon_applies_the_values_of_its_environment(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    remote.push({"apps/shop/vela.yaml": WITH_ENVIRONMENTS})

    assert reconciler_for("prod", remote, cluster, tmp_path).run().ok

    assert replicas(cluster) == 3
    assert replicas(cluster, "blog") == 1  # declares no environment: its base


def test_a_daemon_without_an_environment_applies_the_base(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    remote.push({"apps/shop/vela.yaml": WITH_ENVIRONMENTS})

    assert reconciler_for("", remote, cluster, tmp_path).run().ok

    assert replicas(cluster) == 1
