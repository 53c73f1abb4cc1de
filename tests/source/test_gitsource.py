from __future__ import annotations

import collections
import shutil
from pathlib import Path

import git
import pytest

from gitops_vela.errors import SourceError
from gitops_vela.source import GitSource
from tests.source.gitrepos import Remote


def make_source(remote: Remote, tmp_path: Path, **kwargs: object) -> GitSource:
    return GitSource(remote.url, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def test_ls_remote_then_fetch_follow_new_commits(remote: Remote, tmp_path: Path) -> None:
    source = make_source(remote, tmp_path)
    first = remote.work.head.commit.hexsha
    assert source.ls_remote() == first
    snap = source.fetch()
    assert snap.sha == first
    assert (snap.root / "apps/shop/vela.yaml").read_text() == "name: shop\n"
    assert snap.author == "Test Author <author@example.com>"
    assert snap.message == "initial"
    assert snap.committed_at.endswith("Z")

    second = remote.push({"apps/shop/vela.yaml": "name: shop\nnamespace: prod\n"}, message="prod")
    assert source.ls_remote() == second
    assert source.current == snap  # ls-remote alone changes nothing locally
    new = source.fetch()
    assert new.sha == second
    assert new.message == "prod"
    assert "namespace: prod" in (new.root / "apps/shop/vela.yaml").read_text()
    assert not snap.root.exists()  # the superseded snapshot is cleaned up


def test_fetch_of_an_unchanged_branch_returns_the_same_snapshot(
    remote: Remote, tmp_path: Path
) -> None:
    source = make_source(remote, tmp_path)
    snap = source.fetch()
    assert source.fetch() is snap


def test_fetch_is_shallow(remote: Remote, tmp_path: Path) -> None:
    for i in range(3):
        remote.push({f"apps/a{i}/vela.yaml": f"name: a{i}\n"})
    source = make_source(remote, tmp_path)
    source.fetch()
    repo = git.Repo(source.git_dir)
    try:
        assert repo.git.rev_parse("--is-shallow-repository") == "true"
        assert int(repo.git.rev_list("--count", "refs/gitops-vela/refs/heads/main")) == 1
    finally:
        repo.close()


def test_local_path_works_like_a_url(remote: Remote, tmp_path: Path) -> None:
    source = GitSource(str(remote.bare), cache_dir=tmp_path / "cache")
    assert source.fetch().sha == remote.work.head.commit.hexsha


def test_no_remote_is_configured_in_the_cache(remote: Remote, tmp_path: Path) -> None:
    source = make_source(remote, tmp_path)
    source.fetch()
    config = (source.git_dir / "config").read_text()
    assert "remote" not in config
    assert "url" not in config


def test_git_operations_are_counted_by_op(remote: Remote, tmp_path: Path) -> None:
    ops: collections.Counter[str] = collections.Counter()
    source = make_source(remote, tmp_path, on_op=lambda op: ops.update([op]))
    source.ls_remote()
    source.fetch()
    source.ls_remote()
    assert ops == {"ls-remote": 2, "fetch": 1}


def test_missing_branch_is_a_source_error(remote: Remote, tmp_path: Path) -> None:
    source = make_source(remote, tmp_path, branch="release")
    with pytest.raises(SourceError, match="branch 'release' not found"):
        source.ls_remote()


def test_remote_down_keeps_last_snapshot_and_recovers(remote: Remote, tmp_path: Path) -> None:
    source = make_source(remote, tmp_path)
    good = source.fetch()
    hidden = tmp_path / "hidden.git"
    shutil.move(remote.bare, hidden)

    with pytest.raises(SourceError) as info:
        source.ls_remote()
    assert info.value.retryable
    assert remote.url in info.value.message
    with pytest.raises(SourceError):
        source.fetch()
    assert source.current == good
    assert (good.root / "apps/shop/vela.yaml").exists()

    shutil.move(hidden, remote.bare)
    sha = remote.push({"apps/web/vela.yaml": "name: web\n"})
    assert source.ls_remote() == sha
    assert source.fetch().sha == sha


def test_snapshot_is_reused_after_a_restart(remote: Remote, tmp_path: Path) -> None:
    first = make_source(remote, tmp_path).fetch()
    marker = first.root / "apps/shop/vela.yaml"
    again = make_source(remote, tmp_path).fetch()
    assert again.root == first.root
    assert marker.exists()


def test_snapshot_path_stays_inside_the_repository(remote: Remote, tmp_path: Path) -> None:
    snap = make_source(remote, tmp_path).fetch()
    assert snap.path("apps") == (snap.root / "apps").resolve()
    with pytest.raises(ValueError, match="leaves the repository"):
        snap.path("../..")
