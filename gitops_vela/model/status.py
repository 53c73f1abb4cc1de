"""Outcome vocabulary: sync state, health, reasons, and the per-app status (DESIGN §7)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class SyncState(enum.StrEnum):
    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    FAILED = "Failed"


class Health(enum.StrEnum):
    """Health of an object or app. Ordered: ``max()`` of several is the worst."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    UNKNOWN = "Unknown"
    MISSING = "Missing"
    DEGRADED = "Degraded"

    @property
    def rank(self) -> int:
        return _HEALTH_ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Health):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Health):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Health):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Health):
            return NotImplemented
        return self.rank >= other.rank


_HEALTH_ORDER = list(Health)


def worst(healths: list[Health] | tuple[Health, ...], *, empty: Health = Health.HEALTHY) -> Health:
    """The worst health of several (an app's health is its worst object's)."""
    return max(healths, default=empty)


class Reason(enum.StrEnum):
    """Why a reconcile ended as it did; one per pipeline stage that can fail."""

    SUCCEEDED = "ReconciliationSucceeded"
    SOURCE_FAILED = "SourceFailed"
    BUILD_FAILED = "BuildFailed"
    APPLY_FAILED = "ApplyFailed"
    PRUNE_FAILED = "PruneFailed"
    HEALTH_CHECK_FAILED = "HealthCheckFailed"
    STATUS_FAILED = "StatusFailed"
    RECONCILIATION_FAILED = "ReconciliationFailed"
    # Not a failure: waiting on something outside the repository (an environment's commit
    # not yet proven by the one it is promoted from). Flux's name for a dependency's wait.
    DEPENDENCY_NOT_READY = "DependencyNotReady"


class PipelineStage(enum.Enum):
    """The reconcile's stages in pipeline order, each with the reason it fails with.

    The one table of failure reasons: a stage that fails ends the run (or an
    app) with its reason, and when several failed, the earliest one wins.
    """

    SOURCE = Reason.SOURCE_FAILED
    BUILD = Reason.BUILD_FAILED
    APPLY = Reason.APPLY_FAILED
    PRUNE = Reason.PRUNE_FAILED
    HEALTH = Reason.HEALTH_CHECK_FAILED
    STATUS = Reason.STATUS_FAILED

    @property
    def reason(self) -> Reason:
        return Reason(self.value)


def first_failure(failed: Iterable[PipelineStage]) -> Reason:
    """The reason of the earliest stage in ``failed``; Succeeded when it is empty."""
    stages = set(failed)
    return next((s.reason for s in PipelineStage if s in stages), Reason.SUCCEEDED)


def earliest_reason(reasons: Iterable[Reason]) -> Reason:
    """Of several outcomes, the earliest stage that failed; a failure outside every
    stage (``ReconciliationFailed``) comes last; Succeeded when nothing failed."""
    present = set(reasons)
    by_stage = first_failure(s for s in PipelineStage if s.reason in present)
    if by_stage is Reason.SUCCEEDED and Reason.RECONCILIATION_FAILED in present:
        return Reason.RECONCILIATION_FAILED
    return by_stage


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    kind: str
    name: str
    namespace: str
    action: str
    health: Health


@dataclass(frozen=True, slots=True)
class AppStatus:
    """What the status branch records for one app (``apps/<app>.yaml``)."""

    app: str
    revision: str
    last_applied_revision: str
    sync: SyncState
    health: Health
    message: str
    since: str  # RFC 3339, when sync or health last changed
    reason: Reason = Reason.SUCCEEDED
    errors: tuple[str, ...] = ()
    resources: tuple[ResourceStatus, ...] = field(default=())
    # the commit whose definitions the app renders with, while a rollout holds it back
    # (or has moved it); "" without ``rollout:``, where that is always ``revision``
    definitions_revision: str = ""
