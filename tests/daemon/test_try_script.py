"""``scripts/try.sh`` as a new user runs it: the clone it prints can be pushed as printed."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake_venv(root: Path) -> None:
    """A ``.venv`` whose pip and daemon do nothing: only the script's Git setup runs."""
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "gitops-vela"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\nexit 0\n")
        tool.chmod(tool.stat().st_mode | stat.S_IXUSR)


def _git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@x"}
    env |= {"GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@x"}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_the_printed_commit_and_push_reach_the_bare_repository(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "try.sh", checkout / "scripts" / "try.sh")
    shutil.copytree(ROOT / "sample-repo", checkout / "sample-repo")
    _fake_venv(checkout)
    work = tmp_path / "try"
    env = {**os.environ, "TRY_DIR": str(work)}
    done = subprocess.run(
        [str(checkout / "scripts" / "try.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "git commit -am" in done.stdout and "git push" in done.stdout
    # "In another terminal": the printed command must work from any directory
    assert f"{checkout}/.venv/bin/gitops-vela status {work}/sample.git" in done.stdout

    clone = work / "sample"
    appfile = clone / "apps" / "shop" / "vela.yaml"
    appfile.write_text(appfile.read_text().replace("replicas: 3", "replicas: 5"))
    _git("commit", "-qam", "my change", cwd=clone)
    _git("push", "-q", cwd=clone)  # exactly what the script tells the user to run
    head = _git("rev-parse", "HEAD", cwd=clone).strip()
    assert _git("rev-parse", "main", cwd=work / "sample.git").strip() == head
