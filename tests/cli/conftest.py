"""Fixtures for CLI tests: checkouts as a user has them (Git clones with an origin)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main

REPO = Path(__file__).parents[1] / "sync" / "testdata" / "repo"  # app shop: 4 objects


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository ``sample.git`` holding the test repository (app ``shop``)."""
    work = Path(shutil.copytree(REPO, tmp_path / "seed"))
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "seed", cwd=work)
    git("clone", "-q", "--bare", str(work), str(tmp_path / "sample.git"), cwd=tmp_path)
    return tmp_path / "sample.git"


def clone(remote: Path, folder: Path) -> Path:
    git("clone", "-q", str(remote), str(folder), cwd=folder.parent)
    return folder


def cli(emulator: Emulator, command: str, path: Path, *extra: str) -> int:
    """``gitops-vela COMMAND PATH --kubeconfig ...`` as a user runs it."""
    return main([command, str(path), "--kubeconfig", str(emulator.kubeconfig_path), *extra])
