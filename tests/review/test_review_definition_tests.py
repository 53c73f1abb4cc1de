"""``review`` runs the tests of the definitions a PR touches: a definition that breaks its
own tests makes the PR breaking, as a template that does not compile does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cli import main
from tests.review.conftest import Repo

# annotate's own test: the owner annotation carries the owner given
OWNER_CASE = """\
services:
  web:
    type: tiny
    image: nginx:1.25
    annotate: {owner: team-a}
expect:
  - kind: Deployment
    metadata:
      name: web
      annotations: {owner: team-a}
"""


def review(capsys: pytest.CaptureFixture[str], repo: Path, *extra: str) -> tuple[int, Any]:
    code = main(["review", "--base", "main", "--head", "feature", str(repo), "-o", "json", *extra])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


@pytest.fixture
def tested(tmp_path: Path, platform: Repo) -> Repo:
    """The platform repository with a test for ``annotate`` on main."""
    platform.git("checkout", "-q", "main")
    platform.write({"definitions/tests/annotate/owner.yaml": OWNER_CASE})
    platform.commit("annotate: a test of the owner annotation")
    platform.git("checkout", "-q", "-B", "feature")
    return platform


def test_a_change_that_breaks_the_definitions_test_breaks_the_review(
    tested: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    tested.edit("definitions/annotate.yaml", "owner: parameter.owner", "owner: 'nobody'")
    tested.commit("annotate: a hard-coded owner")

    code, report = review(capsys, tested.path)

    assert code == 1
    (annotate,) = [d for d in report["definitions"] if d["name"] == "annotate"]
    (problem,) = annotate["problems"]
    assert problem.startswith("test definitions/tests/annotate/owner.yaml failed: ")
    assert "owner: team-a" in problem and "owner: nobody" in problem
    assert any(line.startswith("definition annotate: test ") for line in report["breaking"])


def test_a_change_that_keeps_the_tests_green_is_clean(
    tested: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    tested.edit(
        "definitions/annotate.yaml",
        "owner: parameter.owner }",
        "owner: parameter.owner, team: parameter.owner }",
    )
    tested.commit("annotate: also a team annotation")

    code, report = review(capsys, tested.path)

    assert code == 0, report["breaking"]
    assert [d["name"] for d in report["definitions"]] == ["annotate"]


def test_a_failing_test_added_alone_breaks_the_review(
    tested: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only a test file changed: the definition is listed for its tests, which fail."""
    wrong = OWNER_CASE.replace("annotations: {owner: team-a}", "annotations: {owner: team-b}")
    tested.write({"definitions/tests/annotate/wrong.yaml": wrong})
    tested.commit("annotate: a test that expects another owner")

    code, report = review(capsys, tested.path)

    assert code == 1
    (annotate,) = report["definitions"]
    assert annotate["name"] == "annotate"
    assert annotate["aspects"] == ["tests"]
    assert [p.split(":")[0] for p in annotate["problems"]] == [
        "test definitions/tests/annotate/wrong.yaml failed"
    ]


def test_markdown_shows_the_failing_test(tested: Repo, capsys: pytest.CaptureFixture[str]) -> None:
    tested.edit("definitions/annotate.yaml", "owner: parameter.owner", "owner: 'nobody'")
    tested.commit("annotate: a hard-coded owner")

    code = main(["review", "--base", "main", "--head", "feature", str(tested.path)])
    out, _ = capsys.readouterr()

    assert code == 1
    assert "- ❌ test definitions/tests/annotate/owner.yaml failed:" in out
