from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitops_vela.catalog.sandbox import PathRefused, confined_file
from gitops_vela.errors import SourceError
from gitops_vela.source import GitSource, export_tree
from gitops_vela.source.trees import REFUSED_TARGET
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


def test_inherited_git_dir_does_not_redirect_commands(
    remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As inside a Git hook: GIT_DIR and GIT_INDEX_FILE point at another repository.
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere.git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "elsewhere.index"))
    assert export_tree(remote.bare, "main", tmp_path / "out") == remote.work.head.commit.hexsha
    assert not (tmp_path / "elsewhere.index").exists()


def test_links_leaving_the_tree_are_not_exported(remote: Remote, tmp_path: Path) -> None:
    secret = tmp_path / "host-secret"
    secret.write_text("host secret\n")
    work = Path(remote.work.working_tree_dir or "")
    (work / "definitions").mkdir()
    (work / "definitions/abs.jsonnet").symlink_to(secret)
    (work / "definitions/rel.jsonnet").symlink_to("../../host-secret")
    (work / "definitions/ok.yaml").symlink_to("../apps/shop/vela.yaml")
    remote.work.index.add(
        ["definitions/abs.jsonnet", "definitions/rel.jsonnet", "definitions/ok.yaml"]
    )
    remote.push({}, message="links")

    export_tree(remote.bare, "main", tmp_path / "out")
    defs = tmp_path / "out/definitions"
    assert sorted(p.name for p in defs.iterdir() if p.exists()) == ["ok.yaml"]  # readable
    assert (defs / "ok.yaml").read_text() == "name: shop\n"
    assert os.readlink(defs / "abs.jsonnet") == os.readlink(defs / "rel.jsonnet") == REFUSED_TARGET

    source = GitSource(remote.url, cache_dir=tmp_path / "cache")
    remote.work.index.remove(["definitions/ok.yaml"], working_tree=True)
    remote.push({}, message="older")
    source.fetch()
    (work / "definitions/late.jsonnet").symlink_to(secret)
    remote.work.index.add(["definitions/late.jsonnet"])
    remote.push({}, message="a link arrives in an update")
    snap = source.fetch()  # updated in place: the new link is checked as well
    assert not (snap.root / "definitions/late.jsonnet").exists()
    assert os.readlink(snap.root / "definitions/late.jsonnet") == REFUSED_TARGET


@pytest.mark.reliability
def test_a_refused_link_stays_a_link_leading_outside_that_reads_nothing(
    remote: Remote, tmp_path: Path
) -> None:
    secret = tmp_path / "host-secret"
    secret.write_text("host secret\n")
    work = Path(remote.work.working_tree_dir or "")
    (work / "apps/evil").mkdir(parents=True)
    (work / "apps/evil/vela.yaml").symlink_to(secret)
    remote.work.index.add(["apps/evil/vela.yaml"])
    remote.push({}, message="a link leading outside")
    source = GitSource(remote.url, cache_dir=tmp_path / "cache")
    link = source.fetch().root / "apps/evil/vela.yaml"
    assert os.readlink(link) == REFUSED_TARGET
    with pytest.raises(NotADirectoryError):
        link.read_text()
    with pytest.raises(PathRefused, match=r"'apps/evil/vela\.yaml' is a symlink leading outside"):
        confined_file(link.parents[2], "apps/evil/vela.yaml")

    remote.work.index.remove(["apps/evil/vela.yaml"], working_tree=True)
    remote.push({"apps/evil/vela.yaml": "name: evil\n"}, message="a real file now")
    snap = source.fetch()  # updated in place
    assert confined_file(snap.root, "apps/evil/vela.yaml").read_text() == "name: evil\n"
