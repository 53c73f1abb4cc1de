"""``RenderedWriter`` against a real bare repository: one file per app, a commit only when a
file changes, files it does not own kept, a lost race retried on the new tip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_vela.errors import StatusError
from gitops_vela.source import RemoteCache
from gitops_vela.status import AppManifests, RenderedWriter, SourceCommit
from gitops_vela.status.rendered import app_file, manifest_text
from tests.source.gitrepos import Remote
from tests.status.helpers import branch_commits, branch_file, push_foreign_file

BRANCH = "gitops-vela/rendered"
SHA1, SHA2 = "a" * 40, "b" * 40


def deployment(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        # keys out of kubectl's order, as the daemon's stamping may leave them
        "metadata": {
            "labels": {"gitops-vela.dev/app": "r.shop"},
            "name": "web",
            "namespace": "shop",
        },
        "spec": {"replicas": replicas},
    }


SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "db"},
    "data": {"pw": "aHVudGVyMg=="},
}


def writer(remote: Remote, tmp_path: Path, **kwargs: Any) -> RenderedWriter:
    cache = RemoteCache(remote.url, cache_dir=tmp_path / "cache", key=f"status:{BRANCH}")
    return RenderedWriter(cache, branch=BRANCH, **kwargs)


def apps(replicas: int = 1) -> list[AppManifests]:
    return [
        AppManifests("shop", "apps/shop/vela.yaml", (deployment(replicas), SECRET)),
        AppManifests("blog", "apps/blog/vela.yaml", (deployment(1),)),
    ]


def test_a_file_per_app_then_only_what_changed(remote: Remote, tmp_path: Path) -> None:
    rendered = writer(remote, tmp_path)
    first = rendered.write(apps(), source=SourceCommit(SHA1, "shop: first"))
    assert first is not None
    text = branch_file(remote, "shop.yaml", BRANCH)
    assert text is not None and text.startswith("# app shop (apps/shop/vela.yaml): ")
    docs = [d for d in yaml.safe_load_all(text) if d]
    assert list(docs[0]["metadata"]) == ["name", "namespace", "labels"]  # kubectl's order
    assert docs[1]["data"] == {"pw": "***"}

    assert rendered.write(apps(), source=SourceCommit(SHA2, "docs only")) is None
    assert len(branch_commits(remote, BRANCH)) == 1

    rendered.write(apps(replicas=3), source=SourceCommit(SHA2, "shop: three"))
    newest = branch_commits(remote, BRANCH)[0]
    assert (
        newest.message.splitlines()[0]
        == f"gitops-vela: render of {SHA2[:12]} (shop: three) [skip ci]"
    )
    assert "- shop changed" in newest.message.splitlines()
    assert newest.message.rstrip().endswith(f"Source-Commit: {SHA2}")


def test_files_it_does_not_own_are_kept_and_a_lost_race_is_retried(
    remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = writer(remote, tmp_path)
    rendered.write(apps(), source=SourceCommit(SHA1))
    push_foreign_file(remote, tmp_path, "notes/todo.yaml", "a: 1\n", branch=BRANCH)
    # someone pushes between the writer's read of the tip and its push: that push loses
    branch = rendered._branch
    real_push, pushed = branch.push, []

    def racing_push(commit: str) -> bool:
        if not pushed:
            push_foreign_file(remote, tmp_path, "README.md", "# read me\n", branch=BRANCH)
        pushed.append(commit)
        return real_push(commit)

    monkeypatch.setattr(branch, "push", racing_push)
    commit = rendered.write(apps()[:1], source=SourceCommit(SHA2, "blog gone"))

    assert commit is not None and len(pushed) == 2 and pushed[-1] == commit
    assert branch_file(remote, "README.md", BRANCH) == "# read me\n"
    assert branch_file(remote, "notes/todo.yaml", BRANCH) == "a: 1\n"
    assert branch_file(remote, "blog.yaml", BRANCH) is None
    assert "- blog removed" in branch_commits(remote, BRANCH)[0].message


def test_secret_values_when_configured(remote: Remote, tmp_path: Path) -> None:
    writer(remote, tmp_path, mask_secrets=False).write(apps(), source=SourceCommit(SHA1))
    assert "pw: aHVudGVyMg==" in (branch_file(remote, "shop.yaml", BRANCH) or "")
    assert "aHVudGVyMg" not in manifest_text(apps()[0])


def test_names_that_could_leave_the_folder_are_refused() -> None:
    assert app_file("shop") == "shop.yaml"
    for bad in ("../x", "a/b", ".hidden"):
        with pytest.raises(StatusError):
            app_file(bad)


def test_each_environment_writes_its_own_folder(remote: Remote, tmp_path: Path) -> None:
    """The daemons of staging and prod share one rendered branch and never remove each
    other's files (each holds every app of its environment, in its folder)."""
    staging = writer(remote, tmp_path / "staging", folder="staging")
    prod = writer(remote, tmp_path / "prod", folder="prod")
    assert staging.write(apps(1), source=SourceCommit(SHA1, "first")) is not None
    assert prod.write(apps(5), source=SourceCommit(SHA1, "first")) is not None
    assert staging.write(apps(2), source=SourceCommit(SHA2, "second")) is not None

    staged = branch_file(remote, "staging/shop.yaml", BRANCH)
    produced = branch_file(remote, "prod/shop.yaml", BRANCH)
    assert staged is not None and "replicas: 2" in staged
    assert produced is not None and "replicas: 5" in produced
    assert branch_file(remote, "shop.yaml", BRANCH) is None
