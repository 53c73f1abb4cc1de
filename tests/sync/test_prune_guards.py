"""A bad day deletes nothing: failed renders, failed applies and empty renders never prune."""

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure, RepositoryRender
from gitops_vela.model.status import Reason
from gitops_vela.sync import SyncOptions, sync_apps, sync_repository
from tests.sync.conftest import REPO, app, config_map, deployment, live, service

pytestmark = pytest.mark.reliability  # issue 10: a bad day deletes nothing

PRUNE = SyncOptions(prune=True)


def test_an_app_whose_render_failed_is_not_pruned(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", service("web"), config_map("c"))], options=PRUNE).ok
    # the daemon passes the last good render (or nothing) and names the failure
    result = sync_apps(cluster, [app("shop", service("web"))], options=PRUNE, failed_apps={"shop"})
    assert "failed to load or render" in result.apps[0].prune_skipped
    assert live(cluster, "v1", "ConfigMap", "c") is not None


def test_a_broken_appfile_in_a_repository_deletes_nothing(cluster: Cluster) -> None:
    good = RepositoryRender(
        apps=(app("shop", service("web")), app("blog", service("blog"), namespace="blog"))
    )
    assert sync_repository(cluster, good, repo=REPO, options=PRUNE).ok
    broken = AppFailure(
        REPO, "blog", "apps/blog/vela.yaml", (Diagnostic("apps/blog/vela.yaml", "bad", 3),)
    )
    result = sync_repository(
        cluster, RepositoryRender(apps=good.apps[:1], failures=(broken,)), repo=REPO, options=PRUNE
    )
    assert result.ok
    assert live(cluster, "v1", "Service", "blog", namespace="blog") is not None


def test_an_unparseable_appfile_keeps_every_removed_app(cluster: Cluster) -> None:
    good = RepositoryRender(
        apps=(app("shop", service("web")), app("blog", service("blog"), namespace="blog"))
    )
    assert sync_repository(cluster, good, repo=REPO, options=PRUNE).ok
    unknown = AppFailure(
        REPO, "", "apps/x/vela.yaml", (Diagnostic("apps/x/vela.yaml", "not YAML", 1),)
    )
    sync_repository(
        cluster, RepositoryRender(apps=good.apps[:1], failures=(unknown,)), repo=REPO, options=PRUNE
    )
    assert live(cluster, "v1", "Service", "blog", namespace="blog") is not None


def test_an_app_removed_from_git_is_pruned_through_its_inventory(cluster: Cluster) -> None:
    good = RepositoryRender(
        apps=(app("shop", service("web")), app("blog", service("blog"), namespace="blog"))
    )
    assert sync_repository(cluster, good, repo=REPO, options=PRUNE).ok

    result = sync_repository(
        cluster, RepositoryRender(apps=good.apps[:1]), repo=REPO, options=PRUNE
    )

    blog = result.app("blog")
    assert blog is not None and [c.action for c in blog.changes.changes] == [Action.DELETED]
    assert live(cluster, "v1", "Service", "blog", namespace="blog") is None
    assert (
        live(cluster, "v1", "ConfigMap", "inventory.acme.blog", namespace="gitops-vela-system")
        is None
    )
    assert live(cluster, "v1", "Namespace", "blog", namespace="") is not None  # never pruned


def test_an_app_whose_apply_failed_is_not_pruned(cluster: Cluster, emulator: Emulator) -> None:
    assert sync_apps(cluster, [app("shop", deployment("web"), config_map("c"))], options=PRUNE).ok
    emulator.faults.add(verb="patch", resource="deployments", status=403)

    result = sync_apps(cluster, [app("shop", deployment("web", image="nginx:2"))], options=PRUNE)

    (outcome,) = result.apps
    assert outcome.reason is Reason.APPLY_FAILED
    assert "apply failed" in outcome.prune_skipped
    assert live(cluster, "v1", "ConfigMap", "c") is not None


def test_an_app_still_in_git_that_renders_nothing_is_not_pruned_to_zero(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", service("web"))], options=PRUNE).ok
    result = sync_apps(cluster, [app("shop")], options=PRUNE)
    assert "never pruned to zero" in result.apps[0].prune_skipped
    assert live(cluster, "v1", "Service", "web") is not None
