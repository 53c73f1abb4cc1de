"""The cluster client acting as a repository's ServiceAccount: headers, refusals, bookkeeping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, Identity
from gitops_vela.cluster.identity import forbidden
from gitops_vela.errors import ApiError
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.sync import SyncOptions, sync_apps, sync_repository
from tests.sync.conftest import REPO, app, config_map

TENANT = Identity("team-a", "deployer")
RBAC = "rbac.authorization.k8s.io/v1"


@pytest.fixture
def admin(emulator: Emulator) -> Iterator[Cluster]:
    with Cluster(emulator.client_configuration()) as cluster:
        for ns in ("team-a", "team-b", "gitops-vela-system"):
            cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        cluster.apply(
            {
                "apiVersion": RBAC,
                "kind": "Role",
                "metadata": {"name": "deployer", "namespace": "team-a"},
                "rules": [
                    {
                        "apiGroups": ["", "apps"],
                        "resources": ["configmaps", "deployments"],
                        "verbs": ["get", "list", "create", "patch", "delete"],
                    }
                ],
            }
        )
        cluster.apply(
            {
                "apiVersion": RBAC,
                "kind": "RoleBinding",
                "metadata": {"name": "deployer", "namespace": "team-a"},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "deployer",
                },
                # a Group subject: the API server adds the ServiceAccount's groups itself
                "subjects": [{"kind": "Group", "name": "system:serviceaccounts:team-a"}],
            }
        )
        yield cluster


def cm(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"k": "v"},
    }


def test_the_view_sends_impersonate_user_and_shares_the_pool(admin: Cluster) -> None:
    tenant = admin.impersonating(TENANT)
    assert tenant.identity == TENANT and admin.identity is None
    assert admin.impersonating(None) is admin
    before = admin.requests["patch"]
    assert tenant.apply(cm("mine", "team-a")).created
    assert admin.requests["patch"] == before + 1  # one set of counters
    with pytest.raises(ApiError) as err:
        tenant.apply(cm("theirs", "team-b"))
    assert err.value.status == 403 and not err.value.retryable
    assert (
        err.value.message
        == "ServiceAccount team-a/deployer may not patch configmaps in namespace team-b"
    )
    resource = admin.resource("v1", "ConfigMap")
    assert admin.get(resource, namespace="team-b", name="theirs") is None


def test_a_cluster_scoped_refusal_names_the_group() -> None:
    body = {
        "kind": "Status",
        "message": 'clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "system:serviceaccount:team-a:deployer" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope',
        "reason": "Forbidden",
        "details": {"group": "rbac.authorization.k8s.io", "kind": "clusterrolebindings"},
        "code": 403,
    }
    error = forbidden(
        Identity("team-a", "team-a-deployer"),
        body=json.dumps(body).encode(),
        method="POST",
        path="/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    )
    assert error.message == (
        "ServiceAccount team-a/team-a-deployer may not create"
        " clusterrolebindings.rbac.authorization.k8s.io"
    )


def test_an_apply_refused_at_create_says_create(admin: Cluster, emulator: Emulator) -> None:
    # patch alone is not enough to create through server-side apply
    admin.apply(
        {
            "apiVersion": RBAC,
            "kind": "Role",
            "metadata": {"name": "deployer", "namespace": "team-a"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["patch"]}],
        }
    )
    with pytest.raises(ApiError) as err:
        admin.impersonating(TENANT).apply(cm("new", "team-a"))
    assert (
        err.value.message
        == "ServiceAccount team-a/deployer may not create configmaps in namespace team-a"
    )


def test_inventories_are_written_by_the_daemons_identity(admin: Cluster) -> None:
    """The tenant may not touch gitops-vela-system; its app still converges and is recorded."""
    tenant = admin.impersonating(TENANT)
    web = app("web", config_map("settings", k="v"), namespace="team-a")
    options = SyncOptions(inventory_namespace="gitops-vela-system")
    result = sync_repository(
        tenant, RepositoryRender(apps=(web,)), repo=REPO, options=options, books=admin
    )
    assert result.ok, [a.errors for a in result.apps]
    inventories = admin.list_objects(
        admin.resource("v1", "ConfigMap"), namespace="gitops-vela-system"
    )
    assert f"inventory.{REPO}.web" in {i["metadata"]["name"] for i in inventories}
    # without the daemon's identity the tenant itself would have to read them, and may not
    other = app("other", config_map("x", k="v"), namespace="team-a")
    with pytest.raises(
        ApiError,
        match="ServiceAccount team-a/deployer may not list configmaps"
        " in namespace gitops-vela-system",
    ):
        sync_apps(tenant, [other], options=options)
