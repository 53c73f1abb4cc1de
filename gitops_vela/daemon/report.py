"""Sync results and render failures -> one ``AppStatus`` per app (DESIGN §7).

Pure functions (``made``, a memo the caller keeps, aside). ``since`` is left to the
status writer, which keeps it while sync and health stay the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from gitops_vela.model.rendered import AppFailure, RepositoryRender
from gitops_vela.model.status import (
    AppStatus,
    Health,
    Reason,
    ResourceStatus,
    SyncState,
    earliest_reason,
)
from gitops_vela.sync import AppResult, SyncResult

_NOT_APPLIED = (Reason.BUILD_FAILED, Reason.APPLY_FAILED)


def app_statuses(
    *,
    revision: str,
    render: RepositoryRender,
    result: SyncResult,
    removed: Iterable[AppResult] = (),
    previous: Mapping[str, AppStatus],
    made: dict[str, tuple[AppResult, AppStatus]] | None = None,
) -> dict[str, AppStatus]:
    """Every app of the repository at ``revision``, rendered or not.

    ``made``: per app, the result its last status was made from and that status;
    an app whose result is that same object (carried: it was not planned) at the same
    revision keeps that status object, so a quiet poll of 10,000 apps rebuilds none
    and later stages can tell "unchanged" by identity. Updated in place.
    """
    statuses: dict[str, AppStatus] = {}
    memo = made if made is not None else {}
    fresh: dict[str, tuple[AppResult, AppStatus]] = {}
    for app in result.apps:
        hit = memo.get(app.app)
        if hit is not None and hit[0] is app and hit[1].revision == revision:
            status = hit[1]
        else:
            status = from_result(app, revision=revision, previous=previous.get(app.app))
        statuses[app.app] = status
        fresh[app.app] = (app, status)
    if made is not None:
        made.clear()
        made.update(fresh)
    live = {app.app: app for app in result.apps}
    for failure in render.failures:
        name = failure_name(failure)
        statuses[name] = from_failure(
            failure, revision=revision, previous=previous.get(name), live=live.get(name)
        )
    for gone in removed:
        # A removed app whose prune failed keeps a status file saying so.
        if not gone.ok:
            statuses[gone.app] = from_result(
                gone, revision=revision, previous=previous.get(gone.app)
            )
    return statuses


def from_result(result: AppResult, *, revision: str, previous: AppStatus | None) -> AppStatus:
    applied = result.reason not in _NOT_APPLIED
    return AppStatus(
        app=result.app,
        revision=revision,
        last_applied_revision=revision if applied else _last_applied(previous),
        sync=result.sync,
        health=result.health.health,
        message=result.message,
        since="",
        reason=result.reason,
        errors=result.errors,
        resources=tuple(
            ResourceStatus(
                kind=change.ref.kind,
                name=change.ref.name,
                namespace=change.ref.namespace,
                action=str(change.action),
                health=change.health,
            )
            for change in result.changes.changes
        ),
    )


def from_failure(
    failure: AppFailure,
    *,
    revision: str,
    previous: AppStatus | None,
    live: AppResult | None = None,
) -> AppStatus:
    """A broken Appfile: its errors, and the health of what its last good render left.

    ``live`` is the sync of that last good render when the daemon still has it; without
    it (e.g. after a restart) the last reported health and resources are kept.
    """
    errors = tuple(str(d) for d in failure.diagnostics)
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    last_known = from_result(live, revision=revision, previous=previous) if live else previous
    return AppStatus(
        app=failure_name(failure),
        revision=revision,
        last_applied_revision=_last_applied(previous),
        sync=SyncState.FAILED,
        health=last_known.health if last_known is not None else Health.UNKNOWN,
        message=(errors[0] + more) if errors else "the Appfile could not be rendered",
        since="",
        reason=Reason.BUILD_FAILED,
        errors=errors,
        resources=last_known.resources if last_known is not None else (),
    )


def failure_name(failure: AppFailure) -> str:
    """The app's name, or for an Appfile too broken to name one, its folder's name."""
    if failure.name:
        return failure.name
    path = PurePosixPath(failure.path)
    return path.parent.name or path.stem


def repository_reason(statuses: Iterable[AppStatus]) -> Reason:
    """The earliest pipeline stage any app failed in; Succeeded when none did."""
    return earliest_reason(s.reason for s in statuses)


def _last_applied(previous: AppStatus | None) -> str:
    return previous.last_applied_revision if previous is not None else ""
