"""A commit's tree as plain files in a directory, without touching any working tree.

The tree is read into a throw-away index (``GIT_INDEX_FILE``) and checked out
from there with ``--work-tree=<dest>``: the repository's own index, HEAD and
checkout never change, and it works the same for bare repositories.

Symbolic links that lead outside the tree (``definitions/x.jsonnet ->
/var/run/secrets/...``) are removed after checkout: whatever renders or
diffs the files (a pull request's head included) must never read the host's
files through them. Links inside the tree are kept. In a whole tree (a
snapshot, an export) such a link is not deleted but pointed at
``REFUSED_TARGET``: still a link leading outside the repository, so every
reader reports it as one, exactly as on a checkout ("'apps/x/vela.yaml' is
a symlink leading outside the repository") instead of skipping the file or
calling it missing; and nothing can be read through it, since nothing can
ever exist below ``/dev/null``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.source.gitcmd import GitRunner

REFUSED_TARGET = "/dev/null/gitops-vela-refused-a-symlink-leading-outside-the-repository"
"""Where a refused link points: outside every tree, and never a file (``/dev/null`` is no folder)."""


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
    with _index_of(runner, repo, sha, dest) as (env, worktree):
        runner.run([worktree, "checkout-index", "--all", "--force"], cwd=repo, env=env)
        staged = runner.run(["ls-files", "--stage", "-z"], cwd=repo, env=env)
    links = [
        entry.partition("\t")[2] for entry in staged.split("\0") if entry.startswith("120000 ")
    ]
    drop_escaping_links(dest, links, mark=True)


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


def update_tree(runner: GitRunner, repo: Path, old: str, new: str, dest: Path) -> None:
    """Turn ``dest``, holding the tree of ``old``, into the tree of ``new``.

    Only the files that differ are written or removed: with a thousand apps
    and one changed, this is a few milliseconds instead of a full checkout and
    a recursive delete.
    """
    out = runner.run(["diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new], cwd=repo)
    fields = out.split("\0")
    pairs = list(zip(fields[0::2], fields[1::2], strict=False))
    for status, rel in pairs:
        if status == "D":
            _remove(dest, rel)
    changed = [rel for status, rel in pairs if status != "D" and rel]
    checkout_paths(runner, repo, new, dest, changed, mark=True)


def changed_paths(runner: GitRunner, repo: Path, old: str, new: str) -> list[str]:
    """The paths of the files that differ between the trees of ``old`` and ``new``, sorted."""
    out = runner.run(["diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new], cwd=repo)
    return sorted(p for p in out.split("\0") if p)


def checkout_paths(
    runner: GitRunner,
    repo: Path,
    sha: str,
    dest: Path,
    paths: Iterable[str],
    *,
    mark: bool = False,
) -> None:
    """Write the files at ``paths`` (repo-relative) of commit ``sha`` under ``dest``.

    Links leading outside are removed, or with ``mark`` pointed at ``REFUSED_TARGET``.
    """
    wanted = sorted(paths)
    if not wanted:
        return
    dest.mkdir(parents=True, exist_ok=True)
    with _index_of(runner, repo, sha, dest) as (env, worktree):
        stdin = ("\0".join(wanted) + "\0").encode()
        args = [worktree, "checkout-index", "--force", "-z", "--stdin"]
        runner.run(args, cwd=repo, env=env, stdin=stdin)
    # a pull request must not read the host's files through a link leaving the tree
    drop_escaping_links(dest, [p for p in wanted if (dest / p).is_symlink()], mark=mark)


def drop_escaping_links(root: Path, links: list[str], *, mark: bool = False) -> list[str]:
    """Remove the symbolic links among ``links`` that resolve outside ``root``; their paths.

    With ``mark`` each is replaced by a link to ``REFUSED_TARGET`` instead.
    """
    top = Path(os.path.realpath(root))
    dropped = []
    for rel in links:
        link = root / rel
        if not link.is_symlink():
            continue
        if not Path(os.path.realpath(link)).is_relative_to(top):
            link.unlink()
            if mark:
                link.symlink_to(REFUSED_TARGET)
            dropped.append(rel)
    return dropped


@contextlib.contextmanager
def _index_of(
    runner: GitRunner, repo: Path, sha: str, dest: Path
) -> Iterator[tuple[dict[str, str], str]]:
    """A throw-away index holding the tree of ``sha`` (its env) and ``--work-tree=<dest>``."""
    with tempfile.TemporaryDirectory(prefix="gitops-vela-index-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        worktree = f"--work-tree={dest.resolve()}"
        runner.run([worktree, "read-tree", sha], cwd=repo, env=env)
        yield env, worktree


def _remove(root: Path, rel: str) -> None:
    """Remove ``root/rel`` and the directories it leaves empty (up to ``root``)."""
    target = root / rel
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
