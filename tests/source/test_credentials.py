from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from gitops_vela.errors import SourceError
from gitops_vela.source import Credentials, GitSource
from gitops_vela.source.credentials import ssh_command
from tests.source.gitrepos import Remote
from tests.source.httpgit import serve_git

TOKEN = "ghp_s3cretTOKENvalue42"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def assert_no_token_in(tree: Path) -> None:
    for path in tree.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_https_token_authenticates_without_being_stored(
    remote: Remote, tmp_path: Path, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with serve_git(tmp_path, user="x-access-token", token=TOKEN) as (base, backend):
        source = GitSource(
            f"{base}/remote.git",
            cache_dir=tmp_path / "cache",
            credentials=Credentials(token_file=token_file),
        )
        assert source.ls_remote() == remote.work.head.commit.hexsha
        snap = source.fetch()
    assert (snap.root / "apps/shop/vela.yaml").exists()
    assert backend.authorizations[0] == ""  # Git asked for credentials only when challenged
    assert_no_token_in(tmp_path / "cache")
    assert TOKEN not in caplog.text


def test_wrong_token_fails_with_a_redacted_error(
    remote: Remote, tmp_path: Path, token_file: Path
) -> None:
    with serve_git(tmp_path, user="x-access-token", token="another") as (base, _):
        source = GitSource(
            f"{base}/remote.git",
            cache_dir=tmp_path / "cache",
            credentials=Credentials(token_file=token_file),
        )
        with pytest.raises(SourceError) as info:
            source.ls_remote()
    assert "Authentication failed" in info.value.message or "401" in info.value.message
    assert TOKEN not in str(info.value)


def test_unreachable_https_remote_error_holds_no_token(tmp_path: Path, token_file: Path) -> None:
    source = GitSource(
        "https://git.example.invalid/acme/shop.git",
        cache_dir=tmp_path / "cache",
        credentials=Credentials(token_file=token_file),
        timeout=20,
    )
    with pytest.raises(SourceError) as info:
        source.fetch()
    assert info.value.retryable
    assert "https://git.example.invalid/acme/shop.git" in info.value.message
    assert TOKEN not in str(info.value)
    assert_no_token_in(tmp_path / "cache")


def test_url_with_credentials_is_refused_and_redacted(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        GitSource(f"https://bot:{TOKEN}@git.example.com/a.git", cache_dir=tmp_path)
    assert not info.value.retryable
    assert TOKEN not in str(info.value)
    assert "https://***@git.example.com/a.git" in str(info.value)
    assert "tokenFile" in str(info.value)


def test_ssh_command_pins_key_and_known_hosts(tmp_path: Path) -> None:
    cmd = ssh_command(
        Credentials(ssh_key_file=tmp_path / "id key", known_hosts_file=tmp_path / "known_hosts")
    )
    assert "StrictHostKeyChecking=yes" in cmd
    assert "BatchMode=yes" in cmd
    assert "IdentitiesOnly=yes" in cmd
    assert f"'{tmp_path / 'id key'}'" in cmd
    assert f"UserKnownHostsFile={tmp_path / 'known_hosts'}" in cmd


def test_git_runs_ssh_with_our_key_and_known_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    args_file = tmp_path / "ssh-args"
    fake = bin_dir / "ssh"  # records how Git called it, then fails like a refused host key
    fake.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {args_file}\n'
        'echo "Host key verification failed." >&2\nexit 255\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.delenv("GIT_SSH_COMMAND", raising=False)
    key, known = tmp_path / "id_ed25519", tmp_path / "known_hosts"
    source = GitSource(
        "git@git.example.com:acme/shop.git",
        cache_dir=tmp_path / "cache",
        credentials=Credentials(ssh_key_file=key, known_hosts_file=known),
    )
    with pytest.raises(SourceError, match="Host key verification failed") as info:
        source.ls_remote()
    assert info.value.retryable
    args = args_file.read_text().splitlines()
    assert "StrictHostKeyChecking=yes" in args
    assert "BatchMode=yes" in args
    assert f"UserKnownHostsFile={known}" in args
    assert args[args.index("-i") + 1] == str(key)
    assert "git@git.example.com" in args


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def test_timeout_kills_a_hanging_git_and_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "pid"
    fake_ssh = tmp_path / "fake-ssh"
    # A grandchild of git that would hold the pipes open for a minute.
    fake_ssh.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {pid_file}\nwait\n")
    fake_ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake_ssh))
    source = GitSource("ssh://git.example.com/a.git", cache_dir=tmp_path / "cache", timeout=1)

    with pytest.raises(SourceError, match=r"ls-remote timed out after 1s \(killed\)") as info:
        source.ls_remote()
    assert info.value.retryable
    pid = int(pid_file.read_text())
    for _ in range(50):  # the kill is delivered; give the kernel a moment to reap
        if _state(pid) in ("gone", "Z", "X"):
            break
        time.sleep(0.05)
    assert _state(pid) in ("gone", "Z", "X")  # dead (a zombie waits for its reaper)
