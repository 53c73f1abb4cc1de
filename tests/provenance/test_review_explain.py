"""``review --explain`` and ``diff --explain``: each changed field says what caused it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl

from gitops_vela.cli import main
from tests.provenance.conftest import SAMPLE
from tests.review.conftest import Repo


@pytest.fixture
def pull_request(tmp_path: Path) -> Path:
    """sample-repo in Git: ``main``, then ``pr`` raising frontend's replicas in the Appfile
    and changing the cloneset definition's default grace period."""
    repo = tmp_path / "sample-repo"
    shutil.copytree(SAMPLE, repo)
    appfile = repo / "apps/shop/vela.yaml"
    # The base's values only: each of shop's environments sets its own replicas.
    text = appfile.read_text()
    appfile.write_text(text[: text.index("\nenvironments:")] + "\n")
    history = Repo(repo)
    history.commit("base")
    history.git("checkout", "-qb", "pr")
    appfile.write_text(appfile.read_text().replace("replicas: 3", "replicas: 4", 1))
    definition = repo / "definitions/cloneset.yaml"
    text = definition.read_text()
    assert "default: 10" in text
    definition.write_text(text.replace("default: 10", "default: 30", 1))
    history.commit("pr")
    return repo


def _review(repo: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    main(["review", "--base", "main", "--head", "pr", str(repo), "--repo", "sample", *flags])
    return capsys.readouterr().out


def _explained(report: dict[str, Any], app: str, ref: str) -> list[str]:
    (change,) = [a for a in report["apps"] if a["name"] == app]
    (obj,) = [o for o in change["objects"] if o["ref"] == ref]
    lines: list[str] = obj.get("explained", [])
    return lines


def test_review_explain_names_the_appfile_line_and_the_definition(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(_review(pull_request, capsys, "--explain", "-o", "json"))
    replicas = _explained(report, "shop", "Deployment.apps/shop/frontend")
    assert replicas == [
        "spec.replicas: 3 -> 4  (apps/shop/vela.yaml:18 services.frontend.scaler.replicas: 3 -> 4)"
    ]
    grace = _explained(report, "payments", "CloneSet.apps.kruise.io/payments/ledger")
    (line,) = [g for g in grace if g.startswith("spec.updateStrategy.inPlaceUpdateStrategy")]
    assert "10 -> 30" in line
    assert "definition cloneset changed (definitions/cloneset.yaml)" in line


def test_review_explain_shows_in_markdown_and_only_when_asked(
    pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = _review(pull_request, capsys, "--explain")
    assert "Why:" in markdown
    assert (
        "- spec.replicas: 3 -> 4  (apps/shop/vela.yaml:18 services.frontend.scaler.replicas"
        in markdown
    )
    assert "Why:" not in _review(pull_request, capsys)


def test_diff_explain_names_origin_and_writer_of_each_drifted_field(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    kubeconfig = str(emulator.kubeconfig_path)
    apply = ["apply", str(SAMPLE), "--repo", "sample", "--app", "platform", "--app", "shop"]
    assert main([*apply, "--kubeconfig", kubeconfig]) == 0
    done = Kubectl(Path(kubeconfig)).run(
        "scale", "deployment/frontend", "-n", "shop", "--replicas=5"
    )
    assert done.returncode == 0, done.stderr
    capsys.readouterr()

    diff = ["diff", str(SAMPLE), "--repo", "sample", "--app", "shop", "--kubeconfig", kubeconfig]
    assert main([*diff, "--explain", "-o", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    (shop,) = document["apps"]
    (frontend,) = [
        o for o in shop["objects"] if o["name"] == "frontend" and o["kind"] == "Deployment"
    ]
    (line,) = frontend["explained"]
    assert line.startswith("spec.replicas: live 5, rendered 3")
    assert "apps/shop/vela.yaml:18 services.frontend.scaler.replicas (trait scaler)" in line
    assert "live written by kubectl (Update, subresource scale)" in line

    assert main([*diff, "--explain"]) == 1
    assert "  why: spec.replicas: live 5, rendered 3" in capsys.readouterr().out


@pytest.fixture
def environments_pull_request(tmp_path: Path) -> Path:
    """sample-repo (shop declares staging and prod) in Git: ``main``, then ``pr`` changing
    prod's frontend replicas in its block, api's replicas in the base (prod inherits them,
    staging sets its own), and adding a staging overlay file for frontend's replicas."""
    repo = tmp_path / "sample-repo"
    shutil.copytree(SAMPLE, repo)
    history = Repo(repo)
    history.commit("base")
    history.git("checkout", "-qb", "pr")
    appfile = repo / "apps/shop/vela.yaml"
    text = appfile.read_text()
    assert "scaler: {replicas: 5}" in text and "    scaler:\n      replicas: 2\n" in text
    text = text.replace("scaler: {replicas: 5}", "scaler: {replicas: 6}", 1)
    appfile.write_text(
        text.replace("    scaler:\n      replicas: 2\n", "    scaler:\n      replicas: 4\n", 1)
    )
    (repo / "apps/shop/vela.staging.yaml").write_text(
        "services:\n  frontend:\n    scaler:\n      replicas: 2\n"
    )
    history.commit("pr")
    return repo


def _explained_in(report: dict[str, Any], environment: str, app: str, ref: str) -> list[str]:
    (change,) = [a for a in report["apps"] if a["name"] == app and a["environment"] == environment]
    (obj,) = [o for o in change["objects"] if o["ref"] == ref]
    lines: list[str] = obj.get("explained", [])
    return lines


def test_review_explain_names_each_environments_own_line(
    environments_pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads(_review(environments_pull_request, capsys, "--explain", "-o", "json"))
    appfile = environments_pull_request / "apps/shop/vela.yaml"
    prod_line = _line_of(appfile, "scaler: {replicas: 6}")
    api_line = _line_of(appfile, "replicas: 4")
    frontend, api = "Deployment.apps/shop/frontend", "Deployment.apps/shop/api"
    # prod: its block's line for frontend, the base's line for the api it inherits
    assert _explained_in(report, "prod", "shop", frontend) == [
        f"spec.replicas: 5 -> 6  (apps/shop/vela.yaml:{prod_line}"
        " environments.prod.services.frontend.scaler.replicas: 5 -> 6)"
    ]
    assert _explained_in(report, "prod", "shop", api) == [
        f"spec.replicas: 2 -> 4  (apps/shop/vela.yaml:{api_line}"
        " services.api.scaler.replicas: 2 -> 4)"
    ]
    # staging: the overlay file's line; api keeps staging's own replicas, so no change there
    assert _explained_in(report, "staging", "shop", frontend) == [
        "spec.replicas: 1 -> 2  (apps/shop/vela.staging.yaml:4"
        " services.frontend.scaler.replicas: 1 -> 2)"
    ]
    (staging,) = [
        a for a in report["apps"] if a["name"] == "shop" and a["environment"] == "staging"
    ]
    assert api not in [o["ref"] for o in staging["objects"]]


def test_review_explain_env_reviews_that_environment_alone(
    environments_pull_request: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = _review(environments_pull_request, capsys, "--explain", "--env", "staging")
    assert (
        "- spec.replicas: 1 -> 2  (apps/shop/vela.staging.yaml:4"
        " services.frontend.scaler.replicas: 1 -> 2)" in markdown
    )
    assert "environments.prod" not in markdown


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_diff_explain_env_names_the_environment_block(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    kubeconfig = str(emulator.kubeconfig_path)
    common = [str(SAMPLE), "--repo", "sample", "--env", "prod", "--kubeconfig", kubeconfig]
    assert main(["apply", *common, "--app", "platform", "--app", "shop"]) == 0
    done = Kubectl(Path(kubeconfig)).run(
        "scale", "deployment/frontend", "-n", "shop", "--replicas=2"
    )
    assert done.returncode == 0, done.stderr
    capsys.readouterr()

    assert main(["diff", *common, "--app", "shop", "--explain", "-o", "json"]) == 1
    (shop,) = json.loads(capsys.readouterr().out)["apps"]
    (frontend,) = [
        o for o in shop["objects"] if o["name"] == "frontend" and o["kind"] == "Deployment"
    ]
    (line,) = frontend["explained"]
    prod = _line_of(SAMPLE / "apps/shop/vela.yaml", "scaler: {replicas: 5}")
    assert line.startswith("spec.replicas: live 2, rendered 5")
    assert (
        f"apps/shop/vela.yaml:{prod} environments.prod.services.frontend.scaler.replicas"
        " (trait scaler)" in line
    )
