from __future__ import annotations

import collections
import shutil
from pathlib import Path

import git
import pytest

from gitops_vela.errors import SourceError
from gitops_vela.source import GitSource, export_tree
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
    with git.Repo(source.git_dir) as repo:
        assert repo.git.rev_parse("--is-shallow-repository") == "true"
        assert int(repo.git.rev_list("--count", "refs/gitops-vela/refs/heads/main")) == 1


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


def test_two_branches_of_one_url_keep_separate_snapshots(remote: Remote, tmp_path: Path) -> None:
    remote.work.git.push("origin", "HEAD:refs/heads/prod")
    remote.push({"apps/web/vela.yaml": "name: web\n"})
    main = make_source(remote, tmp_path)
    prod = make_source(remote, tmp_path, branch="prod")
    main_snap, prod_snap = main.fetch(), prod.fetch()
    assert main_snap.sha != prod_snap.sha
    assert main_snap.root.exists() and prod_snap.root.exists()
    assert (main_snap.root / "apps/web/vela.yaml").exists()
    assert not (prod_snap.root / "apps/web/vela.yaml").exists()


def _tree(root: Path) -> dict[str, str]:
    """Every path under ``root``: file content, symlink target, or "dir"."""
    entries: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            entries[rel] = "-> " + str(path.readlink())
        elif path.is_dir():
            entries[rel] = "dir"
        else:
            entries[rel] = f"{path.stat().st_mode & 0o111:o} {path.read_text()}"
    return entries


def test_updated_snapshot_equals_a_fresh_export(remote: Remote, tmp_path: Path) -> None:
    work = Path(remote.work.working_tree_dir or "")
    remote.push({"x": "file becomes a dir\n", "d/y/z.txt": "dir becomes a file\n"})
    source = make_source(remote, tmp_path)
    source.fetch()

    for rel in ("x", "d/y/z.txt"):
        remote.work.index.remove([rel], working_tree=True)
    (work / "link").symlink_to("apps/shop/vela.yaml")
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    remote.work.index.add(["link", "run.sh"])
    sha = remote.push(
        {"x/inside.txt": "now a dir\n", "d/y": "now a file\n", "apps/web/vela.yaml": "name: web\n"},
        remove=("apps/shop/vela.yaml",),
    )

    snap = source.fetch()
    assert snap.sha == sha
    assert _tree(snap.root) == _tree(_export(remote, sha, tmp_path / "fresh"))
    assert not (snap.root / "apps/shop").exists()  # emptied directories go too
    assert [p.name for p in source.git_dir.parent.joinpath("snapshots").iterdir()] == [sha]


def _export(remote: Remote, sha: str, dest: Path) -> Path:
    export_tree(remote.bare, sha, dest)
    return dest


def test_a_lock_left_by_a_killed_git_is_cleared(remote: Remote, tmp_path: Path) -> None:
    source = make_source(remote, tmp_path)
    source.fetch()
    (source.git_dir / "shallow.lock").write_text("")  # git was killed mid-fetch
    sha = remote.push({"apps/web/vela.yaml": "name: web\n"})
    assert source.fetch().sha == sha
    assert not (source.git_dir / "shallow.lock").exists()
