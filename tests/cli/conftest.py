"""Fixtures for CLI tests: checkouts as a user has them (Git clones with an origin)."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Ran:
    code: int
    stdout: str
    stderr: str  # what the user's terminal showed, when stderr was one


def run_cli(*args: str, tty: str = "") -> Ran:
    """``gitops-vela ARGS`` in a subprocess; ``tty`` names the stream attached to a pty
    ("stderr" or "stdout"), as when a person runs it in a terminal."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    command = [sys.executable, "-m", "gitops_vela", *args]
    if not tty:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        return Ran(done.returncode, done.stdout, done.stderr)
    main_fd, child_fd = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, tty: child_fd}
    proc = subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=streams["stdout"],
        stderr=streams["stderr"],
    )
    os.close(child_fd)
    shown = _drain(main_fd)
    out, err = proc.communicate(timeout=120)
    screen = shown.result(timeout=10)
    if tty == "stdout":
        return Ran(proc.returncode, screen, err.decode())
    return Ran(proc.returncode, out.decode(), screen)


def _drain(fd: int) -> Future[str]:
    """Read the pty until its last writer closes it (EIO), in a thread: a pty buffer is small."""

    def read() -> str:
        chunks = []
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(fd)
        return b"".join(chunks).decode("utf-8", "replace")

    future: Future[str] = Future()
    threading.Thread(target=lambda: future.set_result(read()), daemon=True).start()
    return future
