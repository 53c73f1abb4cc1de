"""A broken Appfile keeps its last good render enforced: real health, drift corrected, no prune."""

from __future__ import annotations

import kubernetes
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from tests.daemon.conftest import GitRemote, appfile, replicas

BROKEN_PORT = appfile("shop", replicas=1, port="http")


def test_a_broken_app_reports_the_live_health_of_its_last_good_render(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster, emulator: Emulator
) -> None:
    assert reconciler.run().ok
    emulator.settle()  # the Pods run (the controllers take a few ticks, as on a cluster)
    assert reconciler.run().ok  # the rollout is observed: Healthy
    assert remote.status_file("shop")["health"] == "Healthy"  # type: ignore[index]

    remote.push({"apps/shop/vela.yaml": BROKEN_PORT})
    reconciler.run()
    broken = remote.status_file("shop")
    assert broken is not None
    assert broken["sync"] == "Failed" and broken["health"] == "Healthy"
    assert any("services.web.port" in error for error in broken["errors"])
    assert {r["kind"] for r in broken["resources"]} >= {"Deployment", "Service"}

    # While the Appfile stays broken, the cluster is still watched and kept in line.
    emulator.simulation.fail("Deployment", "web", namespace="shop")
    reconciler.run()
    assert remote.status_file("shop")["health"] == "Degraded"  # type: ignore[index]
    _scale_by_hand(emulator, 4)
    reconciler.run()
    assert replicas(cluster) == 1


def _scale_by_hand(emulator: Emulator, count: int) -> None:
    """``kubectl scale``: another field manager, through the scale subresource."""
    with kubernetes.client.ApiClient(emulator.client_configuration()) as client:
        kubernetes.client.AppsV1Api(client).patch_namespaced_deployment_scale(
            "web", "shop", {"spec": {"replicas": count}}
        )
