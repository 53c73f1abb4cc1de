"""A namespace the sync has just created holds nothing: it is not searched for objects."""

from __future__ import annotations

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, config_map, deployment


def test_a_cold_sync_lists_once_per_kind_not_once_per_new_namespace(
    emulator: Emulator, cluster: Cluster
) -> None:
    apps = [
        app(f"a{i}", deployment("web"), config_map("settings", k="v"), namespace=f"ns{i}")
        for i in range(4)
    ]
    emulator.counters.reset()
    result = sync_apps(cluster, apps)
    assert result.ok
    # namespaces + inventories + one per kind (2); none per namespace and kind (8)
    assert emulator.counters.count("list") == 4, emulator.counters.by_verb()


def test_an_existing_namespace_is_still_searched_for_an_unowned_object(
    emulator: Emulator, cluster: Cluster
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old"}})
    cluster.apply(
        config_map("settings", k="theirs") | {"metadata": {"name": "settings", "namespace": "old"}}
    )
    result = sync_apps(cluster, [app("a", config_map("settings", k="v"), namespace="old")])
    (change,) = result.apps[0].changes.changes
    assert "adopted an existing object" in change.reason
