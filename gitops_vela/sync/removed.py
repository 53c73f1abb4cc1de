"""Apps deleted from Git: prune what their inventory recorded, then the inventory.

Only runs when the full set of apps in the repository is known
(``removal_blocked``): an Appfile that failed to parse may be an app whose
name is unknown, and a broken definition may hide one, so either keeps every
inventory (nothing is pruned on doubt).
"""

from __future__ import annotations

from collections.abc import Collection

from gitops_vela.model.changes import Change, ChangeSet
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.model.status import Health, Reason
from gitops_vela.sync import inventory as inv
from gitops_vela.sync import prune as pruning
from gitops_vela.sync.health import report
from gitops_vela.sync.pipeline import Run
from gitops_vela.sync.results import AppResult


def removal_blocked(render: RepositoryRender) -> str:
    """Why apps removed from Git must be kept this run, or "" when they may be pruned."""
    if any(not f.name for f in render.failures):
        return "an Appfile is too broken to name its app (it may be one of them)"
    if render.catalog_diagnostics:
        return "a definition is broken (it may hide an app)"
    return ""


def prune_removed(
    run: Run,
    *,
    repo: str,
    known_apps: Collection[str],
    among: Collection[inv.Inventory] | None = None,
) -> tuple[AppResult, ...]:
    """Prune every app of ``repo`` that has an inventory but is not in ``known_apps``
    (of the inventories ``among``, when given: a replica's shard)."""
    inventories = run.inventories.values() if among is None else among
    gone = [i for i in inventories if i.repo == repo and i.app not in known_apps]
    return tuple(_prune_app(run, found) for found in sorted(gone, key=lambda i: i.app))


def _prune_app(run: Run, found: inv.Inventory) -> AppResult:
    protected = {ObjectRef("", "Namespace", "", found.namespace)}
    stale = pruning.stale(found.objects, wanted=(), protected=protected)
    if not run.options.prune:
        results = pruning.kept(stale, "the app was removed from Git; prune is off")
    elif run.prune_hold:
        return _held(run, found, stale)
    else:
        results = pruning.prune(run.cluster, stale, owner=found.owner, dry_run=run.options.dry_run)
    remaining = {r.ref for r in results if r.keep}
    errors = tuple(
        f"{r.ref}: {r.reason}" for r in results if r.reason and r.action.value == "failed"
    )
    if run.options.prune and not run.options.dry_run:
        errors += _forget(run, found, remaining)
    changes = ChangeSet(
        found.app, tuple(Change(r.ref, r.action, r.reason, Health.MISSING) for r in results)
    )
    return AppResult(
        found.repo,
        found.app,
        changes,
        report(found.app, ()),
        reason=Reason.PRUNE_FAILED if errors else Reason.SUCCEEDED,
        errors=errors,
        prune_skipped="" if run.options.prune else "prune is off",
        kept=tuple(r.reason for r in results if r.held),
        removed=True,
    )


def _held(run: Run, found: inv.Inventory, stale: set[ObjectRef]) -> AppResult:
    """The repository's prune guard tripped: everything kept, the app fails saying why."""
    kept = pruning.kept(stale, run.prune_hold)
    changes = tuple(Change(r.ref, r.action, r.reason, Health.MISSING) for r in kept)
    return AppResult(
        found.repo,
        found.app,
        ChangeSet(found.app, changes),
        report(found.app, ()),
        reason=Reason.PRUNE_FAILED,
        errors=(run.prune_hold,),
        prune_skipped=run.prune_hold,
        removed=True,
    )


def _forget(run: Run, found: inv.Inventory, remaining: set[ObjectRef]) -> tuple[str, ...]:
    """Delete the inventory once everything is gone, else keep what is left."""
    namespace = run.options.inventory_namespace
    try:
        if remaining:
            inv.write(
                run.books,
                found.with_objects(remaining),
                namespace=namespace,
            )
        else:
            inv.delete(run.books, found, namespace=namespace)
            run.inventories.pop(found.owner, None)
    except Exception as exc:  # reported on the app; retried next run
        return (f"cannot update the inventory of removed app {found.app}: {exc}",)
    return ()
