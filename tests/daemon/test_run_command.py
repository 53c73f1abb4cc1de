"""``gitops-vela run``: flags and config files become settings, mistakes become clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.cli import build_parser, main
from gitops_vela.cli.run_cmd import settings_loader
from gitops_vela.settings import Settings


def load(*argv: str) -> Settings:
    args = build_parser().parse_args(["run", *argv])
    return settings_loader(args)()


def test_single_repository_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load(
        "--repo",
        "shop.git",
        "--branch",
        "prod",
        "--path",
        "deploy",
        "--interval",
        "30s",
        "--namespace",
        "shop",
        "--prune",
        "--status-branch",
        "ops/status",
        "--listen",
        "127.0.0.1:9555",
        "--embedded-cluster",
        "--cache-dir",
        "c",
        "--token-file",
        "t",
    )
    (repo,) = settings.repositories
    assert (repo.name, repo.url) == ("shop", str(tmp_path / "shop.git"))
    assert (repo.branch, repo.path, repo.interval, repo.namespace) == ("prod", "deploy", 30, "shop")
    assert repo.prune and repo.status.branch == "ops/status"
    assert repo.credentials.token_file == tmp_path / "t"
    assert settings.server.listen == "127.0.0.1:9555"
    assert settings.cluster.embedded and settings.cache_dir == tmp_path / "c"


def test_without_prune_nothing_is_deleted_by_default(tmp_path: Path) -> None:
    (repo,) = load("--repo", str(tmp_path)).repositories
    assert not repo.prune and repo.interval == 60 and repo.status.enabled


def test_repository_flags_do_not_mix_with_a_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("repositories: [{url: /srv/a.git}]\n")
    assert main(["run", "--config", str(config), "--branch", "dev", "--prune"]) == 2
    assert "--branch, --prune only go with --repo" in capsys.readouterr().err


def test_a_broken_config_file_is_reported_with_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("repositories:\n  - url: /srv/a.git\n    interval: often\n")
    assert main(["run", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert f"{config}:3: repositories[0].interval: invalid duration 'often'" in err


def test_config_or_repo_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run"])
    assert caught.value.code == 2
    assert "one of the arguments --config --repo is required" in capsys.readouterr().err


def test_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    assert "example:" in out and "--embedded-cluster" in out


def test_a_daemon_that_cannot_start_says_why_in_one_json_line(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gitops_vela",
            "run",
            "--repo",
            str(tmp_path),
            "--kubeconfig",
            str(tmp_path / "missing"),
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "GITOPS_VELA_LOG_FORMAT": "json"},
    )
    assert done.returncode == 2 and done.stderr == ""
    (line,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["event"] == "cannot run the daemon" and "missing" in line["error"]
    assert "reason" not in line  # a start-up failure is no ReconciliationFailed
