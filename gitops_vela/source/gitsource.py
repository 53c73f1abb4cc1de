"""``GitSource``: one watched repository's branch, polled cheaply.

The daemon's poll::

    sha = source.ls_remote()               # one round trip, no objects
    if sha == last_sha and catalog digest unchanged: skip render
    snapshot = source.fetch()              # shallow fetch + files at that commit

When the remote is down, ``ls_remote``/``fetch`` raise a retryable
``SourceError`` and ``source.current`` still holds the last good snapshot.
"""

from __future__ import annotations

from pathlib import Path

from gitops_vela.errors import SourceError
from gitops_vela.source.cache import RemoteCache
from gitops_vela.source.credentials import Credentials
from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, OpHook
from gitops_vela.source.snapshot import Snapshot
from gitops_vela.source.trees import changed_paths


class GitSource:
    """A branch of a remote repository, cached under ``cache_dir``."""

    def __init__(
        self,
        url: str,
        *,
        cache_dir: Path,
        branch: str = "main",
        name: str | None = None,
        credentials: Credentials | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        on_op: OpHook | None = None,
    ) -> None:
        self.branch = branch
        self._cache = RemoteCache(
            url,
            cache_dir=cache_dir,
            credentials=credentials,
            timeout=timeout,
            on_op=on_op,
            name=name,
            key=f"branch:{branch}",
        )
        self._current: Snapshot | None = None

    @property
    def url(self) -> str:
        """The URL as Git uses it (local paths absolute). Never log it: use ``display_url``."""
        return self._cache.url

    @property
    def display_url(self) -> str:
        return self._cache.display_url

    @property
    def git_dir(self) -> Path:
        """The private bare repository (the status writer reaches it through ``remote_cache``)."""
        return self._cache.git_dir

    @property
    def remote_cache(self) -> RemoteCache:
        """The cache behind this source (the status writer shares its object store)."""
        return self._cache

    @property
    def current(self) -> Snapshot | None:
        """The last good snapshot (kept while the remote is down)."""
        return self._current

    @property
    def _remote_ref(self) -> str:
        return f"refs/heads/{self.branch}"

    def ls_remote(self) -> str:
        """The sha the branch points to on the remote."""
        refs = self._cache.ls_remote(self._remote_ref)
        sha = refs.get(self._remote_ref)
        if sha is None:
            raise SourceError(f"{self.display_url}: branch {self.branch!r} not found")
        return sha

    def fetch(self, commit: str = "") -> Snapshot:
        """Fetch the branch tip (or ``commit``, a full sha: a promoted one) at depth 1 and
        return its snapshot.

        The same commit as ``current`` returns ``current`` unchanged; a new one
        replaces it: the previous snapshot's directory is updated in place (only
        changed files are written) and renamed, so ``current.root`` of before is gone.
        """
        if commit and self._current is not None and self._current.sha == commit:
            return self._current
        sha = self._cache.fetch(
            commit or self._remote_ref, local_ref=f"refs/gitops-vela/{self._remote_ref}"
        )
        if self._current is not None and self._current.sha == sha:
            return self._current
        previous, self._current = self._current, None  # its directory is about to change
        if previous is None:
            snapshot = self._cache.snapshot(sha, ref=self._remote_ref)
        else:
            snapshot = self._cache.advance(previous, sha, ref=self._remote_ref)
        self._current = snapshot
        self._cache.prune_snapshots(keep=sha)
        return snapshot

    def changed_paths(self, old: str, new: str) -> list[str]:
        """Repo-relative paths of the files that differ between two fetched commits (added,
        changed or removed): what an incremental render starts from. ``SourceError`` when
        either commit is not in the cache."""
        return changed_paths(self._cache.runner, self._cache.git_dir, old, new)
