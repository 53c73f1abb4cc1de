"""Git plumbing for the status branch: read it, build a tree, commit, push.

Nothing here touches a checkout, an index people use, or any branch but the
status branch: blobs go straight into the object store, the tree is built
in a throw-away index (``GIT_INDEX_FILE``), the commit with ``commit-tree``,
and it is pushed as ``<sha>:refs/heads/<branch>`` (never forced).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import git

from gitops_vela.errors import SourceError, StatusError
from gitops_vela.logs import get_logger
from gitops_vela.source import RemoteCache
from gitops_vela.status.document import ROLLOUT

log = get_logger("gitops_vela.status")

_ZERO = "0" * 40
# Seconds: after a lost push, wait up to this times 2**attempt, so writers racing for the
# branch (one daemon per environment) do not keep colliding in step.
RACE_BACKOFF = 0.05


def _status_file(path: str) -> bool:
    return path in ("README.md", ROLLOUT) or path.startswith("apps/")


@dataclass(frozen=True, slots=True)
class Author:
    """Who the status commits are from (``status.author`` in the config)."""

    name: str = "gitops-vela"
    email: str = "gitops-vela@noreply.invalid"


@dataclass(frozen=True, slots=True)
class BranchState:
    """The status branch as fetched: its commit (None: no branch yet) and our files."""

    commit: str | None
    files: Mapping[str, str]  # path -> blob sha, for README.md, rollout.yaml and apps/*.yaml


# What a push that lost a race says: the branch moved before ours arrived ("[rejected]",
# "fetch first"), or while ours was updating the ref (the ref's lock was taken).
_LOST_RACE = (
    "[rejected]",
    "non-fast-forward",
    "fetch first",
    "failed to update ref",
    "cannot lock ref",
    "incorrect old value provided",
)


class StatusBranch:
    """The status branch of one remote, through a ``RemoteCache``'s object store.

    ``folder``: the environment whose folder (``<env>/README.md``, ``<env>/apps/``)
    is ours; "" is the top of the branch. Paths in and out are relative to it, and
    a commit changes nothing outside it, so daemons of several environments share
    one branch without touching each other's files.
    """

    def __init__(
        self,
        remote: RemoteCache,
        *,
        branch: str,
        author: Author,
        folder: str = "",
        ours: Callable[[str], bool] | None = None,
    ) -> None:
        self.remote = remote
        self.branch = branch
        self.author = author
        self.folder = folder
        self._prefix = f"{folder}/" if folder else ""
        # which files on the branch are ours (the rendered branch keeps <app>.yaml)
        self._ours = ours or _status_file
        self._local_ref = f"refs/gitops-vela/status/{branch}"

    @property
    def remote_ref(self) -> str:
        return f"refs/heads/{self.branch}"

    def fetch(self) -> BranchState:
        """The remote branch's tip (fetched shallowly when not already here)."""
        sha = self.remote.ls_remote(self.remote_ref).get(self.remote_ref)
        if sha is None:
            return BranchState(commit=None, files={})
        if not self._has_commit(sha):
            self.remote.fetch(self.remote_ref, local_ref=self._local_ref)
        try:
            return BranchState(commit=sha, files=self.files(sha))
        except SourceError:
            # Seen with replicas pushing at once: the commit is here but its tree cannot be
            # read. Fetched again, the branch's tip (maybe a newer one) is whole.
            log.info("status branch tip unreadable: fetching it again", commit=sha[:12])
            sha = self.remote.fetch(self.remote_ref, local_ref=self._local_ref)
            return BranchState(commit=sha, files=self.files(sha))

    def files(self, commit: str) -> dict[str, str]:
        """Blob shas of ``README.md``, ``rollout.yaml`` and ``apps/*.yaml`` of our folder at ``commit``."""
        args = ["ls-tree", "-r", "--full-tree", "-z", commit]
        out = self._git([*args, self._prefix] if self._prefix else args)
        files: dict[str, str] = {}
        for entry in filter(None, out.split("\0")):
            meta, _, path = entry.partition("\t")
            _mode, kind, sha = meta.split()
            path = path[len(self._prefix) :] if path.startswith(self._prefix) else ""
            if kind == "blob" and self._ours(path):
                files[path] = sha
        return files

    def environments(self, commit: str) -> tuple[str, ...]:
        """The environment folders at ``commit`` (those holding ``<env>/apps/``), sorted."""
        out = self._git(["ls-tree", "-d", "-r", "--full-tree", "--name-only", "-z", commit])
        dirs = out.split("\0")
        return tuple(
            sorted(d.split("/")[0] for d in dirs if d.count("/") == 1 and d.endswith("/apps"))
        )

    def read_blobs(self, shas: Iterable[str]) -> dict[str, str]:
        """``blob sha -> text`` (one ``cat-file --batch`` process for all of them)."""
        texts: dict[str, str] = {}
        with git.Repo(self.remote.git_dir) as repo:
            for sha in shas:
                data: bytes = repo.odb.stream(bytes.fromhex(sha)).read()
                texts[sha] = data.decode("utf-8", "replace")
        return texts

    def store_blobs(self, contents: Mapping[str, str]) -> dict[str, str]:
        """Write ``path -> text`` as blobs; ``path -> blob sha`` (one ``hash-object`` call)."""
        if not contents:
            return {}
        with tempfile.TemporaryDirectory(prefix="gitops-vela-blobs-") as tmp:
            files = []
            for index, text in enumerate(contents.values()):
                file = Path(tmp) / str(index)
                file.write_bytes(text.encode())
                files.append(str(file))
            args = ["hash-object", "-w", "--no-filters", "--stdin-paths"]
            shas = self._git(args, stdin="\n".join(files) + "\n").split()
        return dict(zip(contents, shas, strict=True))

    def commit(
        self, parent: str | None, *, put: Mapping[str, str], remove: set[str], message: str
    ) -> str:
        """A commit on top of ``parent`` with ``put`` (path -> blob) written and ``remove`` gone."""
        prefix = self._prefix
        lines = [f"0 {_ZERO}\t{prefix}{path}" for path in sorted(remove)]
        lines += [f"100644 {sha}\t{prefix}{path}" for path, sha in sorted(put.items())]
        with tempfile.TemporaryDirectory(prefix="gitops-vela-status-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._git(["read-tree", parent] if parent else ["read-tree", "--empty"], env=env)
            self._git(["update-index", "--index-info"], env=env, stdin="\n".join(lines) + "\n")
            tree = self._git(["write-tree"], env=env).strip()
        args = ["commit-tree", tree, *(["-p", parent] if parent else []), "-F", "-"]
        identity = {
            "GIT_AUTHOR_NAME": self.author.name,
            "GIT_AUTHOR_EMAIL": self.author.email,
            "GIT_COMMITTER_NAME": self.author.name,
            "GIT_COMMITTER_EMAIL": self.author.email,
        }
        return self._git(args, env=identity, stdin=message).strip()

    def push(self, commit: str) -> bool:
        """Push ``commit`` to the branch; False when the remote moved (non-fast-forward, or
        another push updating the ref at the same moment: replicas sharing a repository)."""
        try:
            self.remote.runner.run(
                ["push", "--quiet", self.remote.url, f"{commit}:{self.remote_ref}"],
                cwd=self.remote.git_dir,
                op="push",
            )
        except SourceError as exc:
            if any(mark in exc.message for mark in _LOST_RACE):
                return False
            raise StatusError(f"{self.remote.display_url}: {exc.message}") from exc
        self._git(["update-ref", self._local_ref, commit])
        return True

    def publish(self, build: Callable[[BranchState], str | None], *, attempts: int) -> str | None:
        """Fetch the branch, ``build`` a commit on its tip (None: nothing to change) and push
        it; a push that loses a race starts again on the new tip, after a short random
        wait. The pushed commit, or None. ``StatusError`` after ``attempts`` lost races.

        The one retry loop of both writers: daemons of other environments push to the
        same status and rendered branches.
        """
        for attempt in range(attempts):
            if attempt:
                time.sleep(random.uniform(0, RACE_BACKOFF * 2**attempt))
            state = self.fetch()
            commit = build(state)
            if commit is None:
                return None
            if self.push(commit):
                return commit
        raise StatusError(
            f"{self.remote.display_url}: pushing {self.branch!r} lost "
            f"{attempts} races in a row; retrying later"
        )

    def _has_commit(self, sha: str) -> bool:
        try:
            self._git(["cat-file", "-e", f"{sha}^{{commit}}"])
        except SourceError:
            return False
        return True

    def _git(
        self, args: list[str], *, env: Mapping[str, str] | None = None, stdin: str | None = None
    ) -> str:
        return self.remote.runner.run(
            args,
            cwd=self.remote.git_dir,
            env=env,
            stdin=stdin.encode() if stdin is not None else None,
        )
