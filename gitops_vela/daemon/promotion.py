"""Promotion: prod applies only a commit staging has proven healthy, read from Git alone.

``promotion: {from: staging, healthyFor: 10m}`` on prod's repository. Each
poll, prod reads staging's folder of the status branch (written by staging's
own daemon: no credentials cross environments). Staging has proven commit R
when every app there is Synced and Healthy at R (staging reconciles all its
apps at one commit) and has been for ``healthyFor``. "For how long" is
measured from the later of the apps' ``since`` and the moment this daemon
first saw staging all Healthy at R: ``since`` does not move when a new commit
leaves an app's health as it was, so it alone could promote a commit staging
has run for a second. Until then prod stays on the last commit it promoted
and its status says what it waits for
(``waiting for staging: shop Progressing at 3f2a1c9``). A commit that
degrades staging is never promoted; a later one staging proves healthy is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from gitops_vela.model.status import AppStatus, Health, SyncState
from gitops_vela.settings import PromotionSettings
from gitops_vela.source import Snapshot


@dataclass(frozen=True, slots=True)
class Verdict:
    """What staging's status proves: a commit to promote, or why there is none (yet)."""

    proven: str = ""  # the commit staging has proven ("": none)
    waiting: str = ""  # a line a person reads, when nothing is proven

    @property
    def promoted(self) -> bool:
        return bool(self.proven)


def judge(
    statuses: Mapping[str, AppStatus],
    *,
    source: str,
    healthy_for: float,
    now: float,
    first_seen: dict[str, float],
) -> Verdict:
    """The verdict on staging's ``statuses`` at ``now`` (seconds since the epoch).

    ``first_seen``: commit -> when this daemon first saw every app Healthy at it
    (updated here; the caller keeps it between polls).
    """
    if not statuses:
        return Verdict(waiting=f"waiting for {source}: no app status in {source} yet")
    apps = sorted(statuses.values(), key=lambda s: s.app)
    behind = [s for s in apps if not _proving(s)]
    if behind:
        first = behind[0]
        more = f" (and {len(behind) - 1} more)" if len(behind) > 1 else ""
        what = f"{first.health}" if first.sync is SyncState.SYNCED else f"{first.sync}"
        return Verdict(
            waiting=f"waiting for {source}: {first.app} {what} at {first.revision[:7]}{more}"
        )
    revisions = sorted({s.revision for s in apps})
    if len(revisions) > 1:
        shown = ", ".join(r[:7] for r in revisions)
        return Verdict(waiting=f"waiting for {source}: its apps are at different commits {shown}")
    revision = revisions[0]
    seen = first_seen.setdefault(revision, now)
    for stale in [r for r in first_seen if r != revision]:
        del first_seen[stale]  # staging moved on: that proof no longer counts
    healthy_from = max(seen, *(_epoch(s.since) for s in apps))
    if now - healthy_from < healthy_for:
        # No countdown in the text: the status branch records it, and a changing
        # message would be a commit every poll.
        return Verdict(
            waiting=f"waiting for {source}: Healthy at {revision[:7]},"
            f" to stay so for {_duration(healthy_for)}"
        )
    return Verdict(proven=revision)


def waiting_status(status: AppStatus, *, tip: str, waiting: str) -> AppStatus:
    """Prod's status for an app while Git's tip waits for promotion: OutOfSync with the tip,
    still running (and reporting the health of) the last promoted commit."""
    return replace(status, revision=tip, sync=SyncState.OUT_OF_SYNC, message=waiting)


@dataclass(slots=True)
class Promotion:
    """One repository's promotion gate, between polls: the last promoted commit and what
    staging was last seen proving."""

    settings: PromotionSettings
    read: Callable[[], Mapping[str, AppStatus]]  # staging's folder of the status branch
    clock: Callable[[], float]
    promoted: str = ""  # the last commit promoted ("": none yet this run of the daemon)
    verdict: Verdict = field(default_factory=Verdict)
    _first_seen: dict[str, float] = field(default_factory=dict)

    def target(self, *, applied: str = "") -> str:
        """The commit to run now: the one staging proves, else the last promoted one
        (``applied``: what this environment's own status says it runs, after a restart)."""
        self.verdict = judge(
            self.read(),
            source=self.settings.source,
            healthy_for=self.settings.healthy_for,
            now=self.clock(),
            first_seen=self._first_seen,
        )
        self.promoted = self.verdict.proven or self.promoted or applied
        return self.promoted

    def statuses(
        self, statuses: Mapping[str, AppStatus], *, snapshot: Snapshot, tip: str
    ) -> dict[str, AppStatus]:
        """``statuses`` as prod reports them: waiting ones when Git's tip is not what runs."""
        if tip == snapshot.sha:
            return dict(statuses)
        source = self.settings.source
        waiting = self.verdict.waiting or (
            f"waiting for {source}: {tip[:7]} not proven there yet (it runs {snapshot.sha[:7]})"
        )
        return {
            app: waiting_status(status, tip=tip, waiting=waiting)
            for app, status in statuses.items()
        }


def _proving(status: AppStatus) -> bool:
    return (
        status.sync is SyncState.SYNCED
        and status.health is Health.HEALTHY
        and status.last_applied_revision == status.revision
    )


def _epoch(text: str) -> float:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60}s" if whole % 60 else f"{whole // 60}m"
    return f"{whole}s"
