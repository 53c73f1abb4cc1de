"""One remote's local cache: a bare repository fetched shallowly, and snapshot dirs.

Layout under ``<cache_dir>/<slug>-<hash>/``::

    repo.git/            bare repository; no remote configured (the URL is passed
                         per command, so nothing about the remote is persisted)
    snapshots/<sha>/     the tree of one commit, complete once renamed into place
    askpass.sh           the credential helper script (no secret inside)
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
import uuid
from datetime import UTC
from pathlib import Path
from urllib.parse import urlsplit

import git

from gitops_vela.errors import SourceError
from gitops_vela.source.credentials import Credentials, make_runner
from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, OpHook
from gitops_vela.source.redact import credentials_refusal, redact_url
from gitops_vela.source.snapshot import Snapshot
from gitops_vela.source.trees import checkout_tree, update_tree

_SCP_LIKE = re.compile(r"^[^/]+:")  # user@host:path (Git's scp-like SSH syntax)
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_STALE_LOCK = re.compile(r"Unable to create '[^']*\.lock': File exists")


def normalise_url(url: str) -> str:
    """``url`` as Git takes it: local paths made absolute, URLs unchanged.

    A URL that carries credentials is refused: they would end up in process
    listings; use a token file instead.
    """
    text = url.strip()
    if not text:
        raise SourceError("repository URL is empty", retryable=False)
    if refusal := credentials_refusal(text):
        raise SourceError(refusal, retryable=False)
    if "://" in text or _SCP_LIKE.match(text):
        return text
    return str(Path(text).expanduser().resolve())


# The Cache Directory Tagging standard: backup tools, and Appfile discovery (a
# ``validate`` run over a folder holding this cache), skip a folder holding it.
_CACHE_TAG = "CACHEDIR.TAG"
_CACHE_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# gitops-vela's Git cache: clones and snapshots, re-created when removed.\n"
)


def _tag_as_cache(folder: Path) -> None:
    tag = folder / _CACHE_TAG
    if not tag.exists():
        with contextlib.suppress(OSError):  # a missing tag only costs a slower scan
            tag.write_text(_CACHE_TAG_TEXT)


def is_full_sha(ref: str) -> bool:
    return bool(_FULL_SHA.match(ref))


class RemoteCache:
    """Shallow fetches of one remote into a private bare repository."""

    def __init__(
        self,
        url: str,
        *,
        cache_dir: Path,
        credentials: Credentials | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        on_op: OpHook | None = None,
        name: str | None = None,
        key: str = "",
    ) -> None:
        self.url = normalise_url(url)
        self.display_url = redact_url(self.url)
        # ``key`` separates users of one URL (two branches, a center): each gets
        # its own repository, so concurrent fetches never share a lock or a snapshot.
        self.dir = cache_dir / _dir_name(self.url, name, key)
        self.git_dir = self.dir / "repo.git"
        self.snapshots_dir = self.dir / "snapshots"
        self.runner = make_runner(
            credentials or Credentials(), helper_dir=self.dir, timeout=timeout, on_op=on_op
        )

    def ensure_repo(self) -> None:
        if not (self.git_dir / "HEAD").exists():
            self.git_dir.parent.mkdir(parents=True, exist_ok=True)
            self.runner.run(["init", "--bare", "--quiet", str(self.git_dir)])
        _tag_as_cache(self.dir)

    def ls_remote(self, *patterns: str) -> dict[str, str]:
        """``{refname: sha}`` on the remote for ``patterns`` (cheap: no objects move)."""
        self.ensure_repo()
        out = self._network("ls-remote", ["ls-remote", self.url, *patterns])
        refs: dict[str, str] = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref:
                refs[ref] = sha
        return refs

    def fetch(self, source: str, *, local_ref: str) -> str:
        """Fetch ``source`` (a refname or a sha) at depth 1 into ``local_ref``; its sha."""
        self.ensure_repo()
        refspec = f"+{source}:{local_ref}"
        args = ["fetch", "--depth", "1", "--no-tags", "--no-write-fetch-head", "--quiet"]
        self._network("fetch", [*args, self.url, refspec])
        return self.runner.run(
            ["rev-parse", "--verify", f"{local_ref}^{{commit}}"], cwd=self.git_dir
        ).strip()

    def snapshot(self, sha: str, *, ref: str) -> Snapshot:
        """The snapshot of ``sha`` (materialised once; reused after a restart)."""
        root = self.snapshots_dir / sha
        if not root.is_dir():
            self._materialise(sha, root)
        return self._describe(sha, root, ref=ref)

    def advance(self, previous: Snapshot, sha: str, *, ref: str) -> Snapshot:
        """The snapshot of ``sha`` made by updating ``previous`` in place (it is consumed).

        Falls back to a full checkout when the update fails half way.
        """
        root = self.snapshots_dir / sha
        if root.is_dir() or not previous.root.is_dir():
            return self.snapshot(sha, ref=ref)
        tmp = self.snapshots_dir / f".tmp-{sha[:12]}-{uuid.uuid4().hex[:8]}"
        previous.root.rename(tmp)
        try:
            update_tree(self.runner, self.git_dir, previous.sha, sha, tmp)
            tmp.rename(root)
        except (SourceError, OSError):
            shutil.rmtree(tmp, ignore_errors=True)
            return self.snapshot(sha, ref=ref)
        return self._describe(sha, root, ref=ref)

    def prune_snapshots(self, *, keep: str) -> None:
        """Remove every snapshot directory except ``keep``'s (superseded commits)."""
        if not self.snapshots_dir.is_dir():
            return
        for entry in self.snapshots_dir.iterdir():
            if entry.name != keep:
                shutil.rmtree(entry, ignore_errors=True)

    def tree_id(self, sha: str, path: str = ".") -> str:
        """The id of the tree at ``path`` in ``sha``: changes exactly when that folder does."""
        rel = path.strip("/")
        spec = f"{sha}^{{tree}}" if rel in ("", ".") else f"{sha}:{rel}"
        try:
            return self.runner.run(["rev-parse", "--verify", spec], cwd=self.git_dir).strip()
        except SourceError as exc:
            raise SourceError(
                f"{self.display_url}: path {path!r} not found at {sha[:12]}", retryable=False
            ) from exc

    def _network(self, op: str, args: list[str]) -> str:
        try:
            try:
                return self.runner.run(args, cwd=self.git_dir, op=op)
            except SourceError as exc:
                if not _STALE_LOCK.search(exc.message) or not self._clear_locks():
                    raise
                return self.runner.run(args, cwd=self.git_dir, op=op)
        except SourceError as exc:
            # The runner's text is already redacted; say which remote it was.
            raise SourceError(
                f"{self.display_url}: {exc.message}", retryable=exc.retryable
            ) from exc

    def _clear_locks(self) -> bool:
        """Remove lock files a killed Git left behind (a timeout, a pod restart).

        Safe because this repository is private to its source and used by one
        run at a time. True when there was something to remove.
        """
        locks = [*self.git_dir.glob("*.lock"), *(self.git_dir / "refs").rglob("*.lock")]
        for lock in locks:
            lock.unlink(missing_ok=True)
        return bool(locks)

    def _materialise(self, sha: str, root: Path) -> None:
        tmp = self.snapshots_dir / f".tmp-{sha[:12]}-{uuid.uuid4().hex[:8]}"
        try:
            checkout_tree(self.runner, self.git_dir, sha, tmp)
            tmp.rename(root)  # atomic: a snapshot dir is complete or absent
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _describe(self, sha: str, root: Path, *, ref: str) -> Snapshot:
        with git.Repo(self.git_dir) as repo:
            commit = repo.commit(sha)
            when = commit.committed_datetime.astimezone(UTC)
            return Snapshot(
                sha=sha,
                root=root,
                ref=ref,
                url=self.display_url,
                committed_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                author=f"{commit.author.name} <{commit.author.email}>",
                message=str(commit.summary),
            )


def _dir_name(url: str, name: str | None, key: str) -> str:
    digest = hashlib.sha256(f"{url}\0{key}".encode()).hexdigest()[:10]
    # The path's last segment only: never the query, fragment or userinfo.
    base = name or _path_of(url).rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-.")[:40] or "repo"
    return f"{slug}-{digest}"


def _path_of(url: str) -> str:
    if "://" not in url:
        return url
    try:
        return urlsplit(url).path
    except ValueError:  # a broken host: keep no part of the text
        return ""
