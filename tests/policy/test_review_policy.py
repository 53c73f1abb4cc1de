"""``review --policy``: a pull request whose head renders what the policy refuses breaks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_vela.cli import main
from tests.policy.tenants import ADMIN_BINDING, DEFINITIONS, app
from tests.review.conftest import Repo


@pytest.fixture
def team_a(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path / "team-a")
    files = {k: v for k, v in DEFINITIONS.items() if k != "definitions/admin-binding.yaml"}
    repo.write({**files, "apps/shop/vela.yaml": app("shop", "team-a")})
    repo.commit("team A's shop")
    repo.branch("feature")
    return repo


def _add_admin_binding(repo: Repo) -> None:
    """The PR: a new trait rendering a ClusterRoleBinding, used by the shop."""
    repo.write(
        {
            "definitions/admin-binding.yaml": ADMIN_BINDING,
            "apps/shop/vela.yaml": app("shop", "team-a", "admin-binding: {user: mallory}"),
        }
    )
    repo.commit("shop: give mallory cluster-admin")


def test_a_pr_adding_a_template_the_policy_refuses_is_breaking(
    team_a: Repo, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_admin_binding(team_a)
    args = ["review", "--base", "main", "--head", "feature", str(team_a.path)]

    code = main([*args, "--policy", str(policy), "-o", "json"])
    report = json.loads(capsys.readouterr().out)

    assert code == 1
    (shop,) = report["apps"]
    assert shop["status"] == "broken"
    assert shop["errors"] == [
        "apps/shop/vela.yaml:6: services.web.admin-binding:"
        " ClusterRoleBinding.rbac.authorization.k8s.io/web-admin:"
        " policy.clusterScoped: cluster-scoped rbac.authorization.k8s.io/ClusterRoleBinding"
        " is not allowed (none are allowed);"
        " policy.kinds.deny: rbac.authorization.k8s.io/ClusterRoleBinding is denied"
        " (by 'rbac.authorization.k8s.io/ClusterRoleBinding')"
        " (rendered by trait 'admin-binding' at definitions/admin-binding.yaml:1)"
    ]

    code = main([*args, "--policy", str(policy)])
    out, err = capsys.readouterr()
    assert code == 1 and "Head breaks" in out
    assert "review: app team-a/shop: apps/shop/vela.yaml:6: services.web.admin-binding:" in err


def test_the_same_pr_without_a_policy_is_a_plain_change(
    team_a: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_admin_binding(team_a)
    code = main(["review", "--base", "main", "--head", "feature", str(team_a.path)])
    assert code == 0, capsys.readouterr().err


def test_a_refusal_already_at_base_is_not_news(
    team_a: Repo, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    team_a.write({"apps/shop/vela.yaml": app("shop", "team-a", "peek: {into: team-b}")})
    team_a.git("checkout", "-q", "main")
    team_a.commit("shop peeks into team B (before the policy)")
    team_a.git("checkout", "-q", "feature")
    team_a.git("merge", "-q", "main")
    team_a.write(
        {"apps/shop/vela.yaml": app("shop", "team-a", "peek: {into: team-b}", "quota: {}")}
    )
    team_a.commit("shop: a quota")

    code = main(
        ["review", "--base", "main", "--head", "feature", str(team_a.path), "--policy", str(policy)]
    )
    assert code == 0, capsys.readouterr().err
