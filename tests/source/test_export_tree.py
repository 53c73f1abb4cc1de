from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.errors import SourceError
from gitops_vela.source import export_tree
from tests.source.gitrepos import Remote


def test_export_tree_writes_the_files_of_any_revision(remote: Remote, tmp_path: Path) -> None:
    first = remote.work.head.commit.hexsha
    second = remote.push(
        {"definitions/route.yaml": "kind: TraitDefinition\n"}, remove=("apps/shop/vela.yaml",)
    )
    work_dir = Path(remote.work.working_tree_dir or "")

    got = export_tree(work_dir, "HEAD~1", tmp_path / "base")
    assert got == first
    assert (tmp_path / "base/apps/shop/vela.yaml").read_text() == "name: shop\n"
    assert not (tmp_path / "base/definitions").exists()

    got = export_tree(remote.bare, "main", tmp_path / "head")
    assert got == second
    assert (tmp_path / "head/definitions/route.yaml").exists()
    assert not (tmp_path / "head/apps").exists()
    assert not (tmp_path / "head/.git").exists()


def test_export_tree_leaves_checkout_and_index_alone(remote: Remote, tmp_path: Path) -> None:
    work_dir = Path(remote.work.working_tree_dir or "")
    remote.push({"apps/shop/vela.yaml": "name: shop\nnamespace: x\n"})
    (work_dir / "apps/shop/vela.yaml").write_text("local edit\n")
    head_before = remote.work.head.commit.hexsha

    export_tree(work_dir, "HEAD~1", tmp_path / "out")

    assert (work_dir / "apps/shop/vela.yaml").read_text() == "local edit\n"
    assert remote.work.head.commit.hexsha == head_before
    assert remote.work.index.diff(None)[0].a_path == "apps/shop/vela.yaml"
    assert not remote.work.index.diff("HEAD")


def test_export_tree_unknown_revision_is_a_clear_error(remote: Remote, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unknown revision 'nope'"):
        export_tree(remote.bare, "nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()
