"""Issue 14, "Prove it": two tenant repositories in one daemon, each with its policy
and its ServiceAccount (installed from deploy/overlays/multi-tenant).

Tenant A's app ``evil`` renders a ClusterRoleBinding to cluster-admin and a ConfigMap
in tenant B's namespace (refused by the policy) and a ResourceQuota its ServiceAccount
may not create (refused by the API server): each is refused with its own message,
nothing of it reaches the cluster, and tenant A's other app and all of tenant B's apps
converge. ``review --policy`` on the pull request is in tests/policy/test_review_policy.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import PolicySettings, RepositorySettings
from tests.daemon.conftest import (
    GitRemote,
    StartDaemon,
    init_remote,
    make_reconciler,
    wait_for,
)
from tests.daemon.test_tenancy_impersonation import DAEMON_SA, KUBECTL, install_overlay
from tests.policy.tenants import DEFINITIONS, EVIL, app

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _remote(root: Path, files: dict[str, str]) -> GitRemote:
    team = ("A Team", "team@example.com")
    return init_remote(root / "remote.git", root / "work", files, author=team)


def _get(cluster: Cluster, api_version: str, kind: str, name: str, namespace: str = "") -> Any:
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace or None, name=name)


def _settled(remote: GitRemote, app_name: str, sync: str) -> dict[str, Any] | None:
    status = remote.status_file(app_name)
    return status if status is not None and status.get("sync") == sync else None


QUOTA_READER = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "quota-reader", "namespace": "team-a"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["resourcequotas"],
                "verbs": ["get", "list", "watch", "update", "patch"],
            }
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "quota-reader", "namespace": "team-a"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "quota-reader",
        },
        "subjects": [{"kind": "ServiceAccount", "name": "team-a-deployer", "namespace": "team-a"}],
    },
]
"""Team A may adjust the quotas a platform team sets in its namespace, not create any."""

TENANT_CONFIG = """\
namespace: gitops-vela-system
repositories:
  - name: team-a
    url: {team_a}
    interval: 1s
    prune: true
    policy:
      namespaces: [team-a, "team-a-*"]
      clusterScoped: false
      kinds:
        deny: [rbac.authorization.k8s.io/ClusterRoleBinding, rbac.authorization.k8s.io/ClusterRole]
      adoption: false
    serviceAccountName: team-a-deployer
    serviceAccountNamespace: team-a
  - name: team-b
    url: {team_b}
    interval: 1s
    prune: true
    policy: {{namespaces: [team-b], clusterScoped: false}}
    serviceAccountName: team-b-deployer
    serviceAccountNamespace: team-b
"""


@pytest.mark.skipif(KUBECTL is None, reason="kubectl renders the multi-tenant overlay")
def test_two_tenants_in_one_daemon_fenced_by_policy_and_by_their_service_accounts(
    emulator: Emulator, start_daemon: StartDaemon, cluster: Cluster, tmp_path: Path
) -> None:
    install_overlay(emulator, tmp_path)  # deploy/overlays/multi-tenant, teams A and B
    for manifest in QUOTA_READER:
        cluster.apply(manifest)
    team_a = _remote(
        tmp_path / "a",
        {
            **DEFINITIONS,
            "apps/evil/vela.yaml": EVIL + "    quota: {}\n",
            "apps/shop/vela.yaml": app("shop", "team-a", service="shop"),
        },
    )
    team_b = _remote(
        tmp_path / "b",
        {
            **DEFINITIONS,
            "apps/blog/vela.yaml": app("blog", "team-b"),
            "apps/wiki/vela.yaml": app("wiki", "team-b", service="wiki"),
        },
    )
    config = tmp_path / "config.yaml"
    config.write_text(TENANT_CONFIG.format(team_a=team_a.url, team_b=team_b.url))
    # The daemon runs as its own ServiceAccount, with what the overlay grants it.
    token = emulator.users.add(DAEMON_SA)
    kubeconfig = emulator.write_kubeconfig(tmp_path / "daemon.kubeconfig", token=token)
    daemon = start_daemon("--config", str(config), "--kubeconfig", str(kubeconfig), cluster=False)

    evil = wait_for(lambda: _settled(team_a, "evil", "Failed"), what="tenant A's evil to fail")
    shop = wait_for(lambda: _settled(team_a, "shop", "Synced"), what="tenant A's shop")
    for name in ("blog", "wiki"):
        wait_for(lambda n=name: _settled(team_b, n, "Synced"), what=f"tenant B's {name}")

    # Each refusal has its own message: the policy's at the Appfile line and the
    # definition, the API server's naming the ServiceAccount, the verb and the resource.
    binding, peek, quota = sorted(evil["errors"])
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
    assert quota == (
        "ResourceQuota/team-a/web: ServiceAccount team-a/team-a-deployer may not create"
        " resourcequotas in namespace team-a"
    )
    # Nothing of it reached the cluster; the rest of the app and the other apps did.
    assert _get(cluster, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "web-admin") is None
    assert _get(cluster, "v1", "ConfigMap", "web-peek", "team-b") is None
    assert _get(cluster, "v1", "ResourceQuota", "web", "team-a") is None
    assert _get(cluster, "v1", "ConfigMap", "web", "team-a")["metadata"]["labels"][OWNER] == (
        "team-a.evil"
    )
    assert shop["health"] == "Healthy"
    assert _get(cluster, "v1", "ConfigMap", "shop", "team-a") is not None
    assert _get(cluster, "v1", "ConfigMap", "web", "team-b")["metadata"]["labels"][OWNER] == (
        "team-b.blog"
    )
    assert _get(cluster, "v1", "ConfigMap", "wiki", "team-b") is not None
    # The repository kept reconciling: a refusal never turned into a crash or a retry storm.
    assert not any("reconcile crashed" in line for line in daemon.lines)


def test_the_daemon_takes_adoption_from_the_repository_policy(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    handmade = {"name": "web", "namespace": "shop"}
    ports = [{"port": 80}]
    cluster.apply(
        {"apiVersion": "v1", "kind": "Service", "metadata": handmade, "spec": {"ports": ports}}
    )
    reconciler = make_reconciler(
        RepositorySettings(name="acme", url=remote.url, policy=PolicySettings(adoption=False)),
        cluster,
        tmp_path,
    )

    report = reconciler.run()

    assert report.failed_apps == 1
    shop = remote.status_file("shop")
    assert shop is not None and shop["sync"] == "Failed"
    assert any("this repository does not adopt objects" in e for e in shop["errors"])
    live = _get(cluster, "v1", "Service", "web", "shop")
    assert OWNER not in (live["metadata"].get("labels") or {})
    assert (remote.status_file("blog") or {}).get("sync") == "Synced"
