"""Did an app change? Decided once per run, by one function, for every consumer.

``status_delta(previous, current)`` compares the statuses of a run with the
ones last reported and gives every app one ``AppDelta`` with two answers:

- ``worth_a_commit``: what a person reading the status branch cares about
  changed: the revisions, sync, health, errors, the objects and their health
  (``since``, the message and per-object actions never count, except the
  message of an app whose commit is held back: what holds it back); a new app too;
- ``news``: its outcome changed (the same without the revisions, plus the
  reason): worth an Event. A commit that leaves an app as it was is no news
  about that app (one app changed in a 1,000-app repository is one Event).

Apps in ``previous`` but not in ``current`` are ``removed``. The daemon hands
the one delta of a run to its logs, metrics, Events and the status writer; the
writer also compares with what the branch holds (another replica may have
written it) through the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gitops_vela.model.status import AppStatus, SyncState


@dataclass(frozen=True, slots=True)
class AppDelta:
    app: str
    status: AppStatus
    previous: AppStatus | None
    worth_a_commit: bool
    news: bool


@dataclass(frozen=True, slots=True)
class StatusDelta:
    """How one run's statuses differ from the ones reported before it."""

    apps: tuple[AppDelta, ...]  # every app of ``current``, by name
    removed: tuple[str, ...]  # reported before, gone now

    @property
    def news(self) -> tuple[AppDelta, ...]:
        return tuple(a for a in self.apps if a.news)

    @property
    def worth_a_commit(self) -> bool:
        return bool(self.removed) or any(a.worth_a_commit for a in self.apps)

    @property
    def statuses(self) -> dict[str, AppStatus]:
        return {a.app: a.status for a in self.apps}


def status_delta(
    previous: Mapping[str, AppStatus], current: Mapping[str, AppStatus]
) -> StatusDelta:
    apps = tuple(app_delta(previous.get(app), status) for app, status in sorted(current.items()))
    return StatusDelta(apps=apps, removed=tuple(sorted(set(previous) - set(current))))


def app_delta(old: AppStatus | None, new: AppStatus) -> AppDelta:
    if old is None:
        return AppDelta(new.app, new, None, worth_a_commit=True, news=True)
    if old is new:  # carried over unchanged (``daemon.report``): nothing to compare
        return AppDelta(new.app, new, old, worth_a_commit=False, news=False)
    same_outcome = _outcome(old) == _outcome(new)
    return AppDelta(
        new.app,
        new,
        old,
        worth_a_commit=not same_outcome or _revisions(old) != _revisions(new),
        news=not same_outcome or old.reason is not new.reason,
    )


def _outcome(status: AppStatus) -> tuple[object, ...]:
    # Per-object health counts: when the app stays Progressing but the object
    # holding it back changes, the recorded message and resources must follow.
    resources = frozenset((r.kind, r.namespace, r.name, r.health) for r in status.resources)
    # A commit held back (OutOfSync at a revision not applied, e.g. waiting for promotion):
    # what holds it back is the news ("waiting for staging: shop Degraded at 3f2a1c9").
    held = status.sync is SyncState.OUT_OF_SYNC and status.revision != status.last_applied_revision
    return (status.sync, status.health, status.errors, resources, status.message if held else "")


def _revisions(status: AppStatus) -> tuple[str, str, str]:
    return status.revision, status.last_applied_revision, status.definitions_revision
