"""Rapid A -> B -> A never deletes a live object the newest render wants."""

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import SyncOptions, sync_apps
from tests.sync.conftest import app, config_map, live, service

pytestmark = pytest.mark.reliability  # issue 10: a bad day deletes nothing

PRUNE = SyncOptions(prune=True)
A = app("shop", service("web"), config_map("feature"))
B = app("shop", service("web"))


def test_a_b_a_ends_with_every_object_of_a(cluster: Cluster) -> None:
    assert sync_apps(cluster, [A], options=PRUNE).ok
    assert sync_apps(cluster, [B], options=PRUNE).ok
    final = sync_apps(cluster, [A], options=PRUNE)
    assert final.ok and not final.apps[0].changes.with_action(Action.DELETED)
    assert live(cluster, "v1", "ConfigMap", "feature") is not None


def test_b_skipped_then_a_keeps_the_object_and_deletes_nothing(cluster: Cluster) -> None:
    assert sync_apps(cluster, [A], options=PRUNE).ok
    sync_apps(cluster, [B])  # B applied without prune: the ConfigMap is stale but kept
    final = sync_apps(cluster, [A], options=PRUNE)
    assert final.ok and not final.apps[0].changes.with_action(Action.DELETED)
    assert [c.action for c in final.apps[0].changes.changes] == [Action.UNCHANGED, Action.UNCHANGED]
    assert live(cluster, "v1", "ConfigMap", "feature") is not None


def test_an_object_moved_to_another_app_is_not_deleted_by_the_first(cluster: Cluster) -> None:
    assert sync_apps(cluster, [A, app("blog", service("blog"))], options=PRUNE).ok
    moved = [B, app("blog", service("blog"), config_map("feature", owner="blog"))]
    result = sync_apps(cluster, moved, options=PRUNE)
    assert result.ok and not any(a.changes.with_action(Action.DELETED) for a in result.apps)
    cm = live(cluster, "v1", "ConfigMap", "feature")
    assert cm is not None and cm["metadata"]["labels"]["gitops-vela.dev/app"] == "acme.blog"
