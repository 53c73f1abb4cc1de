"""One reconcile of one repository, read top to bottom (like Flux's kustomize-controller).

::

    source ──> load + render ──> sync_repository (plan + apply + prune + health per app,
               then prune apps removed from Git) ──> status

Each stage runs inside ``stage(Stage.X)``: a failure there ends the run with
the reason of ``STAGE_REASONS`` (one table). Per-app problems never end the
run: a broken Appfile is reported in its own status file with ``file:line``
errors and its objects are left alone, the other apps go on.

Cheap when nothing changed: ``ls-remote`` says whether the branch moved; the
render is reused when neither the commit nor any capability center changed;
sync still re-plans every time, so drift is corrected at every interval;
the status branch is written only when something a person cares about changed.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog

from gitops_vela.catalog import load_catalog
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import CenterDefinitions, Centers
from gitops_vela.daemon.events import EventRecorder
from gitops_vela.daemon.leases import default_identity
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.report import app_statuses, repository_reason
from gitops_vela.errors import ClusterUnreachable, GitopsVelaError, StatusError
from gitops_vela.logs import get_logger
from gitops_vela.model.changes import Action
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.model.status import AppStatus, Reason
from gitops_vela.render import render_repository
from gitops_vela.settings import RepositorySettings
from gitops_vela.source import Credentials, GitSource, OpHook, Snapshot
from gitops_vela.status import Author, StatusDelta, StatusWriter, status_delta
from gitops_vela.sync import AppResult, SyncOptions, SyncResult, sync_repository

log = get_logger("gitops_vela.daemon")


class Stage(enum.Enum):
    SOURCE = "source"
    BUILD = "build"
    APPLY = "apply"
    PRUNE = "prune"
    STATUS = "status"


STAGE_REASONS: dict[Stage, Reason] = {
    Stage.SOURCE: Reason.SOURCE_FAILED,
    Stage.BUILD: Reason.BUILD_FAILED,
    Stage.APPLY: Reason.APPLY_FAILED,
    Stage.PRUNE: Reason.PRUNE_FAILED,
    Stage.STATUS: Reason.STATUS_FAILED,
}
"""The one table: a failure in a stage ends the run with this reason."""


class StageFailed(Exception):
    def __init__(self, stage: Stage, error: GitopsVelaError) -> None:
        super().__init__(error.message)
        self.stage, self.error = stage, error

    @property
    def reason(self) -> Reason:
        return STAGE_REASONS[self.stage]


@contextmanager
def stage(name: Stage) -> Iterator[None]:
    """Any project error raised inside becomes ``StageFailed`` with the stage's reason."""
    try:
        yield
    except GitopsVelaError as exc:
        raise StageFailed(name, exc) from exc


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one run did, for the scheduler (backoff), readiness, metrics and logs."""

    repo: str
    revision: str
    reason: Reason
    ok: bool  # False: a stage failed (retried with backoff)
    duration: float
    message: str = ""
    rendered: bool = False  # False when the previous render was reused
    apps: int = 0
    failed_apps: int = 0
    changed: int = 0  # objects created, configured or deleted
    status_committed: bool = False
    cluster_reached: bool | None = None  # None: the run never got to the cluster
    # Objects or apps that failed on an unexpected exception (a bug): the run went on
    # for the others. Readiness and metrics may flag a repository that keeps doing it.
    internal_errors: int = 0


@dataclass(slots=True)
class _Memory:
    """What a repository remembers between runs (in memory; Git and the cluster hold the rest)."""

    render_key: tuple[str, str] | None = None  # (commit, centers digest)
    render: RepositoryRender | None = None
    statuses: dict[str, AppStatus] | None = None  # as last reported (or read from the branch)
    last_good: dict[str, RenderedApp] = field(default_factory=dict)  # per app, its last render
    logged: bool = False  # every app was logged once since the daemon started


class RepositoryReconciler:
    """Reconciles one repository; the scheduler makes sure runs never overlap."""

    def __init__(
        self,
        settings: RepositorySettings,
        *,
        cluster: Cluster,
        centers: Callable[[], Centers],
        metrics: Metrics,
        cache_dir: Path,
        inventory_namespace: str,
        on_git_op: OpHook | None = None,
    ) -> None:
        self.settings = settings
        self.cluster = cluster
        self.metrics = metrics
        self._centers = centers
        self._inventory_namespace = inventory_namespace
        self.source = GitSource(
            settings.url,
            cache_dir=cache_dir,
            branch=settings.branch,
            name=settings.name,
            credentials=_credentials(settings),
            on_op=on_git_op,
        )
        self.writer = (
            StatusWriter.for_source(
                self.source,
                branch=settings.status.branch,
                author=Author(name=settings.status.author_name, email=settings.status.author_email),
            )
            if settings.status.enabled
            else None
        )
        self.events = EventRecorder(
            cluster, repo=settings.name, namespace=inventory_namespace, instance=default_identity()
        )
        self._memory = _Memory()
        self._cluster_reached: bool | None = None
        self.last_report: ReconcileReport | None = None

    @property
    def name(self) -> str:
        return self.settings.name

    def run(self) -> ReconcileReport:
        started = time.monotonic()
        self._cluster_reached = None
        with structlog.contextvars.bound_contextvars(repo=self.name):
            try:
                report = self._pipeline(started)
            except StageFailed as failed:
                report = self._failed(failed, started=started)
            self._record(report)
        return report

    # ------------------------------------------------------------------ the pipeline

    def _pipeline(self, started: float) -> ReconcileReport:
        # 1. Source: has the branch moved? A remote that is down keeps the last good commit,
        #    so the cluster is still kept in line with it (drift) while Git is away.
        snapshot, source_error = self._source()
        with structlog.contextvars.bound_contextvars(revision=snapshot.short_sha):
            # 2. Load definitions and render every app (reused when nothing changed).
            with stage(Stage.BUILD), self._centers().use() as centers:
                render, rendered = self._render(snapshot, centers)

            # 3. One sync: plan, apply in stages, prune each app's stale objects, assess
            #    health; then prune apps deleted from Git (unless one could not be named).
            with stage(Stage.APPLY):
                result, removed = self._sync(render)
            self._cluster_reached = True

            # 4. Report: logs and metrics; the status branch unless the remote is down.
            statuses = self._statuses(snapshot, render, result, removed)
            delta = status_delta(self._previous(), statuses)  # "did it change?", once
            self._log_apps(delta)
            self._export(delta, result, removed)
            self.events.report(delta)
            self._memory.statuses = statuses
            committed = False
            if source_error is None:
                with stage(Stage.STATUS):
                    committed = self._write_status(statuses)
        if source_error is not None:
            raise source_error
        return ReconcileReport(
            repo=self.name,
            revision=snapshot.sha,
            reason=repository_reason(statuses.values()),
            ok=True,
            duration=time.monotonic() - started,
            message=f"{len(statuses)} apps",
            rendered=rendered,
            apps=len(statuses),
            failed_apps=sum(1 for s in statuses.values() if s.reason is not Reason.SUCCEEDED),
            changed=_changed(result, removed),
            status_committed=committed,
            internal_errors=result.internal_errors + sum(a.internal_errors for a in removed),
            cluster_reached=self._cluster_reached,
        )

    def _source(self) -> tuple[Snapshot, StageFailed | None]:
        try:
            with stage(Stage.SOURCE):
                return self._snapshot(), None
        except StageFailed as failed:
            if self.source.current is None:
                raise
            return self.source.current, failed

    def _snapshot(self) -> Snapshot:
        current = self.source.current
        if current is not None and self.source.ls_remote() == current.sha:
            return current
        return self.source.fetch()

    def _render(
        self, snapshot: Snapshot, centers: CenterDefinitions
    ) -> tuple[RepositoryRender, bool]:
        key = (snapshot.sha, centers.digest)
        if self._memory.render is not None and self._memory.render_key == key:
            return self._memory.render, False
        started = time.monotonic()
        root = snapshot.path(self.settings.path)
        catalog = load_catalog(root, origin=self.name, centers=centers.dirs)
        render = render_repository(
            root,
            repo=self.name,
            revision=snapshot.sha,
            default_namespace=self.settings.namespace,
            catalog=catalog,
        )
        self.metrics.render_duration.labels(self.name).observe(time.monotonic() - started)
        for diagnostic in render.catalog_diagnostics:
            log.warning("definition problem", error=str(diagnostic))
        self._memory.render_key, self._memory.render = key, render
        self._memory.last_good.update((app.name, app) for app in render.apps)
        return render, True

    @property
    def _options(self) -> SyncOptions:
        return SyncOptions(
            prune=self.settings.prune,
            inventory_namespace=self._inventory_namespace,
            allow_empty=self.settings.allow_empty,
            prune_limit=self.settings.prune_limit,
        )

    def _sync(self, render: RepositoryRender) -> tuple[SyncResult, tuple[AppResult, ...]]:
        """The repository's one sync; its result split into rendered apps and removed ones."""
        # A failed app is never pruned. Its last good render is still enforced (drift is
        # corrected, health is assessed for real) until its Appfile is fixed, like Flux
        # keeps the last applied revision.
        result = sync_repository(
            self.cluster,
            render,
            repo=self.name,
            options=self._options,
            last_good=self._memory.last_good,
        )
        removed = tuple(a for a in result.apps if a.removed)
        if result.removed_kept and self.settings.prune:
            log.warning("apps removed from Git are kept this run", why=result.removed_kept)
        for app in removed if self.settings.prune else ():
            log.info(
                "app removed from Git: pruned", app=app.app, ok=app.ok, errors=list(app.errors)
            )
        for app in result.apps:
            for why in app.kept:  # an ongoing condition a person must resolve: every run
                log.warning("stale object kept", app=app.app, why=why)
        applied = tuple(a for a in result.apps if not a.removed)
        return replace(result, apps=applied), removed if self.settings.prune else ()

    def _statuses(
        self,
        snapshot: Snapshot,
        render: RepositoryRender,
        result: SyncResult,
        removed: tuple[AppResult, ...],
    ) -> dict[str, AppStatus]:
        return app_statuses(
            revision=snapshot.sha,
            render=render,
            result=result,
            removed=removed,
            previous=self._previous(),
        )

    def _previous(self) -> dict[str, AppStatus]:
        if self._memory.statuses is None:
            self._memory.statuses = {}
            if self.writer is not None:
                try:
                    self._memory.statuses = self.writer.read()
                except StatusError as exc:
                    log.warning("status branch unreadable; starting fresh", error=exc.message)
        return self._memory.statuses

    def _write_status(self, statuses: dict[str, AppStatus]) -> bool:
        """True when a status commit was pushed (never on a quiet poll)."""
        if self.writer is None:
            return False
        commit = self.writer.write(statuses.values(), complete=True)
        if commit is not None:
            log.info("status committed", branch=self.writer.branch, commit=commit[:12])
        return commit is not None

    # ------------------------------------------------------------------ reporting

    def _log_apps(self, delta: StatusDelta) -> None:
        """One line per app worth a status commit (every app on the first run)."""
        first, self._memory.logged = not self._memory.logged, True
        for change in delta.apps:
            if not first and not change.worth_a_commit:
                continue
            status = change.status
            fields = {"app": change.app, "sync": str(status.sync), "health": str(status.health)}
            if status.reason is Reason.SUCCEEDED:
                log.info("app reconciled", message=status.message, **fields)
            else:
                log.warning(
                    "app failed", reason=str(status.reason), errors=list(status.errors), **fields
                )
        for app in delta.removed:
            log.info("app removed", app=app)

    def _export(
        self,
        delta: StatusDelta,
        result: SyncResult,
        removed: tuple[AppResult, ...],
    ) -> None:
        for app_result in (*result.apps, *removed):
            for change in app_result.changes.changes:
                if change.action in _CHANGES:
                    self.metrics.objects_changed.labels(self.name, str(change.action)).inc()
        for status in delta.statuses.values():
            synced = status.reason is Reason.SUCCEEDED
            self.metrics.set_app(
                repo=self.name, app=status.app, health=status.health, synced=synced
            )
        for app in delta.removed:
            self.metrics.forget_app(repo=self.name, app=app)

    def _failed(self, failed: StageFailed, *, started: float) -> ReconcileReport:
        reached = self._cluster_reached
        if isinstance(failed.error, ClusterUnreachable):
            reached = False
        current = self.source.current
        return ReconcileReport(
            repo=self.name,
            revision=current.sha if current else "",
            reason=failed.reason,
            ok=False,
            duration=time.monotonic() - started,
            message=failed.error.message,
            cluster_reached=reached,
        )

    def _record(self, report: ReconcileReport) -> None:
        self.last_report = report
        self.metrics.reconcile_duration.labels(self.name).observe(report.duration)
        self.metrics.reconcile_total.labels(self.name, str(report.reason)).inc()
        fields = {
            "revision": report.revision[:12],
            "duration": round(report.duration, 3),
            "reason": str(report.reason),
            "apps": report.apps,
        }
        if not report.ok:
            log.warning("reconcile failed", error=report.message, **fields)
            return
        if report.ok:
            self.metrics.last_success.labels(self.name).set(time.time())
        # A quiet poll (nothing rendered, nothing changed) is debug noise at one a minute.
        level = "info" if report.rendered or report.changed or report.status_committed else "debug"
        getattr(log, level)(
            "reconciled",
            rendered=report.rendered,
            changed=report.changed,
            failed_apps=report.failed_apps,
            **fields,
        )
        if report.internal_errors:
            log.error("objects failed on an internal error", count=report.internal_errors)


_CHANGES = (Action.CREATED, Action.CONFIGURED, Action.DELETED)


def _changed(result: SyncResult, removed: tuple[AppResult, ...]) -> int:
    return sum(
        1
        for app in (*result.apps, *removed)
        for change in app.changes.changes
        if change.action in _CHANGES
    )


def _credentials(settings: RepositorySettings) -> Credentials:
    creds = settings.credentials
    return Credentials(
        token_file=creds.token_file,
        ssh_key_file=creds.ssh_key_file,
        known_hosts_file=creds.known_hosts_file,
    )
