from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import git
import pytest

from gitops_vela.cli import main
from gitops_vela.model.status import Health, SyncState
from gitops_vela.status import StatusWriter
from tests.source.gitrepos import Remote
from tests.status.helpers import push_foreign_file, status


@pytest.fixture
def written(remote: Remote, tmp_path: Path) -> Remote:
    StatusWriter.for_url(remote.url, cache_dir=tmp_path / "cache").write(
        [
            status("shop"),
            status(
                "web",
                sync=SyncState.FAILED,
                health=Health.UNKNOWN,
                message="1 error in apps/web/vela.yaml",
                errors=(
                    "apps/web/vela.yaml:9: services.web.port: 'http' is not of type 'integer'",
                ),
            ),
        ]
    )
    return remote


def test_status_of_a_file_url(written: Remote, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", written.url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["APP", "SYNC", "HEALTH", "REVISION", "MESSAGE", "SINCE"]
    assert out[1].split()[:4] == ["shop", "Synced", "Healthy", "1111111"]
    assert re.search(r"  all 2 objects healthy +2026-01-01T00:00:00Z$", out[1])
    assert out[2].split()[:3] == ["web", "Failed", "Unknown"]
    assert (
        out[3]
        == "    error: apps/web/vela.yaml:9: services.web.port: 'http' is not of type 'integer'"
    )


def test_status_of_a_bare_repository_path(
    written: Remote, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", str(written.bare)]) == 0
    assert "shop" in capsys.readouterr().out


def test_status_of_a_clone_reads_its_origin(
    written: Remote, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = git.Repo.clone_from(written.url, tmp_path / "clone")  # main only
    clone.close()
    push_foreign_file(written, tmp_path, "NOTES.md", "not a status file\n")
    assert main(["status", str(tmp_path / "clone"), "--branch", "gitops-vela/status"]) == 0
    out = capsys.readouterr().out
    assert "web" in out and "NOTES" not in out


def test_status_without_a_status_branch(remote: Remote, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", remote.url]) == 1
    assert "no status yet" in capsys.readouterr().err


def test_status_of_an_unreachable_url_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status", (tmp_path / "nowhere.git").as_uri()]) == 2
    assert "error:" in capsys.readouterr().err


def test_status_help_has_an_example() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gitops_vela", "status", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "example:\n  gitops-vela status" in result.stdout
    assert "--branch" in result.stdout
