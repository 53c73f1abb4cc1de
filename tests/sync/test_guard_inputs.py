"""The repository-wide guards' inputs are remembered, never their answers stale.

A drift run plans one app but the prune limit still judges every app: what it
counts as wanted is computed once per render, its counts once per set of
inventories, and inventories are decoded once per resourceVersion. Each of
those must follow a change of what it was computed from.
"""

from __future__ import annotations

from gitops_vela.cluster import Cluster
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.sync import SyncOptions, sync_repository
from gitops_vela.sync.inventory import Inventory, read_all, write
from gitops_vela.sync.limits import prune_hold, wanted_refs
from tests.sync.conftest import REPO, app, config_map, deployment, service

LIMIT = SyncOptions(prune=True, prune_limit=50)


def refs(app_name: str, count: int) -> frozenset[ObjectRef]:
    return frozenset(
        ObjectRef("", "ConfigMap", "shop", f"{app_name}-{i}", "v1") for i in range(count)
    )


def test_wanted_is_computed_once_per_render_and_anew_for_another() -> None:
    render = RepositoryRender((app("web", deployment("web"), service("web")),))
    first = wanted_refs(render, ())
    assert wanted_refs(render, ()) is first
    other = RepositoryRender((app("web", deployment("web")),))
    assert wanted_refs(other, ()) == set(other.apps[0].refs) != first
    kept = app("old", config_map("old"))
    assert set(kept.refs) < wanted_refs(render, (kept,))


def test_the_prune_limit_follows_inventories_that_changed_between_syncs() -> None:
    render = RepositoryRender((app("a", config_map("a-0")),))
    wanted = wanted_refs(render, ())
    few = [Inventory(REPO, "a", "shop", refs("a", 1)), Inventory(REPO, "b", "shop", refs("b", 0))]
    assert prune_hold(LIMIT, few, render, repo=REPO, wanted=wanted) == ""
    assert prune_hold(LIMIT, few, render, repo=REPO, wanted=wanted) == ""
    # Same render, same wanted set: app b's inventory now records 3 objects Git lost.
    many = [few[0], Inventory(REPO, "b", "shop", refs("b", 3))]
    held = prune_hold(LIMIT, many, render, repo=REPO, wanted=wanted)
    assert "would prune 3 of the 4 objects" in held
    assert prune_hold(LIMIT, few, render, repo=REPO, wanted=wanted) == ""


def test_an_inventory_is_read_anew_when_its_configmap_changed(cluster: Cluster) -> None:
    namespace = "gitops-vela-system"
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    write(cluster, Inventory(REPO, "a", "shop", refs("a", 1)), namespace=namespace)
    assert read_all(cluster, namespace=namespace)[
        Inventory(REPO, "a", "shop").owner
    ].objects == refs("a", 1)
    write(cluster, Inventory(REPO, "a", "shop", refs("a", 2)), namespace=namespace)
    assert read_all(cluster, namespace=namespace)[
        Inventory(REPO, "a", "shop").owner
    ].objects == refs("a", 2)


def test_a_sync_planning_one_app_still_holds_prunes_over_the_limit(cluster: Cluster) -> None:
    apps = [app(name, config_map(f"{name}-cm")) for name in ("a", "b", "c")]
    assert sync_repository(cluster, RepositoryRender(tuple(apps)), repo=REPO).ok
    # b and c removed from Git; a drift run plans only a: 2 of 3 objects would go.
    only_a = RepositoryRender((apps[0],))
    for _ in range(2):  # the second time from remembered inputs, same answer
        result = sync_repository(cluster, only_a, repo=REPO, options=LIMIT, plan={"a"})
        assert result.removed_kept == "" and not result.ok
        assert {r.app for r in result.apps if not r.ok} == {"b", "c"}
