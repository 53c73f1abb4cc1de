"""No object gitops-vela created can escape pruning: inventories are written ahead (#10.3)."""

from __future__ import annotations

from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import SyncOptions, stages, sync_apps
from gitops_vela.sync.inventory import read_all
from tests.sync.conftest import app, config_map, live

pytestmark = pytest.mark.reliability

PRUNE = SyncOptions(prune=True)


def test_an_object_whose_inventory_cannot_be_written_is_not_created(
    cluster: Cluster, emulator: Emulator
) -> None:
    assert sync_apps(cluster, [app("shop", config_map("a"))], options=PRUNE).ok
    emulator.faults.add(verb="patch", resource="configmaps", name="inventory.acme.shop", status=500)

    result = sync_apps(
        cluster, [app("shop", config_map("a", x="1"), config_map("b"))], options=PRUNE
    )

    changes = {c.ref.name: c for c in result.apps[0].changes.changes}
    assert changes["a"].action is Action.CONFIGURED  # listed already: applied
    assert changes["b"].action is Action.FAILED
    assert "inventory could not be recorded first" in changes["b"].reason
    assert not result.ok and live(cluster, "v1", "ConfigMap", "b") is None

    emulator.faults.clear()
    assert sync_apps(cluster, [app("shop", config_map("a", x="1"), config_map("b"))]).ok
    assert live(cluster, "v1", "ConfigMap", "b") is not None
    assert sync_apps(cluster, [app("shop", config_map("a", x="1"))], options=PRUNE).ok
    assert live(cluster, "v1", "ConfigMap", "b") is None  # nothing escaped


def test_the_inventory_lists_new_objects_before_they_exist(
    cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sync_apps(cluster, [app("shop", config_map("a"))]).ok
    seen: list[set[str]] = []
    real = stages.execute

    def spying(cluster: Cluster, entry: Any, *, wait_timeout: float) -> Any:
        (recorded,) = read_all(cluster, namespace="gitops-vela-system").values()
        seen.append({r.name for r in recorded.objects})
        return real(cluster, entry, wait_timeout=wait_timeout)

    monkeypatch.setattr(stages, "execute", spying)

    assert sync_apps(cluster, [app("shop", config_map("a"), config_map("b"))]).ok

    assert seen == [{"a", "b"}]  # b was recorded before it was created
