"""Real Git repositories for tests: a bare remote and a working clone that pushes to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import git


def init_repo(path: Path, *, bare: bool = False, branch: str = "main") -> git.Repo:
    repo = git.Repo.init(path, bare=bare, initial_branch=branch)
    with repo.config_writer() as cfg:
        cfg.set_value("user", "name", "Test Author")
        cfg.set_value("user", "email", "author@example.com")
    return repo


def commit_files(
    repo: git.Repo,
    files: Mapping[str, str],
    *,
    message: str = "change",
    remove: tuple[str, ...] = (),
) -> str:
    """Write ``files`` (path -> text), remove ``remove``, commit; return the sha."""
    root = Path(repo.working_tree_dir or "")
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    if files:
        repo.index.add(list(files))
    if remove:
        repo.index.remove(list(remove), working_tree=True)
    return str(repo.index.commit(message).hexsha)


@dataclass
class Remote:
    """A bare repository (the "server") and a clone people push from."""

    bare: Path
    work: git.Repo

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def push(
        self, files: Mapping[str, str], *, message: str = "change", remove: tuple[str, ...] = ()
    ) -> str:
        sha = commit_files(self.work, files, message=message, remove=remove)
        self.work.git.push("origin", "HEAD:refs/heads/main")
        return sha


def make_remote(tmp: Path, files: Mapping[str, str] | None = None) -> Remote:
    bare = tmp / "remote.git"
    init_repo(bare, bare=True).close()
    work = init_repo(tmp / "work")
    work.create_remote("origin", str(bare))
    remote = Remote(bare=bare, work=work)
    remote.push(files or {"apps/shop/vela.yaml": "name: shop\n"}, message="initial")
    return remote
