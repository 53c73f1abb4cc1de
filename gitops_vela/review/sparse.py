"""One revision of the reviewed repository, written out only as far as the review needs.

Everything but the Appfiles is written first (definitions, files Appfiles
refer to); the dependency index reads the Appfiles from Git objects; the
Appfiles that are rendered are written last (see ``gittree``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.render.discover import IGNORE_FILE, overlays_of
from gitops_vela.review.depindex import (
    DependencyIndex,
    build_index,
    index_from_blobs,
    match_appfiles,
    with_overlays,
)
from gitops_vela.review.gittree import TreeFile, list_tree, read_blobs
from gitops_vela.source import GitRunner, checkout_paths, resolve_commit


@dataclass(frozen=True, slots=True)
class SparseTree:
    """One revision of the reviewed repository, written out only as far as the review needs:
    everything but the Appfiles when opened, then the Appfiles it renders (``gittree``)."""

    runner: GitRunner
    repo: Path
    sha: str
    top: Path
    prefix: str  # the reviewed folder inside the repository, "" or "sub/dir/"
    files: dict[str, TreeFile]  # relative to the reviewed folder
    appfiles: tuple[str, ...]  # the paths among ``files`` the renderer reads as Appfiles
    globs: tuple[str, ...]

    @classmethod
    def open(
        cls,
        runner: GitRunner,
        repo: Path,
        rev: str,
        top: Path,
        *,
        subdir: str,
        globs: Sequence[str],
    ) -> SparseTree:
        """List commit ``rev`` and write all its files under ``top`` except the Appfiles."""
        sha = resolve_commit(runner, repo, rev)
        prefix = f"{subdir}/" if subdir else ""
        listed = list_tree(runner, repo, sha)
        files = {p[len(prefix) :]: f for p, f in listed.items() if p.startswith(prefix)}
        appfiles = tuple(match_appfiles(files, globs, ignore=_ignore_text(runner, repo, files)))
        (top / subdir).mkdir(parents=True, exist_ok=True)
        tree = cls(runner, repo, sha, top, prefix, files, appfiles, tuple(globs))
        taken = set(appfiles)
        tree._checkout(p for p in files if p not in taken)
        return tree

    @property
    def root(self) -> Path:
        return self.top / self.prefix

    def index(self, *, reuse: DependencyIndex | None = None) -> DependencyIndex:
        """The dependency index, read from Git objects (``reuse``: entries of equal blobs)."""
        oids = {rel: self.files[rel].oid for rel in self.appfiles}
        known = {e.digest for e in reuse.entries.values()} if reuse is not None else set()
        found = overlays_of(self.appfiles, self.files)
        wanted = {self.files[p].oid for paths in found.values() for p in paths.values()}
        blobs = read_blobs(self.runner, self.repo, (set(oids.values()) - known) | wanted)
        if blobs is not None:  # Appfiles and overlays in one ``git cat-file``
            overlays = {
                rel: {env: blobs[self.files[p].oid] for env, p in paths.items()}
                for rel, paths in found.items()
            }
            return with_overlays(index_from_blobs(oids, blobs, reuse=reuse), overlays)
        self._checkout(self.appfiles)  # not plain text: let the files on disk speak
        return build_index(self.root, self.globs)

    def write(self, paths: Iterable[str]) -> None:
        """Write the Appfiles about to be rendered (those that exist at this revision)."""
        self._checkout(p for p in paths if p in self.files and not (self.root / p).exists())

    def _checkout(self, paths: Iterable[str]) -> None:
        checkout_paths(self.runner, self.repo, self.sha, self.top, [self.prefix + p for p in paths])


def _ignore_text(runner: GitRunner, repo: Path, files: dict[str, TreeFile]) -> str:
    """The tree's ``.gitops-vela-ignore`` ("" without one), read from Git."""
    entry = files.get(IGNORE_FILE)
    blobs = read_blobs(runner, repo, [entry.oid]) if entry is not None else None
    return blobs[entry.oid].decode("utf-8", "replace") if blobs and entry is not None else ""
