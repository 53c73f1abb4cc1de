"""Capability centers: definitions from other repositories, pinned to a ref (DESIGN §9).

A center is fetched like a source but at a tag, a branch or a full sha. What
the daemon needs from it: the directory holding the definitions (for
``load_catalog(centers=[(name, dir)])``) and a digest that changes exactly when
that directory changes, so unchanged centers cost one ``ls-remote`` (a sha pin:
nothing at all) and a changed one triggers re-rendering.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.source.cache import RemoteCache, is_full_sha
from gitops_vela.source.credentials import Credentials
from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, OpHook


@dataclass(frozen=True, slots=True)
class CapabilityCenter:
    """``capabilityCenters[]`` of the config: ``{name, url, ref, path}``."""

    name: str
    url: str
    ref: str
    path: str = "definitions"
    credentials: Credentials = field(default_factory=Credentials)


@dataclass(frozen=True, slots=True)
class CenterSnapshot:
    """A center at one commit: where its definitions are, and their digest."""

    name: str
    ref: str
    sha: str
    definitions_dir: Path
    digest: str  # Git tree id of the definitions folder at ``sha``


class CenterSource:
    """Keeps one capability center's definitions at its pinned ref."""

    def __init__(
        self,
        center: CapabilityCenter,
        *,
        cache_dir: Path,
        timeout: float = DEFAULT_TIMEOUT,
        on_op: OpHook | None = None,
    ) -> None:
        self.center = center
        self._cache = RemoteCache(
            center.url,
            cache_dir=cache_dir / "centers",
            credentials=center.credentials,
            timeout=timeout,
            on_op=on_op,
            name=center.name,
            key=f"center:{center.name}",
        )
        self._current: CenterSnapshot | None = None

    @property
    def current(self) -> CenterSnapshot | None:
        return self._current

    @property
    def display_url(self) -> str:
        return self._cache.display_url

    def resolve(self) -> tuple[str, str]:
        """``(source, sha)``: what to fetch for the ref and the commit it names now.

        A full sha needs no network; otherwise a tag wins over a branch of the
        same name, and an annotated tag is peeled to its commit.
        """
        ref = self.center.ref
        if is_full_sha(ref):
            return ref, ref
        tag, branch = f"refs/tags/{ref}", f"refs/heads/{ref}"
        refs = self._cache.ls_remote(tag, f"{tag}^{{}}", branch)
        for name, source in ((f"{tag}^{{}}", tag), (tag, tag), (branch, branch)):
            if name in refs:
                return source, refs[name]
        raise SourceError(
            f"capability center {self.center.name!r}: ref {ref!r} not found at {self.display_url}"
        )

    def fetch(self) -> CenterSnapshot:
        """The center at its ref; the current one when the ref still names the same commit."""
        source, sha = self.resolve()
        if self._current is not None and self._current.sha == sha:
            return self._current
        local_ref = f"refs/gitops-vela/centers/{self.center.name}"
        sha = self._cache.fetch(source, local_ref=local_ref)
        snapshot = self._cache.snapshot(sha, ref=self.center.ref)
        definitions = snapshot.path(self.center.path)
        if not definitions.is_dir():
            raise SourceError(
                f"capability center {self.center.name!r}: no folder {self.center.path!r} "
                f"at {self.center.ref} ({sha[:12]})",
                retryable=False,
            )
        self._current = CenterSnapshot(
            name=self.center.name,
            ref=self.center.ref,
            sha=sha,
            definitions_dir=definitions,
            digest=self._cache.tree_id(sha, self.center.path),
        )
        self._cache.prune_snapshots(keep=sha)
        return self._current


def centers_digest(snapshots: Iterable[CenterSnapshot]) -> str:
    """One digest for a set of centers (order-independent); changes when any changes."""
    items = sorted(f"{s.name}\0{s.digest}" for s in snapshots)
    return hashlib.sha256("\n".join(items).encode()).hexdigest()
