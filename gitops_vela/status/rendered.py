"""``RenderedWriter``: the manifests the daemon applies, committed to a branch of the repository.

What Argo CD calls the source hydrator: with ``rendered: {branch: ...}`` in a
repository's config, reviewers and auditors read what runs, and other tools
(Argo CD, Flux) can deploy from it. One file per app, ``<app>.yaml``: the
objects as applied (ownership label and digest annotation included), in
apply order and kubectl's key order, Secret values masked unless the
repository's config says otherwise.

One commit per source commit whose render changed any file, its message
naming that commit; nothing at all when no file changed. The daemon calls
``write`` only when it rendered anew, so a quiet poll costs no Git call.
Only top-level ``*.yaml`` files are ours: anything else on the branch (a
README someone added) is kept, and a push that loses a race is retried on
the new tip.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gitops_vela.errors import SourceError, StatusError
from gitops_vela.model.masking import mask
from gitops_vela.model.objects import Manifest
from gitops_vela.render.finalize import canonical
from gitops_vela.render.yamltext import dump
from gitops_vela.settings.tree import DEFAULT_RENDERED_BRANCH
from gitops_vela.source import GitSource, RemoteCache
from gitops_vela.status.branch import Author, BranchState, StatusBranch
from gitops_vela.status.document import APPS_DIR, app_path

_SUBJECT = 60


@dataclass(frozen=True, slots=True)
class AppManifests:
    """One app's objects as applied; ``path`` is its Appfile (named in the file's header)."""

    name: str
    path: str
    objects: tuple[Manifest, ...]


@dataclass(frozen=True, slots=True)
class SourceCommit:
    """The commit of the repository the manifests were rendered from."""

    sha: str
    subject: str = ""


def app_file(app: str) -> str:
    """``shop`` -> ``shop.yaml``; a name that could leave the branch's top folder is refused
    (the status branch's rule for its ``apps/<app>.yaml``, so one name fits both)."""
    return app_path(app).removeprefix(f"{APPS_DIR}/")


def _ours(path: str) -> bool:
    return "/" not in path and path.endswith(".yaml")


def manifest_text(app: AppManifests, *, mask_secrets: bool = True) -> str:
    """The file of one app: a header, then each object as a YAML document."""
    parts = [f"# app {app.name} ({app.path}): the manifests gitops-vela applies\n"]
    for obj in app.objects:
        ordered = canonical(obj)  # the daemon stamps labels after rendering: order again
        parts.append("---\n" + dump(mask(ordered) if mask_secrets else ordered))
    return "".join(parts)


class RenderedWriter:
    """Writes apps' applied manifests to the rendered branch of one repository."""

    def __init__(
        self,
        remote: RemoteCache,
        *,
        branch: str = DEFAULT_RENDERED_BRANCH,
        author: Author | None = None,
        mask_secrets: bool = True,
        max_attempts: int = 5,
        folder: str = "",
    ) -> None:
        # ``folder``: the environment whose folder of the branch is ours (as on the
        # status branch), so the daemons of several environments share one branch.
        self._branch = StatusBranch(
            remote, branch=branch, author=author or Author(), ours=_ours, folder=folder
        )
        self._mask_secrets = mask_secrets
        self._max_attempts = max(1, max_attempts)

    @classmethod
    def for_source(
        cls,
        source: GitSource,
        *,
        branch: str = DEFAULT_RENDERED_BRANCH,
        author: Author | None = None,
        mask_secrets: bool = True,
        folder: str = "",
    ) -> RenderedWriter:
        """A writer sharing the source's cache and credentials (one object store)."""
        return cls(
            source.remote_cache,
            branch=branch,
            author=author,
            mask_secrets=mask_secrets,
            folder=folder,
        )

    @property
    def branch(self) -> str:
        return self._branch.branch

    def write(self, apps: Iterable[AppManifests], *, source: SourceCommit) -> str | None:
        """Make the branch hold exactly ``apps`` (every app: others' files are removed).

        The new commit's sha, or None when every file already says this.
        ``StatusError`` (retryable) when the remote is unreachable or the push
        keeps losing races.
        """
        texts = {
            app_file(app.name): manifest_text(app, mask_secrets=self._mask_secrets) for app in apps
        }
        try:
            return self._write(texts, source)
        except SourceError as exc:
            raise StatusError(exc.message, retryable=exc.retryable) from exc

    def _write(self, texts: Mapping[str, str], source: SourceCommit) -> str | None:
        blobs: dict[str, str] | None = None

        def build(state: BranchState) -> str | None:
            nonlocal blobs  # stored once: fetch (first) also sets up the object store
            blobs = blobs if blobs is not None else self._branch.store_blobs(texts)
            put = {path: sha for path, sha in blobs.items() if state.files.get(path) != sha}
            remove = set(state.files) - set(blobs)
            if not put and not remove:
                return None
            added = {p for p in put if p not in state.files}
            message = commit_message(source, added=added, changed=set(put) - added, removed=remove)
            return self._branch.commit(state.commit, put=put, remove=remove, message=message)

        return self._branch.publish(build, attempts=self._max_attempts)


def commit_message(
    source: SourceCommit, *, added: set[str], changed: set[str], removed: set[str]
) -> str:
    """``gitops-vela: render of 1a2b3c4d5e6f (subject) [skip ci]``, a line per app, and
    the full source sha as a trailer tools can read."""
    subject = source.subject.strip().splitlines()[0] if source.subject.strip() else ""
    if len(subject) > _SUBJECT:
        subject = subject[: _SUBJECT - 3] + "..."
    title = f"gitops-vela: render of {source.sha[:12]}" + (f" ({subject})" if subject else "")
    lines = [f"- {p.removesuffix('.yaml')} added" for p in sorted(added)]
    lines += [f"- {p.removesuffix('.yaml')} changed" for p in sorted(changed)]
    lines += [f"- {p.removesuffix('.yaml')} removed" for p in sorted(removed)]
    return f"{title} [skip ci]\n\n" + "\n".join(lines) + f"\n\nSource-Commit: {source.sha}\n"
