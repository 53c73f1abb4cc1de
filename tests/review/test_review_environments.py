"""``review`` with environments: one section per environment, ``--env`` for one of them,
and an overlay file's change is a change of its app."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cli import main
from gitops_vela.review.depindex import build_index
from tests.review.conftest import ALPHA, APPS, DEFINITIONS, Repo

ALPHA_WITH_ENVIRONMENTS = (
    ALPHA
    + """\
environments:
  staging: {}
  prod:
    services:
      web: {replicas: 3}
"""
)


@pytest.fixture
def staged(tmp_path: Path) -> Repo:
    """alpha declares staging and prod; ``feature`` branches off ``main``."""
    repo = Repo(tmp_path / "staged")
    repo.write({**DEFINITIONS, **APPS, "apps/alpha/vela.yaml": ALPHA_WITH_ENVIRONMENTS})
    repo.commit("apps with environments")
    repo.branch("feature")
    return repo


def review(capsys: pytest.CaptureFixture[str], repo: Repo, *extra: str) -> tuple[int, str]:
    code = main(["review", "--base", "main", "--head", "feature", str(repo.path), *extra])
    return code, capsys.readouterr().out


def review_json(capsys: pytest.CaptureFixture[str], repo: Repo, *extra: str) -> Any:
    code, out = review(capsys, repo, "-o", "json", *extra)
    assert code == 0, out
    return json.loads(out)


def test_a_change_for_prod_only_shows_in_the_prod_section(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.edit("apps/alpha/vela.yaml", "web: {replicas: 3}", "web: {replicas: 4}")
    staged.commit("more replicas in prod")

    code, out = review(capsys, staged)

    assert code == 0, out
    prod = out.index("## Environment `prod`")
    staging = out.index("## Environment `staging`")
    assert prod < staging  # sections in name order
    assert "No app renders differently in environment `staging`." in out[staging:]
    assert prod < out.index("<b>staged/alpha [prod]</b>: changed") < staging  # in its section
    assert "-  replicas: 3" in out and "+  replicas: 4" in out


def test_a_base_change_shows_in_every_environment(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.edit("apps/alpha/vela.yaml", "image: nginx:1.25", "image: nginx:1.27")
    staged.commit("new image everywhere")

    report = review_json(capsys, staged)

    assert report["environments"] == ["prod", "staging"]
    changed = sorted((a["name"], a["environment"]) for a in report["apps"])
    assert changed == [("alpha", "prod"), ("alpha", "staging")]
    assert report["appsRendered"] == 1  # counted once, not once per environment


def test_env_reviews_only_that_environment(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.edit("apps/alpha/vela.yaml", "web: {replicas: 3}", "web: {replicas: 4}")
    staged.commit("more replicas in prod")

    report = review_json(capsys, staged, "--env", "staging")

    assert report["environments"] == ["staging"]
    assert report["apps"] == []


def test_an_overlay_change_is_a_change_of_its_app(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.write({"apps/alpha/vela.prod.yaml": "services:\n  web: {replicas: 5}\n"})
    staged.commit("prod overlay")

    report = review_json(capsys, staged, "--env", "prod")

    ((name, objects),) = [(a["name"], a["objects"]) for a in report["apps"]]
    assert name == "alpha"
    assert "+  replicas: 5" in objects[0]["diff"]


def test_a_break_in_one_environment_names_it(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.edit("apps/alpha/vela.yaml", "web: {replicas: 3}", "web: {replicas: three}")
    staged.commit("oops")

    code = main(["review", "--base", "main", "--head", "feature", str(staged.path)])

    captured = capsys.readouterr()
    assert code == 1
    assert "review: app staged/alpha [prod]: apps/alpha/vela.yaml:" in captured.err
    assert "[staging]" not in captured.err


def test_the_index_knows_declared_environments_and_overlays(staged: Repo) -> None:
    staged.write({"apps/beta/vela.dev.yaml": "services: {api: {replicas: 2}}\n"})

    index = build_index(staged.path, ["apps/**/*.yaml"])

    assert sorted(index.entries) == ["apps/alpha/vela.yaml", "apps/beta/vela.yaml"]
    assert index.environments == {"dev", "prod", "staging"}


def test_a_trait_only_an_overlay_uses_is_a_reference_of_its_app(
    staged: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    staged.git("checkout", "-q", "main")
    staged.write({"apps/beta/vela.prod.yaml": "services:\n  api:\n    annotate: {owner: ops}\n"})
    staged.commit("beta is annotated in prod")
    staged.git("checkout", "-q", "-B", "feature")
    staged.edit(
        "definitions/annotate.yaml",
        "owner: parameter.owner }",
        "owner: parameter.owner, 'team.example.com/owner': parameter.owner }",
    )
    staged.commit("annotate: also write the team annotation")

    report = review_json(capsys, staged, "--env", "prod")

    assert sorted(a["name"] for a in report["apps"]) == ["alpha", "beta"]
    (beta,) = [a for a in report["apps"] if a["name"] == "beta"]
    assert "+    team.example.com/owner: ops" in beta["objects"][0]["diff"]
