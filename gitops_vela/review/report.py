"""The review report as data: what changed in the definitions, which apps it touches.

Rendered to Markdown (``markdown.py``) and JSON (``jsonout.py``) from the
same values, so both say the same thing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gitops_vela.review.objdiff import RenderedObjectDiff
from gitops_vela.review.schemachanges import SchemaChange


class DefinitionStatus(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class DefinitionChange:
    """One definition that differs between base and head.

    ``aspects`` says what differs (``template``, ``parameters``, ``import
    definitions/lib.libsonnet``, ...). ``problems`` are validation errors at
    head (schema, template, healthPolicy), as ``file:line: message`` lines.
    ``used_by`` names the apps (``repo/app``) that use it at base or head.
    """

    name: str
    kind: str
    status: DefinitionStatus
    path: str = ""
    aspects: tuple[str, ...] = ()
    schema_changes: tuple[SchemaChange, ...] = ()
    problems: tuple[str, ...] = ()
    used_by: tuple[str, ...] = ()

    @property
    def breaking_schema(self) -> bool:
        return any(c.breaking for c in self.schema_changes)

    @property
    def breaks(self) -> bool:
        """Invalid at head, or removed while apps still use it."""
        removed_in_use = self.status is DefinitionStatus.REMOVED and bool(self.used_by)
        return bool(self.problems) or removed_in_use


class AppChangeKind(enum.StrEnum):
    CHANGED = "changed"  # renders at both, manifests differ
    ADDED = "added"  # new Appfile at head
    REMOVED = "removed"  # Appfile gone at head
    BROKEN = "broken"  # stops validating/rendering at head
    FIXED = "fixed"  # failed at base, renders at head


@dataclass(frozen=True, slots=True)
class AppChange:
    """One affected app: its per-object diffs, or the errors it has at head.

    ``errors`` holds only problems new at head (``file:line: key: message``);
    ``conflicts`` is the subset about trait conflicts or ``appliesTo``.
    ``definitions`` names the changed definitions this app uses.
    """

    repo: str
    name: str
    path: str
    status: AppChangeKind
    definitions: tuple[str, ...] = ()
    objects: tuple[RenderedObjectDiff, ...] = ()
    errors: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    environment: str = ""  # the environment it was rendered for ("" = the base)

    @property
    def key(self) -> str:
        return f"{self.repo}/{self.name}"

    @property
    def where(self) -> str:
        """``repo/app``, and ``[env]`` when the review covers environments."""
        return f"{self.key} [{self.environment}]" if self.environment else self.key

    @property
    def breaks(self) -> bool:
        return self.status is AppChangeKind.BROKEN


@dataclass(frozen=True, slots=True)
class ClusterDiff:
    """The server-side dry-run diff of one affected app against the live cluster."""

    app: str
    objects: tuple[RenderedObjectDiff, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``gitops-vela review`` found between two revisions."""

    base: str  # the ref as given
    head: str
    base_sha: str
    head_sha: str
    repos: tuple[str, ...]  # the repository under review first, then --apps-repo ones
    definitions: tuple[DefinitionChange, ...] = ()
    apps: tuple[AppChange, ...] = ()
    catalog_problems: tuple[str, ...] = ()  # new catalog diagnostics at head
    apps_total: int = 0
    apps_rendered: int = 0  # how many apps the dependency index sent to render
    cluster: tuple[ClusterDiff, ...] | None = None  # None: --cluster not asked
    environments: tuple[str, ...] = ()  # reviewed one by one; empty: the base only
    # per repository, the apps each wave of a ``rollout:`` would add (definition changes only)
    waves: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = ()

    @property
    def unaffected(self) -> int:
        return max(self.apps_total - len(self.apps), 0)

    @property
    def breaking(self) -> tuple[str, ...]:
        """One line per thing the head breaks; empty means exit 0."""
        lines = [f"catalog: {p}" for p in self.catalog_problems]
        for d in self.definitions:
            lines.extend(f"definition {d.name}: {p}" for p in d.problems)
            if d.status is DefinitionStatus.REMOVED and d.used_by:
                lines.append(f"definition {d.name}: removed but used by {', '.join(d.used_by)}")
        for app in self.apps:
            if app.breaks:
                lines.extend(f"app {app.where}: {e}" for e in app.errors or ("fails at head",))
        return tuple(lines)

    @property
    def ok(self) -> bool:
        return not self.breaking

    def with_status(self, status: AppChangeKind) -> tuple[AppChange, ...]:
        return tuple(a for a in self.apps if a.status is status)
