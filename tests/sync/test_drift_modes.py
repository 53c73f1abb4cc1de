"""``drift: correct | detect | ignore`` in the planner, and the hold that backs off a fight."""

from __future__ import annotations

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import SyncState
from gitops_vela.sync import SyncOptions, sync_apps
from tests.sync.conftest import app, deployment, edit_replicas

WEB = ObjectRef("apps", "Deployment", "shop", "web", "v1")


def _live_replicas(cluster: Cluster) -> int:
    found = cluster.get(cluster.resource("apps/v1", "Deployment"), namespace="shop", name="web")
    assert found is not None
    return int(found["spec"]["replicas"])


def test_detect_reports_the_drifted_fields_and_writes_nothing(
    emulator: Emulator, cluster: Cluster
) -> None:
    shop = app("shop", deployment("web", replicas=2))
    assert sync_apps(cluster, [shop]).ok
    edit_replicas(cluster, "shop", "web", 5)
    emulator.counters.reset()
    writes = cluster.writes
    result = sync_apps(cluster, [shop], options=SyncOptions(drift="detect")).apps[0]
    assert cluster.writes == writes and emulator.counters.writes == 0
    assert _live_replicas(cluster) == 5
    (web,) = [c for c in result.changes.changes if c.ref.name == "web"]
    assert web.action is Action.CONFIGURED and web.dry_run
    assert "spec.replicas drifted in the cluster; not corrected (drift: detect)" in web.reason
    assert result.ok and result.sync is SyncState.OUT_OF_SYNC
    assert "spec.replicas" in result.message


def test_ignore_leaves_drift_but_applies_git_changes(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", deployment("web", replicas=2))]).ok
    edit_replicas(cluster, "shop", "web", 5)
    kept = sync_apps(
        cluster, [app("shop", deployment("web", replicas=2))], options=SyncOptions(drift="ignore")
    )
    assert _live_replicas(cluster) == 5 and kept.apps[0].sync is SyncState.OUT_OF_SYNC
    changed = app("shop", deployment("web", replicas=3, image="nginx:1.27"))
    assert sync_apps(cluster, [changed], options=SyncOptions(drift="ignore")).ok
    assert _live_replicas(cluster) == 3  # a Git change is applied whole


def test_correct_reapplies_unless_the_object_is_held(cluster: Cluster) -> None:
    shop = app("shop", deployment("web", replicas=2))
    assert sync_apps(cluster, [shop]).ok
    edit_replicas(cluster, "shop", "web", 5)
    held = SyncOptions(held={WEB: "not corrected for 10 s more: it was corrected 3 times"})
    web = sync_apps(cluster, [shop], options=held).apps[0].changes.changes[0]
    assert web.dry_run and "corrected 3 times" in web.reason and _live_replicas(cluster) == 5
    fixed = sync_apps(cluster, [shop]).apps[0].changes.changes[0]
    assert fixed.action is Action.CONFIGURED and not fixed.dry_run
    assert _live_replicas(cluster) == 2
