"""``--policy`` offline: ``validate`` and ``render`` refuse what the policy refuses, at file:line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.render import render_repository
from gitops_vela.settings import load_policy_file
from gitops_vela.settings.tree import PolicySettings
from tests.policy.tenants import DEFINITIONS, EVIL, TEAM_A_POLICY, app, write


def test_validate_reports_each_refused_object_at_its_trait_and_definition(
    repo: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(repo), "--policy", str(policy)])
    errors = capsys.readouterr().err.splitlines()
    assert code == 1
    assert errors == [
        "apps/evil/vela.yaml:6: services.web.admin-binding:"
        " ClusterRoleBinding.rbac.authorization.k8s.io/web-admin:"
        " policy.clusterScoped: cluster-scoped rbac.authorization.k8s.io/ClusterRoleBinding"
        " is not allowed (none are allowed);"
        " policy.kinds.deny: rbac.authorization.k8s.io/ClusterRoleBinding is denied"
        " (by 'rbac.authorization.k8s.io/ClusterRoleBinding')"
        " (rendered by trait 'admin-binding' at definitions/admin-binding.yaml:1)",
        "apps/evil/vela.yaml:7: services.web.peek: ConfigMap/team-b/web-peek:"
        " policy.namespaces: namespace 'team-b' is not allowed (allowed: team-a, team-a-*)"
        " (rendered by trait 'peek' at definitions/peek.yaml:1)",
    ]


def test_validate_without_policy_allows_everything_as_before(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(repo)]) == 0
    assert "ok: 2 apps rendered without errors" in capsys.readouterr().out


def test_validate_json_lists_refusals_as_errors(
    repo: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(repo), "--policy", str(policy), "-o", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["ok"] is False
    assert [(e["path"], e["line"], e["key"]) for e in document["errors"]] == [
        ("apps/evil/vela.yaml", 6, "services.web.admin-binding"),
        ("apps/evil/vela.yaml", 7, "services.web.peek"),
    ]


def test_render_prints_the_allowed_objects_only_and_fails(
    repo: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["render", str(repo), "--policy", str(policy), "-o", "json"])
    out = capsys.readouterr()
    names = [(o["kind"], o["metadata"]["name"]) for o in json.loads(out.out)["items"]]
    assert code == 1
    namespaces = [o["metadata"]["namespace"] for o in json.loads(out.out)["items"]]
    assert names == [("ConfigMap", "web"), ("ConfigMap", "web")]
    assert namespaces == ["team-a", "team-a-dev"]
    assert "web-admin" in out.err and "web-peek" in out.err


def test_a_workload_object_outside_the_namespaces_points_at_the_service(tmp_path: Path) -> None:
    root = write(tmp_path / "r", {**DEFINITIONS, "apps/x/vela.yaml": app("x", "kube-system")})
    policy = PolicySettings(namespaces=("team-a",))
    render = render_repository(root, repo="team-a", policy=policy)
    namespace, config_map = render.apps[0].refused
    assert str(config_map.where) == (
        "apps/x/vela.yaml:4: services.web: policy.namespaces: namespace 'kube-system' is not"
        " allowed (allowed: team-a) (rendered by workload type 'tiny' at definitions/tiny.yaml:1)"
    )
    # The app's own namespace, which sync would create, is refused at the Appfile's top.
    assert str(namespace.diagnostic) == (
        "apps/x/vela.yaml:1: namespace: Namespace/kube-system: policy.namespaces: namespace"
        " 'kube-system' is not allowed (allowed: team-a)"
    )
    assert render.apps[0].objects == () and not render.ok


def test_the_app_namespace_is_not_held_to_cluster_scoped_false(tmp_path: Path) -> None:
    root = write(tmp_path / "r", {**DEFINITIONS, "apps/x/vela.yaml": app("x", "team-a")})
    policy = PolicySettings(namespaces=("team-a",), cluster_scoped=False)
    render = render_repository(root, repo="team-a", policy=policy)
    assert render.ok and render.apps[0].refused == ()


def test_a_default_namespace_outside_the_policy_says_it_is_the_repositorys(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path / "r",
        {**DEFINITIONS, "apps/x/vela.yaml": "name: x\nservices:\n  web: {type: tiny}\n"},
    )
    policy = PolicySettings(namespaces=("team-a",))
    render = render_repository(root, repo="team-a", default_namespace="default", policy=policy)
    messages = [str(r.diagnostic) for r in render.apps[0].refused]
    assert messages[0] == (
        "apps/x/vela.yaml:1: namespace: Namespace/default: policy.namespaces: namespace"
        " 'default' is not allowed (allowed: team-a) (the repository's default namespace)"
    )


def test_render_cache_does_not_leak_one_policy_into_another_render(tmp_path: Path) -> None:
    root = write(tmp_path / "r", {**DEFINITIONS, "apps/evil/vela.yaml": EVIL})
    strict = render_repository(root, repo="a", policy=load_policy_file(_policy(tmp_path)))
    lax = render_repository(root, repo="a")
    assert len(strict.apps[0].refused) == 2 and len(strict.apps[0].objects) == 1
    assert lax.apps[0].refused == () and len(lax.apps[0].objects) == 3
    assert strict.apps[0].digest != lax.apps[0].digest


def _policy(tmp_path: Path) -> Path:
    return write(tmp_path, {"p.yaml": TEAM_A_POLICY}) / "p.yaml"


def test_policy_file_problems_name_file_line_and_key(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, {"bad.yaml": "policy:\n  namespace: [a]\n  clusterScoped: maybe\n"})
    code = main(["validate", str(repo), "--policy", str(bad / "bad.yaml")])
    err = capsys.readouterr().err
    assert code != 0
    assert f"{bad / 'bad.yaml'}:1: policy: Additional properties are not allowed" in err
    assert "known keys: adoption, clusterScoped, kinds, namespaces" in err
    assert f"{bad / 'bad.yaml'}:3: policy.clusterScoped:" in err


def test_policy_file_without_the_policy_key_is_refused(tmp_path: Path) -> None:
    from gitops_vela.errors import ConfigError

    path = write(tmp_path, {"p.yaml": yaml.safe_dump({"namespaces": ["a"]})}) / "p.yaml"
    with pytest.raises(ConfigError) as caught:
        load_policy_file(path)
    assert "'policy' is a required property" in str(caught.value)
