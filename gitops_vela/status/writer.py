"""``StatusWriter``: the outcome of each app, committed to the status branch.

One ``write()`` per reconcile with every app of the repository. It commits
only when something a person cares about changed (``delta.status_delta``,
against what the branch holds);
a quiet poll costs nothing (not even a network call). A push that loses a
race re-reads the branch and re-applies only our files (``README.md`` and
``apps/*.yaml`` of our folder), so files other writers keep on the branch
survive: with environments, each daemon owns ``<env>/`` and several daemons
push to one branch without losing each other's commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gitops_vela.errors import SourceError, StatusError
from gitops_vela.model.status import AppStatus
from gitops_vela.settings.tree import DEFAULT_STATUS_BRANCH
from gitops_vela.source import DEFAULT_TIMEOUT, Credentials, GitSource, OpHook, RemoteCache
from gitops_vela.status.branch import Author, BranchState, StatusBranch
from gitops_vela.status.delta import status_delta
from gitops_vela.status.document import (
    README,
    app_of_path,
    app_path,
    carry_since,
    from_yaml,
    render_readme,
    sanitise,
    to_yaml,
)

DEFAULT_BRANCH = DEFAULT_STATUS_BRANCH  # written once, in the settings tree
Clock = Callable[[], str]


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one write changes on top of the fetched branch."""

    put: dict[str, str]  # path -> text
    remove: set[str]
    result: dict[str, AppStatus]  # every app on the branch afterwards
    changed: list[str]  # apps added or changed, for the commit message

    @property
    def empty(self) -> bool:
        return not self.put and not self.remove


