"""The policy rules table and the config keys that feed it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.errors import ConfigError
from gitops_vela.policy import check_object
from gitops_vela.settings.configfile import load_config_file
from gitops_vela.settings.tree import PolicySettings

TEAM_A = PolicySettings(
    namespaces=("shop", "team-a-*"),
    cluster_scoped=False,
    allow_kinds=("*",),
    deny_kinds=("rbac.authorization.k8s.io/ClusterRoleBinding", "rbac.authorization.k8s.io/*Role"),
)


def _obj(api_version: str, kind: str, namespace: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"name": "x"}
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


def test_allowed_namespace_glob_passes() -> None:
    assert check_object(TEAM_A, _obj("v1", "ConfigMap", "team-a-dev")).allowed


def test_foreign_namespace_is_refused_naming_the_allowed_ones() -> None:
    verdict = check_object(TEAM_A, _obj("v1", "ConfigMap", "kube-system"))
    assert not verdict.allowed
    assert verdict.describe() == (
        "policy.namespaces: namespace 'kube-system' is not allowed (allowed: shop, team-a-*)"
    )


def test_cluster_role_binding_breaks_both_cluster_scope_and_deny() -> None:
    crb = _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
    verdict = check_object(TEAM_A, crb, namespaced=False)
    assert [v.key for v in verdict.violations] == ["clusterScoped", "kinds.deny"]


def test_deny_wins_over_allow() -> None:
    policy = PolicySettings(allow_kinds=("rbac.authorization.k8s.io/*",), deny_kinds=("*/Role",))
    verdict = check_object(policy, _obj("rbac.authorization.k8s.io/v1", "Role", "shop"))
    assert [v.key for v in verdict.violations] == ["kinds.deny"]


def test_kind_outside_allow_list_is_refused_and_core_kinds_have_no_group() -> None:
    policy = PolicySettings(allow_kinds=("apps/*", "ConfigMap"))
    assert check_object(policy, _obj("v1", "ConfigMap", "shop")).allowed
    assert check_object(policy, _obj("apps/v1", "Deployment", "shop")).allowed
    assert [v.key for v in check_object(policy, _obj("v1", "Secret", "shop")).violations] == [
        "kinds.allow"
    ]


def test_cluster_scoped_list_allows_only_those_kinds() -> None:
    policy = PolicySettings(cluster_scoped=("Namespace",))
    assert check_object(policy, _obj("v1", "Namespace"), namespaced=False).allowed
    crd = _obj("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert not check_object(policy, crd, namespaced=False).allowed


def test_a_namespace_object_is_judged_by_its_own_name() -> None:
    policy = PolicySettings(namespaces=("team-a-*",), cluster_scoped=("Namespace",))
    ours = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a-dev"}}
    theirs = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}}
    assert check_object(policy, ours, namespaced=False).allowed
    assert check_object(policy, theirs, namespaced=False).describe() == (
        "policy.namespaces: namespace 'team-b' is not allowed (allowed: team-a-*)"
    )


def test_default_policy_allows_everything() -> None:
    crb = _obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
    assert check_object(PolicySettings(), crb, namespaced=False).allowed


def test_config_file_reads_policy_and_service_account(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n"
        "  - url: https://example.com/team-a.git\n"
        "    policy:\n"
        "      namespaces: [shop, 'team-a-*']\n"
        "      clusterScoped: [Namespace]\n"
        "      kinds:\n"
        "        deny: [rbac.authorization.k8s.io/ClusterRoleBinding]\n"
        "      adoption: false\n"
        "    serviceAccountName: team-a-deployer\n"
        "    serviceAccountNamespace: team-a\n"
        "  - url: https://example.com/team-b.git\n"
    )
    team_a, team_b = load_config_file(config, environ={}).repositories
    assert team_a.policy == PolicySettings(
        namespaces=("shop", "team-a-*"),
        cluster_scoped=("Namespace",),
        deny_kinds=("rbac.authorization.k8s.io/ClusterRoleBinding",),
        adoption=False,
    )
    assert (team_a.service_account_name, team_a.service_account_namespace) == (
        "team-a-deployer",
        "team-a",
    )
    assert team_b.policy == PolicySettings()
    assert team_b.service_account_name is None


def test_config_file_refuses_an_unknown_policy_key(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n  - url: https://example.com/a.git\n    policy:\n      namespace: [shop]\n"
    )
    with pytest.raises(ConfigError, match="policy"):
        load_config_file(config, environ={})
