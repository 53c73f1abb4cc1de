"""One revision of the reviewed repository, written out only as far as the review needs.

Everything but the Appfiles is written first (definitions, files Appfiles
refer to); the dependency index reads the Appfiles from Git objects; the
Appfiles that are rendered are written last (see ``gittree``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.review.depindex import (
    DependencyIndex,
    build_index,
    index_from_blobs,
    match_appfiles,
)
from gitops_vela.review.gittree import TreeFile, checkout_paths, list_tree, read_blobs
from gitops_vela.source import GitRunner
from gitops_vela.source.trees import resolve_commit


@dataclass(frozen=True, slots=True)
class SparseTree:
    """One revision of the reviewed repository, written out only as far as the review needs:
    everything but the Appfiles at first, then the Appfiles it renders (``gittree``)."""

    runner: GitRunner
    repo: Path
    sha: str
    top: Path
    prefix: str  # the reviewed folder inside the repository, "" or "sub/dir/"
    files: dict[str, TreeFile]  # relative to the reviewed folder

    @classmethod
    def open(cls, runner: GitRunner, repo: Path, rev: str, top: Path, *, subdir: str) -> SparseTree:
        sha = resolve_commit(runner, repo, rev)
        prefix = f"{subdir}/" if subdir else ""
        listed = list_tree(runner, repo, sha)
        files = {p[len(prefix) :]: f for p, f in listed.items() if p.startswith(prefix)}
        (top / subdir).mkdir(parents=True, exist_ok=True)
        return cls(runner, repo, sha, top, prefix, files)

    @property
    def root(self) -> Path:
        return self.top / self.prefix

    def index(
        self, globs: Sequence[str], *, reuse: DependencyIndex | None = None
    ) -> DependencyIndex:
        """The dependency index, from Git objects; the other files are written meanwhile."""
        appfiles = match_appfiles(self.files, globs)
        taken = set(appfiles)
        self._checkout(p for p in self.files if p not in taken)
        oids = {rel: self.files[rel].oid for rel in appfiles}
        known = {e.digest for e in reuse.entries.values()} if reuse is not None else set()
        blobs = read_blobs(self.runner, self.repo, set(oids.values()) - known)
        if blobs is not None:
            return index_from_blobs(oids, blobs, reuse=reuse)
        self._checkout(appfiles)  # not plain text: let the files on disk speak
        return build_index(self.root, globs)

    def write(self, paths: Iterable[str]) -> None:
        """Write the Appfiles about to be rendered (those that exist at this revision)."""
        self._checkout(p for p in paths if p in self.files and not (self.root / p).exists())

    def _checkout(self, paths: Iterable[str]) -> None:
        checkout_paths(self.runner, self.repo, self.sha, self.top, [self.prefix + p for p in paths])
