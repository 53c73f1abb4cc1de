"""What one reconcile tells people and machines: log lines, metrics, Events.

The reconciler runs the pipeline and hands its results here once per run:

- ``apps(delta, result, removed)``: after the sync, with the run's one
  ``StatusDelta``: a log line per app worth it (every app on the first run),
  per-app and per-object metrics, an Event per app that is news;
- ``run(report)``: at the end, the run's metrics and its one summary line.

Nothing here decides whether an app changed (``status.delta`` does) or reads
Git; recording never fails a run (Events are best effort).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from gitops_vela.daemon.events import EventRecorder
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.logs import get_logger
from gitops_vela.model.changes import Action
from gitops_vela.model.status import Reason
from gitops_vela.status import StatusDelta
from gitops_vela.sync import AppResult, SyncResult

log = get_logger("gitops_vela.daemon")

CHANGES = (Action.CREATED, Action.CONFIGURED, Action.DELETED)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """What one run did, for the scheduler (backoff), readiness, metrics and logs."""

    repo: str
    revision: str
    reason: Reason
    ok: bool  # False: a stage failed
    duration: float
    message: str = ""
    retryable: bool = False  # a failure worth retrying with backoff (else: the next interval)
    rendered: bool = False  # False when the previous render was reused
    apps: int = 0
    failed_apps: int = 0
    changed: int = 0  # objects created, configured or deleted
    status_committed: bool = False
    cluster_reached: bool | None = None  # None: the run never got to the cluster
    # Objects or apps that failed on an unexpected exception (a bug): the run went on
    # for the others. Readiness and metrics may flag a repository that keeps doing it.
    internal_errors: int = 0
    planned: int = 0  # apps planned this run (with the watch cache: only those that changed)
    rendered_apps: int = 0  # Appfiles rendered this run (incremental: only those a commit reached)


def changed_objects(result: SyncResult, removed: tuple[AppResult, ...]) -> int:
    """Objects created, configured or deleted by the run."""
    return sum(
        1
        for app in (*result.done_now, *removed)
        for change in app.changes.changes
        if change.action in CHANGES
    )


class RunReporter:
    """Logs, metrics and Events of one repository's runs."""

    def __init__(self, repo: str, *, metrics: Metrics, events: EventRecorder) -> None:
        self.repo, self.metrics, self.events = repo, metrics, events
        self._logged = False  # every app was logged once since the daemon started

    def apps(self, delta: StatusDelta, result: SyncResult, removed: tuple[AppResult, ...]) -> None:
        self._log_apps(delta)
        self._export(delta, result, removed)
        self.events.report(delta)

    def run(self, report: ReconcileReport) -> None:
        self.metrics.reconcile_duration.labels(self.repo).observe(report.duration)
        self.metrics.reconcile_total.labels(self.repo, str(report.reason)).inc()
        fields = {
            "revision": report.revision[:12],
            "duration": round(report.duration, 3),
            "reason": str(report.reason),
            "apps": report.apps,
        }
        if report.reason is Reason.DEPENDENCY_NOT_READY:  # waiting is not failing
            log.info("waiting", why=report.message, **fields)
            return
        if not report.ok:
            log.warning("reconcile failed", error=report.message, **fields)
            return
        self.metrics.last_success.labels(self.repo).set(time.time())
        # A quiet poll (nothing rendered, nothing changed) is debug noise at one a minute.
        level = "info" if report.rendered or report.changed or report.status_committed else "debug"
        getattr(log, level)(
            "reconciled",
            rendered=report.rendered,
            changed=report.changed,
            failed_apps=report.failed_apps,
            planned=report.planned,
            rendered_apps=report.rendered_apps,
            **fields,
        )
        if report.internal_errors:
            log.error("objects failed on an internal error", count=report.internal_errors)

    def _log_apps(self, delta: StatusDelta) -> None:
        """One line per app worth a status commit (every app on the first run)."""
        first, self._logged = not self._logged, True
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
        self, delta: StatusDelta, result: SyncResult, removed: tuple[AppResult, ...]
    ) -> None:
        for app_result in (*result.done_now, *removed):
            for change in app_result.changes.changes:
                if change.action in CHANGES:
                    self.metrics.objects_changed.labels(self.repo, str(change.action)).inc()
        for status in delta.statuses.values():
            synced = status.reason is Reason.SUCCEEDED
            self.metrics.set_app(
                repo=self.repo, app=status.app, health=status.health, synced=synced
            )
        for app in delta.removed:
            self.metrics.forget_app(repo=self.repo, app=app)
