"""Issue 14, "Prove it": two tenant repositories in one daemon, each fenced by its policy.

Tenant A's app ``evil`` renders a ClusterRoleBinding to cluster-admin and a ConfigMap
in tenant B's namespace: each is refused with its own message, nothing of it reaches
the cluster, and tenant A's other app and all of tenant B's apps converge.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import PolicySettings, RepositorySettings
from tests.daemon.conftest import GitRemote, StartDaemon, git, wait_for
from tests.policy.tenants import DEFINITIONS, EVIL, app

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _remote(root: Path, files: dict[str, str]) -> GitRemote:
    bare, work = root / "remote.git", root / "work"
    git("init", "-q", "--bare", "--initial-branch=main", str(bare))
    git("init", "-q", "--initial-branch=main", str(work))
    git("config", "user.name", "A Team", cwd=work)
    git("config", "user.email", "team@example.com", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    found = GitRemote(bare=bare, work=work)
    found.push(files)
    return found


def _get(cluster: Cluster, api_version: str, kind: str, name: str, namespace: str = "") -> Any:
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace or None, name=name)


def _settled(remote: GitRemote, app_name: str, sync: str) -> dict[str, Any] | None:
    status = remote.status_file(app_name)
    return status if status is not None and status.get("sync") == sync else None


def test_two_tenants_in_one_daemon_each_fenced_by_its_policy(
    start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    team_a = _remote(
        tmp_path / "a",
        {
            **DEFINITIONS,
            "apps/evil/vela.yaml": EVIL,
            "apps/shop/vela.yaml": app("shop", "team-a-shop"),
        },
    )
    team_b = _remote(
        tmp_path / "b",
        {
            **DEFINITIONS,
            "apps/blog/vela.yaml": app("blog", "team-b"),
            "apps/wiki/vela.yaml": app("wiki", "team-b", "quota: {}", service="wiki"),
        },
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n"
        f"  - name: team-a\n    url: {team_a.url}\n    interval: 1s\n    prune: true\n"
        "    policy:\n"
        '      namespaces: [team-a, "team-a-*"]\n'
        "      clusterScoped: false\n"
        "      kinds:\n"
        "        deny: [rbac.authorization.k8s.io/ClusterRoleBinding]\n"
        "      adoption: false\n"
        f"  - name: team-b\n    url: {team_b.url}\n    interval: 1s\n    prune: true\n"
        "    policy: {namespaces: [team-b], clusterScoped: false}\n"
    )
    start_daemon("--config", str(config))

    evil = wait_for(lambda: _settled(team_a, "evil", "Failed"), what="tenant A's evil to fail")
    shop = wait_for(lambda: _settled(team_a, "shop", "Synced"), what="tenant A's shop")
    for name in ("blog", "wiki"):
        wait_for(lambda n=name: _settled(team_b, n, "Synced"), what=f"tenant B's {name}")

    # Each refusal has its own message, at the Appfile line and the definition.
    errors = evil["errors"]
    assert len(errors) == 2, errors
    binding, peek = sorted(errors)
    assert binding.startswith(
        "ClusterRoleBinding.rbac.authorization.k8s.io/web-admin:"
        " apps/evil/vela.yaml:6: services.web.admin-binding: policy.clusterScoped:"
    )
    assert "policy.kinds.deny: rbac.authorization.k8s.io/ClusterRoleBinding is denied" in binding
    assert "(rendered by trait 'admin-binding' at definitions/admin-binding.yaml:1)" in binding
    assert peek == (
        "ConfigMap/team-b/web-peek: apps/evil/vela.yaml:7: services.web.peek: policy.namespaces:"
        " namespace 'team-b' is not allowed (allowed: team-a, team-a-*)"
        " (rendered by trait 'peek' at definitions/peek.yaml:1)"
    )
    # Nothing of it reached the cluster; the rest of the app and the other apps did.
    assert _get(cluster, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "web-admin") is None
    assert _get(cluster, "v1", "ConfigMap", "web-peek", "team-b") is None
    assert _get(cluster, "v1", "ConfigMap", "web", "team-a") is not None
    assert shop["health"] == "Healthy"
    for namespace in ("team-a-shop", "team-b"):
        assert _get(cluster, "v1", "ConfigMap", "web", namespace) is not None
    assert _get(cluster, "v1", "ResourceQuota", "wiki", "team-b") is not None


def test_the_daemon_takes_adoption_from_the_repository_policy(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    handmade = {"name": "web", "namespace": "shop"}
    ports = [{"port": 80}]
    cluster.apply(
        {"apiVersion": "v1", "kind": "Service", "metadata": handmade, "spec": {"ports": ports}}
    )
    reconciler = RepositoryReconciler(
        RepositorySettings(name="acme", url=remote.url, policy=PolicySettings(adoption=False)),
        cluster=cluster,
        centers=lambda: Centers((), cache_dir=tmp_path / "centers"),
        metrics=Metrics(),
        cache_dir=tmp_path / "cache",
        inventory_namespace="gitops-vela-system",
    )

    report = reconciler.run()

    assert report.failed_apps == 1
    shop = remote.status_file("shop")
    assert shop is not None and shop["sync"] == "Failed"
    assert any("this repository does not adopt objects" in e for e in shop["errors"])
    live = _get(cluster, "v1", "Service", "web", "shop")
    assert OWNER not in (live["metadata"].get("labels") or {})
    assert (remote.status_file("blog") or {}).get("sync") == "Synced"
