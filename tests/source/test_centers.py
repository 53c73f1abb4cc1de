from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_vela.errors import SourceError
from gitops_vela.source import CapabilityCenter, CenterSource, centers_digest
from tests.source.gitrepos import Remote, make_remote

ROUTE = "kind: TraitDefinition\nmetadata: {name: route}\n"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Remote]:
    remote = make_remote(tmp_path / "platform", {"definitions/route.yaml": ROUTE})
    remote.work.create_tag("v1.0.0", message="release 1.0.0")  # annotated
    remote.work.git.push("origin", "v1.0.0")
    yield remote
    remote.work.close()


def center_source(remote: Remote, tmp_path: Path, ref: str, **kwargs: object) -> CenterSource:
    center = CapabilityCenter(name="platform", url=remote.url, ref=ref)
    return CenterSource(center, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def test_tag_pin_ignores_new_commits_on_main(platform: Remote, tmp_path: Path) -> None:
    source = center_source(platform, tmp_path, "v1.0.0")
    snap = source.fetch()
    tagged = platform.work.head.commit.hexsha
    assert snap.sha == tagged  # the annotated tag is peeled to its commit
    assert (snap.definitions_dir / "route.yaml").read_text() == ROUTE

    platform.push({"definitions/route.yaml": ROUTE + "spec: {}\n"})
    again = source.fetch()
    assert again is snap
    assert again.digest == snap.digest


def test_branch_pin_digest_changes_only_with_the_definitions(
    platform: Remote, tmp_path: Path
) -> None:
    source = center_source(platform, tmp_path, "main")
    first = source.fetch()

    platform.push({"README.md": "docs only\n"})
    docs = source.fetch()
    assert docs.sha != first.sha
    assert docs.digest == first.digest  # nothing to re-render

    platform.push({"definitions/scaler.yaml": "kind: TraitDefinition\n"})
    changed = source.fetch()
    assert changed.digest != first.digest
    assert (changed.definitions_dir / "scaler.yaml").exists()
    assert centers_digest([changed]) != centers_digest([first])


def test_sha_pin_needs_no_ls_remote(platform: Remote, tmp_path: Path) -> None:
    sha = platform.work.head.commit.hexsha
    platform.push({"definitions/later.yaml": "kind: TraitDefinition\n"})
    ops: collections.Counter[str] = collections.Counter()
    source = center_source(platform, tmp_path, sha, on_op=lambda op: ops.update([op]))
    snap = source.fetch()
    assert snap.sha == sha
    assert not (snap.definitions_dir / "later.yaml").exists()
    source.fetch()
    assert ops == {"fetch": 1}


def test_unknown_ref_and_missing_folder_are_clear(platform: Remote, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="ref 'v9' not found"):
        center_source(platform, tmp_path, "v9").fetch()
    center = CapabilityCenter(name="p", url=platform.url, ref="main", path="defs")
    with pytest.raises(SourceError, match="no folder 'defs'"):
        CenterSource(center, cache_dir=tmp_path / "cache").fetch()


def test_centers_digest_is_order_independent(platform: Remote, tmp_path: Path) -> None:
    a = center_source(platform, tmp_path, "main").fetch()
    b = CenterSource(
        CapabilityCenter(name="other", url=platform.url, ref="v1.0.0"), cache_dir=tmp_path / "c2"
    ).fetch()
    assert centers_digest([a, b]) == centers_digest([b, a])
