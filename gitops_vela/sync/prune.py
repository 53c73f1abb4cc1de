"""Delete what an app no longer renders, guarded so a bad day deletes nothing.

Stale = the app's previous inventory minus everything any app wants now.
Guards, in order: prune must be on; the app must have loaded and rendered;
its apply must have succeeded in this run; it must still render at least one
object (an app in Git never prunes to zero). Each stale object is deleted only
when it still carries this app's ownership label, does not carry
``gitops-vela.dev/prune: disabled`` and holds nothing that would outlive it
(``dependents``: a Namespace with others' objects, a CRD with custom
resources); the app's namespace is never deleted. Deletion runs in reverse
kind order with background propagation.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from gitops_vela.cluster import Cluster
from gitops_vela.errors import GitopsVelaError, UnknownKindError
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import OWNER, PRUNE_ANNOTATION
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.sync import dependents
from gitops_vela.sync.ordering import kind_key


@dataclass(frozen=True, slots=True)
class PruneResult:
    ref: ObjectRef
    action: Action  # DELETED, SKIPPED or FAILED
    reason: str = ""
    keep: bool = False  # stays in the inventory (to be pruned later)
    dry_run: bool = False  # would be deleted; a dry run deleted nothing
    held: bool = False  # kept: it still holds what others own (``dependents``)
    live: Manifest | None = None  # the object that would be deleted (dry run only)


def guard(
    *,
    prune: bool,
    render_failed: bool,
    apply_failed: bool,
    desired_count: int,
) -> str:
    """Why stale objects must be kept this time, or "" when pruning may go ahead."""
    if not prune:
        return "prune is off"
    if render_failed:
        return "the app failed to load or render; nothing is pruned until it renders again"
    if apply_failed:
        return "apply failed in this run; nothing is pruned until it succeeds"
    if desired_count == 0:
        return "the app renders no objects; an app still in Git is never pruned to zero"
    return ""


def stale(
    recorded: Collection[ObjectRef],
    *,
    wanted: Collection[ObjectRef],
    protected: Collection[ObjectRef] = (),
) -> set[ObjectRef]:
    """Inventory entries no app wants now (protected ones, like the app namespace, never)."""
    return {ref for ref in recorded if ref not in wanted and ref not in protected}


def kept(entries: Collection[ObjectRef], reason: str) -> list[PruneResult]:
    return [PruneResult(ref, Action.SKIPPED, f"stale; {reason}", keep=True) for ref in entries]


def prune(
    cluster: Cluster,
    entries: Collection[ObjectRef],
    *,
    owner: str,
    dry_run: bool,
) -> list[PruneResult]:
    """Delete stale objects kind by kind, in reverse apply order."""
    ordered = sorted(
        entries, key=lambda r: (kind_key(r.group, r.kind), r.namespace, r.name), reverse=True
    )
    results: list[PruneResult] = []
    for _, group in itertools.groupby(ordered, key=lambda r: (r.group, r.kind)):
        refs: Sequence[ObjectRef] = list(group)
        outcomes = cluster.map(
            lambda ref: _prune_one(cluster, ref, owner=owner, dry_run=dry_run, pruned=entries),
            refs,
        )
        for ref, outcome in zip(refs, outcomes, strict=True):
            if outcome.value is not None:
                results.append(outcome.value)
            else:
                message = (
                    outcome.error.message
                    if isinstance(outcome.error, GitopsVelaError)
                    else str(outcome.error)
                )
                results.append(PruneResult(ref, Action.FAILED, message, keep=True))
    return results


def _prune_one(
    cluster: Cluster, ref: ObjectRef, *, owner: str, dry_run: bool, pruned: Collection[ObjectRef]
) -> PruneResult:
    try:
        resource = cluster.resource(ref.api_version, ref.kind)
    except UnknownKindError:
        return PruneResult(ref, Action.DELETED, "already gone (its kind no longer exists)")
    live = cluster.get(resource, namespace=ref.namespace, name=ref.name)
    if live is None:
        return PruneResult(ref, Action.DELETED, "already gone")
    meta = live.get("metadata") or {}
    if (meta.get("labels") or {}).get(OWNER) != owner:
        return PruneResult(
            ref, Action.SKIPPED, "kept: it no longer carries this app's ownership label"
        )
    if (meta.get("annotations") or {}).get(PRUNE_ANNOTATION) == "disabled":
        return PruneResult(ref, Action.SKIPPED, f"kept: annotated {PRUNE_ANNOTATION}: disabled")
    held = dependents.holds(cluster, ref, live, owner=owner, pruned=pruned)
    if held:
        return PruneResult(ref, Action.SKIPPED, held, keep=True, held=True)
    if dry_run:
        return PruneResult(
            ref, Action.DELETED, "dry run: would be deleted", keep=True, dry_run=True, live=live
        )
    cluster.delete(resource, namespace=ref.namespace, name=ref.name)
    return PruneResult(ref, Action.DELETED, "stale: no longer rendered")
