"""Builders for status values and a second writer ("someone else") on the status branch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
import yaml

from gitops_vela.model.status import AppStatus, Health, ResourceStatus, SyncState
from tests.source.gitrepos import Remote

BRANCH = "gitops-vela/status"
REV1 = "1" * 40
REV2 = "2" * 40


def status(app: str = "shop", **changes: Any) -> AppStatus:
    values: dict[str, Any] = {
        "app": app,
        "revision": REV1,
        "last_applied_revision": REV1,
        "sync": SyncState.SYNCED,
        "health": Health.HEALTHY,
        "message": "all 2 objects healthy",
        "since": "2026-01-01T00:00:00Z",
        "resources": (
            ResourceStatus("Deployment", app, "shop", "configured", Health.HEALTHY),
            ResourceStatus("Service", app, "shop", "unchanged", Health.HEALTHY),
        ),
    }
    values.update(changes)
    return AppStatus(**values)


def branch_commits(remote: Remote) -> list[git.Commit]:
    repo = git.Repo(remote.bare)
    try:
        return list(repo.iter_commits(BRANCH))
    finally:
        repo.close()


def branch_file(remote: Remote, path: str) -> str | None:
    repo = git.Repo(remote.bare)
    try:
        tree = repo.commit(BRANCH).tree
        try:
            return str(tree[path].data_stream.read().decode())
        except KeyError:
            return None
    finally:
        repo.close()


def app_doc(remote: Remote, app: str) -> dict[str, Any]:
    text = branch_file(remote, f"apps/{app}.yaml")
    assert text is not None
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


def push_foreign_file(remote: Remote, tmp: Path, path: str, text: str) -> str:
    """Someone else commits ``path`` on the status branch (a fresh clone each time)."""
    clone_dir = tmp / f"other-{len(list(tmp.glob('other-*')))}"
    other = git.Repo.clone_from(remote.url, clone_dir, branch=BRANCH)
    try:
        with other.config_writer() as cfg:
            cfg.set_value("user", "name", "Other")
            cfg.set_value("user", "email", "other@example.com")
        target = clone_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        other.index.add([path])
        sha = str(other.index.commit(f"other: {path}").hexsha)
        other.git.push("origin", f"HEAD:refs/heads/{BRANCH}")
        return sha
    finally:
        other.close()
