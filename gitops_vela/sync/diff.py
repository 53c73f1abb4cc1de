"""What ``apply`` would change, per object, as masked unified diffs.

The planner decides (``plan``, ``Mode.DIFF``: every change is checked by a
server-side dry run and carries its diff); stale objects are those
``apply --prune`` would delete, decided by the prune guard in a dry run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gitops_vela.model.changes import Action
from gitops_vela.model.labels import owner_value
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.sync import prune as pruning
from gitops_vela.sync.desired import desired_objects
from gitops_vela.sync.difftext import render_diff
from gitops_vela.sync.live import by_kind
from gitops_vela.sync.live import namespaces as list_namespaces
from gitops_vela.sync.pipeline import Run
from gitops_vela.sync.plan import Context, Mode, PlanEntry, defined_kinds, plan_kind

__all__ = ["AppDiff", "DiffResult", "ObjectDiff", "diff_run", "render_diff"]


@dataclass(frozen=True, slots=True)
class ObjectDiff:
    ref: ObjectRef
    action: Action  # created, configured, unchanged, deleted (would be pruned), failed
    text: str = ""  # unified diff, Secret values masked
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AppDiff:
    repo: str
    app: str
    objects: tuple[ObjectDiff, ...]

    @property
    def changed(self) -> tuple[ObjectDiff, ...]:
        return tuple(o for o in self.objects if o.action not in (Action.UNCHANGED, Action.FAILED))

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{o.ref}: {o.reason}" for o in self.objects if o.action is Action.FAILED)


@dataclass(frozen=True, slots=True)
class DiffResult:
    apps: tuple[AppDiff, ...]

    @property
    def changed(self) -> bool:
        return any(app.changed for app in self.apps)

    @property
    def ok(self) -> bool:
        return not any(app.errors for app in self.apps)


def diff_run(run: Run, apps: Sequence[RenderedApp]) -> tuple[AppDiff, ...]:
    items = desired_objects(apps)
    namespaces = list_namespaces(run.books)
    found: dict[int, ObjectDiff] = {}
    context = Context(
        mode=Mode.DIFF,
        namespaces=namespaces,
        adoption=run.options.adoption,
        releasing={owner_value(a.repo, a.name) for a in apps},
        defined=defined_kinds(items),
    )
    for batch, live in by_kind(run.cluster, items, namespaces):
        found.update((id(e.item), _shown(e)) for e in plan_kind(run.cluster, batch, live, context))
    wanted = {i.ref for i in items} | {r.ref for a in apps for r in a.refused}
    return tuple(
        AppDiff(
            app.repo,
            app.name,
            tuple(found[id(i)] for i in items if i.app is app)
            + _refused(app)
            + _stale(run, app, wanted),
        )
        for app in apps
    )


def _refused(app: RenderedApp) -> tuple[ObjectDiff, ...]:
    """Objects the repository's policy keeps from the cluster: failures, never planned."""
    return tuple(ObjectDiff(r.ref, Action.FAILED, reason=str(r.where)) for r in app.refused)


def _shown(entry: PlanEntry) -> ObjectDiff:
    reason = "" if entry.action is Action.UNCHANGED else entry.reason
    return ObjectDiff(entry.item.ref, entry.action, entry.diff, reason)


def _stale(run: Run, app: RenderedApp, wanted: set[ObjectRef]) -> tuple[ObjectDiff, ...]:
    """Objects ``apply --prune`` would delete: the prune guard's verdict, in a dry run."""
    recorded = run.inventories.get(owner_value(app.repo, app.name))
    blocked = pruning.guard(
        # A refused object fails the app, and a failed app prunes nothing.
        prune=True,
        render_failed=False,
        apply_failed=bool(app.refused),
        desired_count=len(app.objects),
    )
    if recorded is None or blocked:
        return ()
    protected = {ObjectRef("", "Namespace", "", app.namespace)}
    stale = pruning.stale(recorded.objects, wanted=wanted, protected=protected)
    verdicts = pruning.prune(run.cluster, stale, owner=recorded.owner, dry_run=True)
    return tuple(
        ObjectDiff(
            p.ref,
            Action.DELETED,
            render_diff(p.ref, p.live, None),
            "no longer rendered; apply --prune deletes it",
        )
        for p in verdicts
        if p.action is Action.DELETED and p.live is not None
    )
