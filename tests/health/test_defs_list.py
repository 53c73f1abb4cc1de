"""``defs list`` shows which health policy judges each library kind."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_vela.cli import main
from tests.builtins.test_health_policies import OVERRIDE


def _policies(out: str) -> dict[str, str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("health policies by kind"))
    return {line.split()[0]: line for line in lines[start + 2 :]}


def test_defs_list_names_the_library_policy_of_each_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["defs", "list", str(tmp_path)]) == 0
    rows = _policies(capsys.readouterr().out)
    assert rows["CloneSet.apps.kruise.io"].split()[1:] == [
        "kruise-cloneset.jsonnet",
        "library",
        "(OpenKruise)",
    ]
    assert "InnoDBCluster.mysql.oracle.com" in rows


def test_defs_list_says_when_a_repository_replaces_a_library_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "cloneset-health.yaml").write_text(OVERRIDE)
    assert main(["defs", "list", str(tmp_path)]) == 0
    rows = _policies(capsys.readouterr().out)
    assert "definition cloneset-health" in rows["CloneSet.apps.kruise.io"]
    assert "flagger-canary.jsonnet" in rows["Canary.flagger.app"]


def test_defs_list_json_carries_the_health_policies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["defs", "list", str(tmp_path), "-o", "json"]) == 0
    policies = json.loads(capsys.readouterr().out)["healthPolicies"]
    assert {
        "kind": "Rollout.argoproj.io",
        "policy": "argo-rollout.jsonnet",
        "from": "library (Argo Rollouts)",
    } in policies
