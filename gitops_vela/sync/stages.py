"""Apply desired objects stage by stage, kind by kind; objects of a kind concurrently.

Each kind is planned (``plan``) and then the entries that write are executed
(``apply``). Live state is read for all kinds of a stage at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync.apply import ObjectResult, execute
from gitops_vela.sync.desired import Desired
from gitops_vela.sync.live import by_kind
from gitops_vela.sync.plan import Context, Mode, PlanEntry, plan_kind, refused
from gitops_vela.sync.waiting import ready, served_versions, wait_ready


def apply_stage(
    cluster: Cluster,
    items: Sequence[Desired],
    context: Context,
    *,
    wait_timeout: float,
    progress: Callable[[int], None] | None = None,
) -> list[ObjectResult]:
    """Every object of one stage, one kind at a time in the fixed order.

    ``context.mode``: APPLY writes what the planner decided; DRY_RUN reports it.
    """
    results: list[ObjectResult] = []
    for batch, live in by_kind(
        cluster, items, context.namespaces, empty=context.created_namespaces
    ):
        entries = plan_kind(cluster, batch, live, context)
        if context.mode is Mode.DRY_RUN:
            results.extend(map(_dry_run_result, entries))
        else:
            results.extend(_execute_kind(cluster, entries, wait_timeout=wait_timeout))
        if progress is not None:
            progress(len(batch))
    return results


def _dry_run_result(entry: PlanEntry) -> ObjectResult:
    if not entry.writes:
        return _decided(entry)
    reason = f"dry run: {entry.reason}"
    return ObjectResult(entry.item, entry.action, reason, live=entry.live, dry_run=True)


def _execute_kind(
    cluster: Cluster, entries: list[PlanEntry], *, wait_timeout: float
) -> list[ObjectResult]:
    writes = [e for e in entries if e.writes]
    outcomes = cluster.map(lambda e: execute(cluster, e, wait_timeout=wait_timeout), writes)
    done = {
        id(entry): outcome.value or failed(refused(entry.item, outcome.error, entry.live))
        for entry, outcome in zip(writes, outcomes, strict=True)
    }
    return [done.get(id(e)) or _decided(e) for e in entries]


def _decided(entry: PlanEntry) -> ObjectResult:
    """An entry that needs no write: unchanged, or refused by the planner."""
    if entry.action is Action.FAILED:
        return failed(entry)
    # A held drift is reported like a dry run's change: planned, not written (OutOfSync).
    return ObjectResult(entry.item, entry.action, entry.reason, live=entry.live, dry_run=entry.held)


def failed(entry: PlanEntry) -> ObjectResult:
    return ObjectResult(
        entry.item,
        Action.FAILED,
        entry.reason,
        live=entry.live,
        error=entry.reason,
        internal=entry.internal,
    )


def settle_definitions(
    cluster: Cluster, results: list[ObjectResult], *, timeout: float
) -> list[ObjectResult]:
    """Wait for CRDs and Namespaces just applied; make new kinds visible to discovery."""
    changed_crds = [
        r.live
        for r in results
        if r.live is not None
        and r.item.ref.kind == "CustomResourceDefinition"
        and r.action in (Action.CREATED, Action.CONFIGURED)
    ]
    waiting = [r for r in results if r.live is not None and not ready(r.live)]

    def wait(result: ObjectResult) -> ObjectResult:
        assert result.live is not None
        live = wait_ready(cluster, result.live, timeout=timeout)
        return ObjectResult(result.item, result.action, result.reason, live=live)

    settled = {id(r): o for r, o in zip(waiting, cluster.map(wait, waiting), strict=True)}
    out: list[ObjectResult] = []
    for result in results:
        outcome = settled.get(id(result))
        if outcome is None:
            out.append(result)
        else:
            out.append(outcome.value or failed(refused(result.item, outcome.error, result.live)))
    if changed_crds:
        versions = frozenset().union(*(served_versions(crd) for crd in changed_crds if crd))
        cluster.discovery.forget_missing(versions)
    return out
