"""A commit's tree as plain files in a directory, without touching any working tree.

The tree is read into a throw-away index (``GIT_INDEX_FILE``) and checked out
from there with ``--work-tree=<dest>``: the repository's own index, HEAD and
checkout never change, and it works the same for bare repositories.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.source.gitcmd import GitRunner


def resolve_commit(runner: GitRunner, repo: Path, rev: str) -> str:
    """The full sha of the commit ``rev`` names in ``repo``."""
    try:
        out = runner.run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            cwd=repo,
        )
    except SourceError as exc:
        raise SourceError(f"{repo}: unknown revision {rev!r}", retryable=False) from exc
    return out.strip()


def checkout_tree(runner: GitRunner, repo: Path, sha: str, dest: Path) -> None:
    """Write the tree of commit ``sha`` into ``dest`` (created; must not hold files)."""
    if dest.exists() and any(dest.iterdir()):
        raise SourceError(f"{dest}: export destination is not empty", retryable=False)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gitops-vela-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        worktree = f"--work-tree={dest.resolve()}"
        runner.run([worktree, "read-tree", sha], cwd=repo, env=env)
        runner.run([worktree, "checkout-index", "--all", "--force"], cwd=repo, env=env)


def export_tree(repo: Path, rev: str, dest: Path, *, runner: GitRunner | None = None) -> str:
    """Export the tree of ``rev`` (branch, tag, sha, ``HEAD~1``...) of ``repo`` into ``dest``.

    ``repo`` is a checkout or a bare repository; nothing in it changes. Returns
    the full sha of the commit. ``SourceError`` when ``rev`` is unknown.
    """
    runner = runner or GitRunner()
    sha = resolve_commit(runner, repo, rev)
    try:
        checkout_tree(runner, repo, sha, dest)
    except SourceError:
        shutil.rmtree(dest, ignore_errors=True)
        raise
    return sha
