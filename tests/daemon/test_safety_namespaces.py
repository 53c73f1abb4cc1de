"""The daemon never prunes a Namespace that holds other apps' or hand-made objects (#10.1)."""

from __future__ import annotations

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from tests.daemon.conftest import GitRemote, get, replicas

pytestmark = pytest.mark.reliability


def _platform(*namespaces: str) -> str:
    objects = "".join(
        f"      - {{apiVersion: v1, kind: Namespace, metadata: {{name: {n}}}}}\n"
        for n in namespaces
    )
    return (
        "name: platform\nnamespace: platform\nservices:\n  namespaces:\n"
        f"    type: k8s-objects\n    objects:\n{objects}"
    )


def test_dropping_namespaces_from_the_platform_app_deletes_nothing_inside_them(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster
) -> None:
    remote.push({"apps/platform/vela.yaml": _platform("platform", "shop", "blog", "spare")})
    assert reconciler.run().ok
    uid = get(cluster, "Deployment", "blog", "web")["metadata"]["uid"]  # type: ignore[index]
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "by-hand", "namespace": "shop"},
            "stringData": {"token": "a person made this"},
        }
    )

    remote.push({"apps/platform/vela.yaml": _platform("platform")})
    report = reconciler.run()

    assert report.ok
    assert get(cluster, "Namespace", "", "shop") is not None
    assert get(cluster, "Secret", "shop", "by-hand") is not None
    assert get(cluster, "Deployment", "blog", "web")["metadata"]["uid"] == uid  # type: ignore[index]
    assert replicas(cluster, "shop") == 1
    spare = get(cluster, "Namespace", "", "spare")  # it held nothing of others: deleted
    assert spare is None or spare["metadata"].get("deletionTimestamp")
    status = remote.status_file("platform")
    assert status is not None
    kept = {r["name"]: r["action"] for r in status["resources"]}
    assert kept["shop"] == "skipped" and kept["blog"] == "skipped"
