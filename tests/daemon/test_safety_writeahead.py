"""No object the daemon created escapes pruning: failed inventory writes, kill -9 (#10.3)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from tests.daemon.conftest import GitRemote, StartDaemon, appfile, get, wait_for

pytestmark = pytest.mark.reliability


def _config_maps(count: int) -> str:
    objects = "".join(
        f"      - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}}}, data: {{i: '{i}'}}}}\n"
        for i in range(count)
    )
    return f"name: extra\nnamespace: extra\nservices:\n  files:\n    type: k8s-objects\n    objects:\n{objects}"


def _live(cluster: Cluster) -> int:
    resource = cluster.resource("v1", "ConfigMap")
    found = cluster.list_objects(resource, namespace="extra", label_selector="gitops-vela.dev/app")
    return len(found)


def test_with_inventory_writes_failing_a_new_object_is_not_created_and_nothing_is_orphaned(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster, emulator: Emulator
) -> None:
    assert reconciler.run().ok
    emulator.faults.add(verb="patch", resource="configmaps", name="inventory.acme.shop", status=500)
    with_cache = appfile("shop").replace(
        "services:\n", "services:\n  cache:\n    image: redis:7\n    port: 6379\n"
    )
    remote.push({"apps/shop/vela.yaml": with_cache})

    reconciler.run()

    status = remote.status_file("shop")
    assert status is not None and status["sync"] == "Failed"
    assert any("inventory could not be recorded first" in e for e in status["errors"])
    assert get(cluster, "Deployment", "shop", "cache") is None
    emulator.faults.clear()
    remote.push({"apps/shop/vela.yaml": appfile("shop")})
    assert reconciler.run().ok
    assert get(cluster, "Deployment", "shop", "cache") is None
    assert get(cluster, "Deployment", "shop", "web") is not None


@pytest.mark.slow
def test_a_daemon_killed_mid_apply_leaves_nothing_that_escapes_pruning(
    remote: GitRemote,
    start_daemon: StartDaemon,
    cluster: Cluster,
    emulator: Emulator,
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"repositories:\n  - url: {remote.url}\n    interval: 1s\n    prune: true\n"
        "    pruneLimit: 100%\n"
    )
    remote.push({"apps/extra/vela.yaml": _config_maps(20)})
    emulator.faults.add(verb="apply", resource="configmaps", namespace="extra", latency=0.4)
    daemon = start_daemon("--config", str(config))
    wait_for(lambda: 2 <= _live(cluster) < 20, what="the apply half done")
    daemon.expected_exit = -signal.SIGKILL
    daemon.stop(signal.SIGKILL)
    assert _live(cluster) < 20
    emulator.faults.clear()

    remote.push({}, remove=("apps/extra",))
    start_daemon("--config", str(config))

    wait_for(lambda: _live(cluster) == 0, what="every ConfigMap of the removed app pruned")
