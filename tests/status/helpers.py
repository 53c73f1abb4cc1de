"""Builders for status values and a second writer ("someone else") on the status branch."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class CommitInfo:
    hexsha: str
    message: str
    parents: tuple[str, ...]
    author: tuple[str, str]
    paths: tuple[str, ...]


def branch_commits(remote: Remote, branch: str = BRANCH) -> list[CommitInfo]:
    """The branch's history, newest first, as plain values (the repository is closed)."""
    with git.Repo(remote.bare) as repo:
        return [
            CommitInfo(
                hexsha=c.hexsha,
                message=str(c.message),
                parents=tuple(p.hexsha for p in c.parents),
                author=(str(c.author.name), str(c.author.email)),
                paths=tuple(sorted(str(b.path) for b in c.tree.traverse())),  # type: ignore[union-attr]
            )
            for c in repo.iter_commits(branch)
        ]


def ref_sha(remote: Remote, ref: str) -> str:
    with git.Repo(remote.bare) as repo:
        return str(repo.commit(ref).hexsha)


def head_names(remote: Remote) -> list[str]:
    with git.Repo(remote.bare) as repo:
        return [h.name for h in repo.heads]


def branch_file(remote: Remote, path: str, branch: str = BRANCH) -> str | None:
    with git.Repo(remote.bare) as repo:
        tree = repo.commit(branch).tree
        try:
            return str(tree[path].data_stream.read().decode())
        except KeyError:
            return None


def app_doc(remote: Remote, app: str, folder: str = "") -> dict[str, Any]:
    """``app``'s status file, in an environment's ``folder`` if given."""
    path = f"{folder}/apps/{app}.yaml" if folder else f"apps/{app}.yaml"
    text = branch_file(remote, path)
    assert text is not None, f"no {path}"
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


def push_foreign_file(
    remote: Remote, tmp: Path, path: str, text: str, *, branch: str = BRANCH
) -> str:
    """Someone else commits ``path`` on the status branch (a fresh clone each time)."""
    clone_dir = tmp / f"other-{len(list(tmp.glob('other-*')))}"
    with git.Repo.clone_from(remote.url, clone_dir, branch=branch) as other:
        with other.config_writer() as cfg:
            cfg.set_value("user", "name", "Other")
            cfg.set_value("user", "email", "other@example.com")
        target = clone_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        other.index.add([path])
        sha = str(other.index.commit(f"other: {path}").hexsha)
        other.git.push("origin", f"HEAD:refs/heads/{branch}")
        return sha
