"""A bug on one object fails that object's app; the repository's other apps go on."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.sync import plan
from tests.daemon.conftest import GitRemote, appfile, replicas

pytestmark = pytest.mark.reliability


def test_a_crash_on_one_object_fails_its_app_and_the_others_are_applied(
    reconciler: RepositoryReconciler,
    remote: GitRemote,
    cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert reconciler.run().ok
    real = plan.in_sync

    def broken(item: Any, current: Any) -> bool:
        if item.ref.namespace == "shop":
            raise OverflowError("boom")
        return real(item, current)

    monkeypatch.setattr(plan, "in_sync", broken)
    remote.push({"apps/blog/vela.yaml": appfile("blog", replicas=3)})

    report = reconciler.run()

    assert report.ok and report.internal_errors >= 1
    assert replicas(cluster, "blog") == 3
    shop = remote.status_file("shop")
    assert shop is not None and shop["sync"] == "Failed"
    assert any("internal error (OverflowError: boom)" in e for e in shop["errors"])
    assert remote.status_file("blog")["sync"] == "Synced"  # type: ignore[index]
