"""Reading a commit without a full checkout: listing, blobs, sparse writes."""

from __future__ import annotations

import os
from pathlib import Path

from gitops_vela.review.gittree import list_tree, read_blobs
from gitops_vela.source import GitRunner
from gitops_vela.source.trees import checkout_paths
from tests.review.conftest import Repo


def test_list_read_and_write_only_what_is_asked(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write({"a.yaml": "name: a\n", "sub/b.yaml": "name: b ü\n", "sub/c.txt": "c\n"})
    sha = repo.commit("three files")
    runner = GitRunner()

    files = list_tree(runner, repo.path, sha)
    assert sorted(files) == ["a.yaml", "sub/b.yaml", "sub/c.txt"]
    blobs = read_blobs(runner, repo.path, {files["a.yaml"].oid, files["sub/b.yaml"].oid})
    assert blobs == {
        files["a.yaml"].oid: b"name: a\n",
        files["sub/b.yaml"].oid: "name: b ü\n".encode(),
    }

    dest = tmp_path / "out"
    checkout_paths(runner, repo.path, sha, dest, ["sub/b.yaml"])
    assert [p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()] == [
        "sub/b.yaml"
    ]
    assert repo.git("status", "--porcelain") == ""  # the user's checkout is untouched


def test_blobs_that_are_not_utf8_make_the_caller_fall_back(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    (repo.path / "latin.yaml").write_bytes(b"name: caf\xe9\n")
    (repo.path / "ok.yaml").write_text("name: ok\n")
    sha = repo.commit("latin-1")
    files = list_tree(GitRunner(), repo.path, sha)
    oids = {files["latin.yaml"].oid, files["ok.yaml"].oid}
    assert read_blobs(GitRunner(), repo.path, oids) is None


def test_links_leaving_the_tree_are_not_written(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r")
    repo.write({"definitions/x.yaml": "kind: x\n"})
    os.symlink("/etc/hostname", repo.path / "definitions" / "leak.jsonnet")
    sha = repo.commit("a link out")
    dest = tmp_path / "out"
    checkout_paths(
        GitRunner(), repo.path, sha, dest, ["definitions/x.yaml", "definitions/leak.jsonnet"]
    )
    assert (dest / "definitions" / "x.yaml").is_file()
    assert not (dest / "definitions" / "leak.jsonnet").exists()
    assert not (dest / "definitions" / "leak.jsonnet").is_symlink()
