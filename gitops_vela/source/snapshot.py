"""A repository's files at one commit, as a directory, plus who made the commit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The tree of commit ``sha`` checked out (read-only by convention) under ``root``.

    ``root`` stays valid until the source materialises a newer commit; callers
    render from it and do not keep it. ``url`` is already redacted.
    """

    sha: str
    root: Path
    ref: str
    url: str
    committed_at: str  # RFC 3339, UTC
    author: str  # "Name <email>"
    message: str  # the commit's subject line

    @property
    def short_sha(self) -> str:
        return self.sha[:12]

    def path(self, subdir: str = ".") -> Path:
        """A subfolder of the snapshot (the repository's ``path:`` setting)."""
        target = (self.root / subdir).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise ValueError(f"path {subdir!r} leaves the repository")
        return target
