"""Repositories act as their ServiceAccounts (#14 part 2), installed from
deploy/overlays/multi-tenant (part 3), enforced by the emulator's RBAC (part 4).

The daemon runs as its own ServiceAccount (a token, not the admin) with only what the
overlay grants it; each repository's requests impersonate its team's ServiceAccount.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, Identity
from gitops_vela.errors import ApiError
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import (
    GitRemote,
    StartDaemon,
    init_remote,
    make_reconciler,
    wait_for,
)

OVERLAY = Path(__file__).parents[2] / "deploy" / "overlays" / "multi-tenant"
DAEMON_SA = "system:serviceaccount:gitops-vela-system:gitops-vela"
KUBECTL = shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl renders the overlay")


def install_overlay(emulator: Emulator, tmp_path: Path) -> None:
    """``kubectl apply -k`` the overlay, plus a team B made from the team A example."""
    team_b = (OVERLAY / "tenant-team-a.yaml").read_text().replace("team-a", "team-b")
    (tmp_path / "team-b.yaml").write_text(team_b)
    for source in (["-k", str(OVERLAY)], ["-f", str(tmp_path / "team-b.yaml")]):
        assert KUBECTL is not None
        done = subprocess.run(
            [KUBECTL, "--kubeconfig", str(emulator.kubeconfig_path), "apply", *source],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr


def new_remote(tmp_path: Path, name: str, files: dict[str, str]) -> GitRemote:
    return init_remote(tmp_path / f"{name}.git", tmp_path / f"{name}-work", files)


def web(name: str, namespace: str) -> str:
    return yaml.safe_dump(
        {
            "name": name,
            "namespace": namespace,
            "services": {"web": {"image": "nginx:1.25", "port": 8080}},
        },
        sort_keys=False,
    )


def objects(name: str, namespace: str, *manifests: dict[str, Any]) -> str:
    return yaml.safe_dump(
        {
            "name": name,
            "namespace": namespace,
            "services": {"objects": {"type": "k8s-objects", "objects": list(manifests)}},
        },
        sort_keys=False,
    )


GRAB = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRoleBinding",
    "metadata": {"name": "team-a-is-admin"},
    "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "cluster-admin",
    },
    "subjects": [{"kind": "ServiceAccount", "name": "team-a-deployer", "namespace": "team-a"}],
}
IN_TEAM_B = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "planted", "namespace": "team-b"},
    "data": {"a": "1"},
}
A_SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "token", "namespace": "team-a"},
    "stringData": {"token": "not-for-logs"},
}


def get(cluster: Cluster, api_version: str, kind: str, namespace: str, name: str) -> Any:
    return cluster.get(cluster.resource(api_version, kind), namespace=namespace, name=name)


def test_each_repository_acts_as_its_service_account(
    emulator: Emulator, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    install_overlay(emulator, tmp_path)
    team_a = new_remote(
        tmp_path,
        "team-a",
        {
            "apps/web/vela.yaml": web("web", "team-a"),
            "apps/grab/vela.yaml": objects("grab", "team-a", GRAB),
            "apps/reach/vela.yaml": objects("reach", "team-a", IN_TEAM_B),
            "apps/secret/vela.yaml": objects("secret", "team-a", A_SECRET),
        },
    )
    team_b = new_remote(tmp_path, "team-b", {"apps/shop/vela.yaml": web("shop", "team-b")})
    token = emulator.users.add(DAEMON_SA)
    kubeconfig = emulator.write_kubeconfig(tmp_path / "daemon.kubeconfig", token=token)
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "namespace": "gitops-vela-system",
                "repositories": [
                    {
                        "name": team,
                        "url": str(remote.bare),
                        "interval": "1s",
                        "prune": True,
                        "serviceAccountName": f"{team}-deployer",
                        "serviceAccountNamespace": team,
                    }
                    for team, remote in (("team-a", team_a), ("team-b", team_b))
                ],
            }
        )
    )
    daemon = start_daemon("--config", str(config), "--kubeconfig", str(kubeconfig), cluster=False)
    admin = Cluster(emulator.client_configuration())
    try:
        wait_for(lambda: get(admin, "apps/v1", "Deployment", "team-a", "web"), what="team-a web")
        wait_for(lambda: get(admin, "apps/v1", "Deployment", "team-b", "web"), what="team-b shop")
        statuses = {
            app: wait_for(lambda app=app: team_a.status_file(app), what=f"status of {app}")
            for app in ("web", "grab", "reach", "secret")
        }
        assert statuses["web"]["sync"] == "Synced"
        assert wait_for(lambda: team_b.status_file("shop"), what="shop")["sync"] == "Synced"
        who = "ServiceAccount team-a/team-a-deployer may not"
        expected = {
            "grab": "ClusterRoleBinding.rbac.authorization.k8s.io/team-a-is-admin:"
            f" {who} list clusterrolebindings.rbac.authorization.k8s.io",
            "reach": f"ConfigMap/team-b/planted: {who} list configmaps in namespace team-b",
            "secret": f"Secret/team-a/token: {who} list secrets in namespace team-a",
        }
        for app, refusal in expected.items():
            assert statuses[app]["sync"] == "Failed", statuses[app]
            assert statuses[app]["errors"] == [refusal]
        # nothing refused reached the cluster
        rbac = "rbac.authorization.k8s.io/v1"
        assert get(admin, rbac, "ClusterRoleBinding", "", "team-a-is-admin") is None
        assert get(admin, "v1", "ConfigMap", "team-b", "planted") is None
        assert get(admin, "v1", "Secret", "team-a", "token") is None
        # the daemon's own identity keeps the books in its namespace
        inventories = admin.list_objects(
            admin.resource("v1", "ConfigMap"), namespace="gitops-vela-system"
        )
        names = {i["metadata"]["name"] for i in inventories}
        assert {"inventory.team-a.web", "inventory.team-b.shop"} <= names
        # the Deployment was written as the tenant: the daemon's own ServiceAccount may
        # not even read it
        with (
            Cluster(emulator.client_configuration(token=token)) as as_daemon,
            pytest.raises(ApiError, match="is forbidden"),
        ):
            get(as_daemon, "apps/v1", "Deployment", "team-a", "web")
        assert not any("not-for-logs" in line for line in daemon.lines)
    finally:
        admin.close()


@pytest.fixture
def tenant_cluster(emulator: Emulator, tmp_path: Path) -> Any:
    install_overlay(emulator, tmp_path)
    token = emulator.users.add(DAEMON_SA)
    with Cluster(emulator.client_configuration(token=token)) as daemon:
        yield daemon


def _reconciler(remote: GitRemote, cluster: Cluster, tmp_path: Path, **kw: Any) -> Any:
    settings = RepositorySettings(name="team-a", url=str(remote.bare), prune=True, **kw)
    return make_reconciler(settings, cluster, tmp_path)


def test_a_service_account_the_daemon_may_not_impersonate_fails_that_repository_clearly(
    tenant_cluster: Cluster, tmp_path: Path
) -> None:
    remote = new_remote(tmp_path, "team-a", {"apps/web/vela.yaml": web("web", "team-a")})
    reconciler = _reconciler(
        remote,
        tenant_cluster,
        tmp_path,
        service_account_name="default",  # not listed in the overlay's impersonation Role
        service_account_namespace="team-a",
    )
    report = reconciler.run()
    assert report.failed_apps == 1
    status = remote.status_file("web")
    assert status is not None and status["sync"] == "Failed"
    assert status["errors"] == [
        f"{ref}: the daemon ({DAEMON_SA}) may not impersonate ServiceAccount team-a/default:"
        " grant it the impersonate verb on serviceaccounts 'default' in namespace team-a"
        for ref in ("Service/team-a/web", "Deployment.apps/team-a/web")
    ]


def test_identity_defaults_to_the_daemons_namespace(tmp_path: Path) -> None:
    from gitops_vela.daemon.reconcile import identity

    settings = RepositorySettings(name="x", url="/srv/x.git", service_account_name="deployer")
    assert identity(settings, "gitops-vela-system") == Identity("gitops-vela-system", "deployer")
    assert identity(RepositorySettings(name="x", url="/srv/x.git"), "ops") is None


def _platform_rights(admin: Cluster, *, may_list_inside: bool) -> None:
    """ServiceAccount ops/platform manages namespaces; reading inside them is optional."""
    rules: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["*"]},
    ]
    if may_list_inside:
        rules.append({"apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list"]})
    rbac = "rbac.authorization.k8s.io/v1"
    ref = {"apiGroup": "rbac.authorization.k8s.io"}
    for manifest in (
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ops"}},
        {
            "apiVersion": rbac,
            "kind": "ClusterRole",
            "metadata": {"name": "platform"},
            "rules": rules,
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "platform"},
            "roleRef": {**ref, "kind": "ClusterRole", "name": "platform"},
            "subjects": [{"kind": "ServiceAccount", "name": "platform", "namespace": "ops"}],
        },
        {
            "apiVersion": rbac,
            "kind": "RoleBinding",
            "metadata": {"name": "gitops-vela-impersonate", "namespace": "ops"},
            "roleRef": {**ref, "kind": "ClusterRole", "name": "gitops-vela-impersonate"},
            "subjects": [
                {"kind": "ServiceAccount", "name": "gitops-vela", "namespace": "gitops-vela-system"}
            ],
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRole",
            "metadata": {"name": "gitops-vela-impersonate"},
            "rules": [
                {
                    "apiGroups": [""],
                    "resources": ["serviceaccounts"],
                    "resourceNames": ["platform"],
                    "verbs": ["impersonate"],
                }
            ],
        },
    ):
        admin.apply(manifest)


@pytest.mark.parametrize("may_list_inside", [True, False])
def test_a_namespace_is_pruned_only_when_its_service_account_can_see_inside(
    emulator: Emulator,
    tenant_cluster: Cluster,
    tmp_path: Path,
    may_list_inside: bool,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The namespace guard lists every kind inside a Namespace as the repository's identity:
    a tenant that may read its namespaces prunes them; one that may not (Secrets, say)
    keeps them, saying what it could not read (never "empty" by not looking)."""
    admin = Cluster(emulator.client_configuration())
    try:
        _platform_rights(admin, may_list_inside=may_list_inside)
        spare = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "spare"}}
        other = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kept"}}
        remote = new_remote(
            tmp_path,
            "platform",
            {"apps/platform/vela.yaml": objects("platform", "ops", spare, other)},
        )
        reconciler = _reconciler(
            remote,
            tenant_cluster,
            tmp_path,
            service_account_name="platform",
            service_account_namespace="ops",
        )
        assert reconciler.run().failed_apps == 0
        assert get(admin, "v1", "Namespace", "", "spare") is not None
        remote.push({"apps/platform/vela.yaml": objects("platform", "ops", other)})
        reconciler.run()
        status = remote.status_file("platform")
        assert status is not None
        live = get(admin, "v1", "Namespace", "", "spare")
        if may_list_inside:
            assert live is None or live["metadata"].get("deletionTimestamp"), status
        else:
            assert live is not None and not live["metadata"].get("deletionTimestamp")
            logged = capsys.readouterr().out  # a kept object is logged at every run
            assert "kept Namespace spare: cannot tell what it holds" in logged
            assert "ServiceAccount ops/platform may not list" in logged
    finally:
        admin.close()


def test_a_run_that_plans_only_some_apps_acts_as_the_service_account_too(
    emulator: Emulator, cluster: Cluster, tmp_path: Path
) -> None:
    """With the watch cache a run re-plans only the apps it must (here: the one that
    failed): its requests are the ServiceAccount's as much as a whole sync's (the
    daemon, here the admin, may do what the ServiceAccount may not)."""
    from gitops_vela.daemon.live import LiveFeed

    install_overlay(emulator, tmp_path)
    remote = new_remote(tmp_path, "team-a", {"apps/web/vela.yaml": web("web", "team-b")})
    reconciler = _reconciler(
        remote,
        cluster,
        tmp_path,
        service_account_name="team-a-deployer",
        service_account_namespace="team-a",
    )
    reconciler.live = LiveFeed(lambda: True)
    assert reconciler.run().failed_apps == 1  # team-a's ServiceAccount: not in team-b
    again = reconciler.run()
    assert again.planned == 1  # the failed app alone, retried
    assert again.failed_apps == 1
    assert get(cluster, "apps/v1", "Deployment", "team-b", "web") is None
