"""``git rm -r apps && git push`` makes the daemon prune nothing and report why (#10.2)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.status import Reason
from tests.daemon.conftest import GitRemote, replicas
from tests.daemon.test_events import events

pytestmark = pytest.mark.reliability


def test_an_emptied_repository_prunes_nothing_and_fails_every_app_until_allowed(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    assert reconciler.run().ok
    remote.push({"README.md": "moved elsewhere\n"}, remove=("apps",))

    report = reconciler.run()

    assert report.reason is Reason.PRUNE_FAILED and report.failed_apps == 2
    assert replicas(cluster, "shop") == 1 and replicas(cluster, "blog") == 1
    for app in ("shop", "blog"):
        status = remote.status_file(app)
        assert status is not None and status["sync"] == "Failed"
        assert any("renders no apps" in e and "allowEmpty: true" in e for e in status["errors"])
        assert events(cluster, app)[-1]["type"] == "Warning"
    synced = reconciler.metrics.registry.get_sample_value(
        "gitops_vela_app_synced", {"repo": "acme", "app": "shop"}
    )
    assert synced == 0

    reconciler.settings = replace(reconciler.settings, allow_empty=True)
    assert reconciler.run().ok
    assert replicas(cluster, "shop") is None and replicas(cluster, "blog") is None
