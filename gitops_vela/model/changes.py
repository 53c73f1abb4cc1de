"""Results of a sync as data: a ChangeSet of per-object actions (like fluxcd/pkg ssa)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.status import Health


class Action(enum.StrEnum):
    CREATED = "created"
    CONFIGURED = "configured"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Change:
    ref: ObjectRef
    action: Action
    reason: str = ""
    health: Health = Health.UNKNOWN
    dry_run: bool = False  # planned only: a dry run wrote nothing


@dataclass(frozen=True, slots=True)
class ChangeSet:
    app: str
    changes: tuple[Change, ...] = ()

    def with_action(self, action: Action) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.action is action)