class StatusWriter:
    """Writes ``AppStatus`` values to the status branch of one repository."""

    def __init__(
        self,
        remote: RemoteCache,
        *,
        branch: str = DEFAULT_BRANCH,
        author: Author | None = None,
        max_attempts: int = 5,
        clock: Clock = utc_now,
        folder: str = "",
    ) -> None:
        self._branch = StatusBranch(remote, branch=branch, author=author or Author(), folder=folder)
        self._max_attempts = max(1, max_attempts)
        self._clock = clock
        self._known: dict[str, AppStatus] | None = None  # the branch as last read or written
        self._known_files: dict[str, str] = {}  # other files, as last written or found
        self._parsed: dict[str, AppStatus] = {}  # blob sha -> parsed status
        # A quiet poll hands the same status objects again: their sanitised copies are
        # kept, and a write of exactly what the last one settled costs no comparison.
        self._clean: dict[str, tuple[AppStatus, AppStatus]] = {}  # app -> (given, sanitised)
        self._settled: tuple[dict[str, AppStatus], dict[str, AppStatus], bool] | None = None

    @classmethod
    def for_url(
        cls,
        url: str,
        *,
        cache_dir: Path,
        branch: str = DEFAULT_BRANCH,
        author: Author | None = None,
        credentials: Credentials | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        on_op: OpHook | None = None,
        name: str | None = None,
        max_attempts: int = 5,
        clock: Clock = utc_now,
        folder: str = "",
    ) -> StatusWriter:
        """A writer with a cache of its own for the remote at ``url``."""
        remote = RemoteCache(
            url,
            cache_dir=cache_dir,
            credentials=credentials,
            timeout=timeout,
            on_op=on_op,
            name=name,
            key=f"status:{branch}",
        )
        return cls(
            remote,
            branch=branch,
            author=author,
            max_attempts=max_attempts,
            clock=clock,
            folder=folder,
        )

    @classmethod
    def for_source(
        cls,
        source: GitSource,
        *,
        branch: str = DEFAULT_BRANCH,
        author: Author | None = None,
        max_attempts: int = 5,
        clock: Clock = utc_now,
        folder: str = "",
    ) -> StatusWriter:
        """A writer sharing the source's cache and credentials (one object store);
        ``folder``: the environment folder it owns ("" = the top of the branch)."""
        return cls(
            source.remote_cache,
            branch=branch,
            author=author,
            max_attempts=max_attempts,
            clock=clock,
            folder=folder,
        )

    @property
    def branch(self) -> str:
        return self._branch.branch

    @property
    def folder(self) -> str:
        return self._branch.folder

    def write(
        self,
        statuses: Iterable[AppStatus],
        *,
        complete: bool = True,
        files: Mapping[str, str] | None = None,
        owns: Callable[[str], bool] | None = None,
    ) -> str | None:
        """Record ``statuses``; the new commit's sha, or None when nothing worth it changed.

        ``complete``: ``statuses`` holds every app of the repository, so the file
        of any other app (removed from Git) is deleted. Pass False to update a
        subset. ``StatusError`` (retryable) when the remote is unreachable or the
        push keeps losing races.

        Nothing worth a commit against what this writer last read or wrote
        returns at once, without a Git call: a quiet poll is free. (So a status
        branch deleted by hand comes back with the next change.)

        ``files``: other files of the branch to keep at this content (path ->
        text, e.g. ``rollout.yaml``), written when they differ from the branch.

        ``owns``: the apps this writer answers for (a replica's shard of the
        repository): ``complete`` then means every app *it owns*, and the files of
        the others, which other replicas write, are never removed.
        """
        desired = self._sanitised(statuses)
        extra = dict(files or {})
        if self._settled_already(desired, extra, complete):
            return None
        for app in desired:
            app_path(app)  # refuse unsafe names before any Git call
        if (
            self._known is not None
            and extra == self._known_files
            and not self._differs(self._mine(self._known, owns), self._moved(desired, complete))
        ):
            self._settle(desired, complete)
            return None
        try:
            commit = self._write(desired, complete=complete, files=extra, owns=owns)
        except SourceError as exc:  # the remote is down or refused us, or Git failed
            raise StatusError(exc.message, retryable=exc.retryable) from exc
        self._settle(desired, complete)
        return commit

    def _sanitised(self, statuses: Iterable[AppStatus]) -> dict[str, AppStatus]:
        """``sanitise`` of each status, reused for the very objects given last time."""
        clean: dict[str, tuple[AppStatus, AppStatus]] = {}
        for status in statuses:
            hit = self._clean.get(status.app)
            clean[status.app] = (
                hit if hit is not None and hit[0] is status else (status, sanitise(status))
            )
        self._clean = clean
        return {app: pair[1] for app, pair in clean.items()}

    def _settle(self, desired: dict[str, AppStatus], complete: bool) -> None:
        """The branch (as ``_known``) now agrees with ``desired``."""
        if self._known is not None:
            self._settled = (self._known, desired, complete)

    def _settled_already(
        self, desired: Mapping[str, AppStatus], files: Mapping[str, str], complete: bool
    ) -> bool:
        """The same status objects as the last settled write, the branch as it left it:
        a quiet poll, answered without comparing a single status."""
        if self._settled is None or files != self._known_files:
            return False
        known, settled, was_complete = self._settled
        return (
            known is self._known
            and was_complete == complete
            and len(settled) == len(desired)
            and all(settled.get(app) is status for app, status in desired.items())
        )

    def _write(
        self,
        desired: Mapping[str, AppStatus],
        *,
        complete: bool,
        files: Mapping[str, str],
        owns: Callable[[str], bool] | None,
    ) -> str | None:
        planned: list[_Plan] = []

        def build(state: BranchState) -> str | None:
            previous = self._previous(state)
            plan = self._plan(state, previous, desired, complete=complete, owns=owns)
            for path, text in files.items():
                if self._file_differs(state, path, text):
                    plan.put[path] = text
                    plan.changed.append(path)
            if plan.empty:
                self._known, self._known_files = previous, dict(files)
                return None
            planned.append(plan)
            return self._commit(state, plan)

        commit = self._branch.publish(build, attempts=self._max_attempts)
        if commit is not None:  # pushed: the branch holds the last plan
            self._known, self._known_files = planned[-1].result, dict(files)
        return commit

    def read(self) -> dict[str, AppStatus]:
        """The statuses on the remote branch now (empty when it does not exist yet)."""
        try:
            previous = self._previous(self._branch.fetch())
        except SourceError as exc:
            raise StatusError(exc.message, retryable=exc.retryable) from exc
        self._known = previous
        return previous

    def _previous(self, state: BranchState) -> dict[str, AppStatus]:
        paths = {path: sha for path, sha in state.files.items() if app_of_path(path)}
        # Keep parsed files of this tree only: the cache never outgrows the branch.
        present = set(paths.values())
        self._parsed = {sha: st for sha, st in self._parsed.items() if sha in present}
        unread = [sha for sha in present if sha not in self._parsed]
        for sha, text in self._branch.read_blobs(unread).items():
            try:
                self._parsed[sha] = from_yaml(text, path=sha)
            except StatusError:
                continue  # not ours to understand: it will be overwritten or removed
        result: dict[str, AppStatus] = {}
        for path, sha in paths.items():
            app = app_of_path(path)
            if app is not None and sha in self._parsed and self._parsed[sha].app == app:
                result[app] = self._parsed[sha]
        return result

    @staticmethod
    def _mine(
        statuses: Mapping[str, AppStatus], owns: Callable[[str], bool] | None
    ) -> Mapping[str, AppStatus]:
        return statuses if owns is None else {a: s for a, s in statuses.items() if owns(a)}

    def _moved(
        self, desired: dict[str, AppStatus], complete: bool
    ) -> tuple[dict[str, AppStatus], bool]:
        """What to compare with the branch: (statuses, whether to look for removed apps).
        Since the last settled write, with the same apps, only the statuses that are new
        objects (one app of 10,000 after a drift correction); else all of them."""
        settled = self._settled
        if settled is None or settled[0] is not self._known or settled[2] != complete:
            return desired, complete
        before = settled[1]
        if desired.keys() != before.keys():  # apps came or went: compare them all
            return desired, complete
        return {app: s for app, s in desired.items() if before[app] is not s}, False

    @staticmethod
    def _differs(known: Mapping[str, AppStatus], wanted: tuple[dict[str, AppStatus], bool]) -> bool:
        desired, removals = wanted
        delta = status_delta(known, desired)
        return any(a.worth_a_commit for a in delta.apps) or (removals and bool(delta.removed))

    def _plan(
        self,
        state: BranchState,
        previous: Mapping[str, AppStatus],
        desired: Mapping[str, AppStatus],
        *,
        complete: bool,
        owns: Callable[[str], bool] | None = None,
    ) -> _Plan:
        result = dict(previous)
        put: dict[str, str] = {}
        changed: list[str] = []
        now = self._clock()
        for change in status_delta(self._mine(previous, owns), desired).apps:
            if not change.worth_a_commit:
                continue
            result[change.app] = carry_since(change.previous, change.status, now=now)
            put[app_path(change.app)] = to_yaml(result[change.app])
            changed.append(change.app)
        # apps/*.yaml are ours, parseable or not: a complete write removes every other app.
        ours = {
            path
            for path in state.files
            if (app := app_of_path(path)) and (owns is None or owns(app))
        }
        stale = {p for p in ours if app_of_path(p) not in desired} if complete else set()
        for path in stale:
            result.pop(app_of_path(path) or "", None)
        readme = render_readme(result.values(), environment=self._branch.folder)
        if put or stale or self._readme_differs(state, readme):
            put[README] = readme
        return _Plan(put=put, remove=stale, result=result, changed=changed)

    def _readme_differs(self, state: BranchState, readme: str) -> bool:
        return self._file_differs(state, README, readme)

    def _file_differs(self, state: BranchState, path: str, text: str) -> bool:
        sha = state.files.get(path)
        if sha is None:
            return True
        return self._branch.read_blobs([sha])[sha] != text

    def _commit(self, state: BranchState, plan: _Plan) -> str:
        blobs = self._branch.store_blobs(plan.put)
        for path, sha in blobs.items():  # what we wrote needs no parsing when read back
            app = app_of_path(path)
            if app is not None:
                self._parsed[sha] = plan.result[app]
        message = _message(plan, removed=sorted(filter(None, map(app_of_path, plan.remove))))
        return self._branch.commit(state.commit, put=blobs, remove=plan.remove, message=message)


def _message(plan: _Plan, *, removed: list[str]) -> str:
    parts = [
        f"{app} {plan.result[app].sync}/{plan.result[app].health}"
        if app in plan.result
        else f"{app} updated"  # another file (``rollout.yaml``)
        for app in plan.changed
    ]
    parts += [f"{app} removed" for app in removed]
    subject = "gitops-vela: status " + (", ".join(parts[:3]) or "README")
    if len(parts) > 3:
        subject += f" and {len(parts) - 3} more"
    body = "\n".join(f"- {p}" for p in parts)
    return f"{subject} [skip ci]\n\n{body}\n"
