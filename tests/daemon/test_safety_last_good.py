"""A removed app's last good render is forgotten: it never comes back from memory (#10.4)."""

from __future__ import annotations

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from tests.daemon.conftest import GitRemote, get

pytestmark = pytest.mark.reliability

TMP = (
    "name: tmp\nnamespace: tmp\nservices:\n  files:\n    type: k8s-objects\n    objects:\n"
    "      - {apiVersion: v1, kind: ConfigMap, metadata: {name: tmp-old}, data: {a: '1'}}\n"
)
BROKEN = TMP.replace("services:", "colour: blue\nservices:")


def test_a_removed_app_readded_broken_does_not_resurrect_its_old_objects(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    remote.push({"apps/tmp/vela.yaml": TMP})
    assert reconciler.run().ok
    assert get(cluster, "ConfigMap", "tmp", "tmp-old") is not None
    remote.push({}, remove=("apps/tmp",))
    assert reconciler.run().ok
    assert get(cluster, "ConfigMap", "tmp", "tmp-old") is None

    remote.push({"apps/tmp/vela.yaml": BROKEN})
    reconciler.run()

    assert get(cluster, "ConfigMap", "tmp", "tmp-old") is None
    status = remote.status_file("tmp")
    assert status is not None and status["sync"] == "Failed" and status["health"] != "Healthy"
    assert any("colour" in error for error in status["errors"])
