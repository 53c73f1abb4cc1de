"""Options in, results out: what a sync was asked to do and what it did, as data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gitops_vela.model.changes import Action, ChangeSet
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health, Reason, SyncState
from gitops_vela.settings.tree import DEFAULT_NAMESPACE
from gitops_vela.sync.health import HealthReport

DEFAULT_INVENTORY_NAMESPACE = DEFAULT_NAMESPACE  # the daemon's namespace, written once


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How to sync. ``dry_run`` sends only dry-run requests and writes nothing."""

    prune: bool = False
    dry_run: bool = False
    inventory_namespace: str = DEFAULT_INVENTORY_NAMESPACE
    wait_timeout: float = 30.0  # for CRDs to be Established and Namespaces Active
    progress: Callable[[int, int], None] | None = None  # (objects done, total), per kind
    adoption: bool = True  # an existing object without an owner label may be taken over
    allow_empty: bool = False  # a repository that renders no app may prune all of its apps
    prune_limit: float | None = None  # percent of a repository's objects one sync may prune
    drift: str = "correct"  # correct | detect | ignore (the planner's ``Context.drift``)
    held: Mapping[ObjectRef, str] = field(default_factory=dict)  # drift not corrected, and why


@dataclass(frozen=True, slots=True)
class AppResult:
    """One app's outcome: per-object changes, health, and the first failing stage."""

    repo: str
    app: str
    changes: ChangeSet
    health: HealthReport
    reason: Reason = Reason.SUCCEEDED
    errors: tuple[str, ...] = ()
    prune_skipped: str = ""  # why stale objects were kept, when they were
    kept: tuple[str, ...] = ()  # stale objects kept: they hold others' objects (dependents)
    internal_errors: int = 0  # objects (or the app) failed by a bug, not by a refusal
    removed: bool = False  # the app was removed from Git: this is its prune

    @property
    def ok(self) -> bool:
        return self.reason is Reason.SUCCEEDED

    @property
    def sync(self) -> SyncState:
        if self.reason in (Reason.APPLY_FAILED, Reason.PRUNE_FAILED, Reason.BUILD_FAILED):
            return SyncState.FAILED
        pending = any(c.dry_run for c in self.changes.changes)
        return SyncState.OUT_OF_SYNC if pending else SyncState.SYNCED

    def count(self, action: Action) -> int:
        return len(self.changes.with_action(action))

    @property
    def message(self) -> str:
        """One line a person can act on."""
        if self.errors:
            more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
            return self.errors[0] + more
        pending = [c for c in self.changes.changes if c.dry_run]
        if pending:  # drift detected and held: say what drifted
            more = f" (and {len(pending) - 1} more)" if len(pending) > 1 else ""
            return f"{pending[0].ref}: {pending[0].reason}{more}"
        if self.health.health is not Health.HEALTHY:
            return self.health.message
        return (
            "applied"
            if any(c.action is not Action.UNCHANGED for c in self.changes.changes)
            else "up to date"
        )


@dataclass(frozen=True, slots=True)
class SyncResult:
    """Every app's result (apps removed from Git included), and the requests sent (by verb)."""

    apps: tuple[AppResult, ...]
    requests: Mapping[str, int] = field(default_factory=dict)
    removed_kept: str = ""  # why apps removed from Git were not pruned, when they were not
    # apps whose result an earlier run made (the daemon planned only some apps): they
    # still say where each app stands, but nothing of them happened in this run
    carried: frozenset[str] = frozenset()

    @property
    def ok(self) -> bool:
        return all(app.ok for app in self.apps)

    @property
    def done_now(self) -> tuple[AppResult, ...]:
        """The apps this run planned: what its changes and errors are counted from."""
        return tuple(app for app in self.apps if app.app not in self.carried)

    @property
    def internal_errors(self) -> int:
        """Objects and apps that failed on an unexpected exception in this run (a bug to report)."""
        return sum(app.internal_errors for app in self.done_now)

    def app(self, name: str) -> AppResult | None:
        return next((a for a in self.apps if a.app == name), None)
