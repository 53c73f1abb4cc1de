"""``review`` and definition versions: a change inside the version an app pins is a change to
that app; a change to another version is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_vela.cli import main
from tests.review.conftest import DEFINITIONS, Repo

STAMP = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata:
  name: stamp
spec:
  version: "VERSION"
  appliesToWorkloads: [tiny]
  parameters: {type: object, properties: {}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: { metadata+: { annotations+: { stamp: 'VERSION' } } },
          outputs: {},
        }
"""


def uses(name: str, trait: str) -> str:
    return f"name: {name}\nservices:\n  web:\n    type: tiny\n    image: nginx:1.25\n    {trait}: {{}}\n"


@pytest.fixture
def versioned(tmp_path: Path) -> Repo:
    """``pinned`` uses stamp@1 (1.0.0), ``latest`` the newest stamp (2.0.0)."""
    repo = Repo(tmp_path / "platform")
    repo.write(
        {
            **DEFINITIONS,
            "definitions/stamp-1.yaml": STAMP.replace("VERSION", "1.0.0"),
            "definitions/stamp-2.yaml": STAMP.replace("VERSION", "2.0.0"),
            "apps/pinned/vela.yaml": uses("pinned", "stamp@1"),
            "apps/latest/vela.yaml": uses("latest", "stamp"),
        }
    )
    repo.commit("two versions of stamp")
    repo.branch("feature")
    return repo


def review_json(capsys: pytest.CaptureFixture[str], repo: Repo) -> dict[str, Any]:
    args = ["review", "--base", "main", "--head", "feature", str(repo.path), "--format", "json"]
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_a_change_inside_a_pinned_version_reaches_the_pinned_app_only(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    versioned.edit("definitions/stamp-1.yaml", "stamp: '1.0.0'", "stamp: '1.0.0-fixed'")
    versioned.commit("stamp 1.0.0: fix in place")

    data = review_json(capsys, versioned)

    (stamp,) = data["definitions"]
    assert stamp["name"] == "stamp@1.0.0" and stamp["status"] == "changed"
    assert stamp["usedBy"] == ["platform/pinned"]
    assert [a["name"] for a in data["apps"]] == ["pinned"]
    assert data["apps"][0]["definitions"] == ["stamp@1.0.0"]


def test_a_new_minor_in_the_pinned_major_is_one_change_that_moves_the_pinned_app(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    versioned.edit("definitions/stamp-1.yaml", "1.0.0", "1.1.0")
    versioned.commit("stamp 1.1.0")

    data = review_json(capsys, versioned)

    (stamp,) = data["definitions"]
    assert stamp["name"] == "stamp@1.1.0" and stamp["status"] == "changed"
    assert "version 1.0.0 -> 1.1.0" in stamp["aspects"]
    assert [a["name"] for a in data["apps"]] == ["pinned"]


def test_a_change_to_the_newest_version_leaves_the_pinned_app_alone(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    versioned.edit("definitions/stamp-2.yaml", "stamp: '2.0.0'", "stamp: '2.0.0-fixed'")
    versioned.commit("stamp 2.0.0: fix in place")

    data = review_json(capsys, versioned)

    assert [d["name"] for d in data["definitions"]] == ["stamp@2.0.0"]
    assert [a["name"] for a in data["apps"]] == ["latest"]


def test_a_new_major_is_added_and_only_unpinned_apps_move(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    versioned.write({"definitions/stamp-3.yaml": STAMP.replace("VERSION", "3.0.0")})
    versioned.commit("stamp 3.0.0")

    data = review_json(capsys, versioned)

    (stamp,) = data["definitions"]
    assert stamp["name"] == "stamp@3.0.0" and stamp["status"] == "added"
    assert [a["name"] for a in data["apps"]] == ["latest"]


def test_review_lists_the_waves_of_a_definition_change_in_rollout_order(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    tiered = uses("canary", "stamp").replace("services:", "labels: {tier: '0'}\nservices:")
    versioned.write({"apps/canary/vela.yaml": tiered, "apps/zeta/vela.yaml": uses("zeta", "stamp")})
    versioned.commit("two more apps on the newest stamp")
    versioned.git("branch", "-f", "main")
    versioned.edit("definitions/stamp-2.yaml", "stamp: '2.0.0'", "stamp: '2.0.0-fixed'")
    versioned.commit("stamp 2.0.0: fix in place")

    code = main(
        [
            *("review", "--base", "main", "--head", "feature", str(versioned.path)),
            *("--format", "json", "--waves", "1,100%", "--rollout-order", "tier"),
        ]
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    # the canary first by its tier, then by name; the app pinning stamp@1 is in no wave
    assert json.loads(out)["waves"] == {"platform": [["canary"], ["latest", "zeta"]]}


def test_review_refuses_a_wave_that_is_no_count_or_percentage(
    versioned: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(
            [
                "review",
                "--base",
                "main",
                "--head",
                "feature",
                str(versioned.path),
                "--waves",
                "1,0%",
            ]
        )

    assert "'0%' is not a number of apps" in capsys.readouterr().err
