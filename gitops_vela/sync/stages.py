"""Apply desired objects stage by stage, kind by kind; objects of a kind concurrently."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence

from gitops_vela.cluster import Cluster, Resource
from gitops_vela.errors import GitopsVelaError, UnknownKindError
from gitops_vela.model.changes import Action
from gitops_vela.model.masking import redact, secret_values
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.sync.apply import ObjectResult, in_sync, sync_object
from gitops_vela.sync.desired import Desired
from gitops_vela.sync.live import list_live
from gitops_vela.sync.ordering import kind_key
from gitops_vela.sync.waiting import ready, served_versions, wait_ready


def apply_stage(
    cluster: Cluster,
    items: Sequence[Desired],
    *,
    namespaces: Mapping[str, Manifest],
    dry_run: bool,
    wait_timeout: float,
    progress: Callable[[int], None] | None = None,
) -> list[ObjectResult]:
    """Every object of one stage, one kind at a time in the fixed order.

    Live state is read for all kinds of the stage at once (reads do not depend
    on the order; writes do).
    """
    ordered = sorted(
        items, key=lambda i: (kind_key(i.ref.group, i.ref.kind), i.ref.namespace, i.ref.name)
    )
    batches = [
        list(g) for _, g in itertools.groupby(ordered, key=lambda i: (i.api_version, i.ref.kind))
    ]
    lives = cluster.map(lambda batch: _read(cluster, batch, namespaces), batches)
    results: list[ObjectResult] = []
    for batch, live in zip(batches, lives, strict=True):
        if live.value is None and dry_run and isinstance(live.error, UnknownKindError):
            # On a dry run the CRDs of this run were not created: say so, do not fail.
            note = f"dry run: would be created if a CRD in this run defines {batch[0].ref.kind}"
            results.extend(ObjectResult(item, Action.CREATED, note) for item in batch)
        elif live.value is None:
            results.extend(failed(item, live.error, None) for item in batch)
        else:
            results.extend(
                _apply_kind(
                    cluster,
                    batch,
                    live.value,
                    namespaces=namespaces,
                    dry_run=dry_run,
                    wait_timeout=wait_timeout,
                )
            )
        if progress is not None:
            progress(len(batch))
    return results


def _read(
    cluster: Cluster, batch: list[Desired], namespaces: Mapping[str, Manifest]
) -> dict[ObjectRef, Manifest]:
    resource = cluster.resource(batch[0].api_version, batch[0].ref.kind)
    return _live(cluster, resource, batch, namespaces)


def _apply_kind(
    cluster: Cluster,
    batch: list[Desired],
    live: dict[ObjectRef, Manifest],
    *,
    namespaces: Mapping[str, Manifest],
    dry_run: bool,
    wait_timeout: float,
) -> list[ObjectResult]:
    # The cheap check first, here: most objects of a quiet poll need no request.
    results: dict[int, ObjectResult] = {}
    pending: list[Desired] = []
    for item in batch:
        current = live.get(item.ref)
        try:
            unchanged = current is not None and in_sync(item, current)
        except Exception as exc:  # a bug comparing one object fails that object only
            results[id(item)] = failed(item, exc, current)
            continue
        if unchanged:
            results[id(item)] = ObjectResult(item, Action.UNCHANGED, live=current)
        else:
            pending.append(item)

    def one(item: Desired) -> ObjectResult:
        if dry_run and item.ref.namespace and item.ref.namespace not in namespaces:
            return ObjectResult(
                item, Action.CREATED, "dry run: would be created with its namespace"
            )
        return sync_object(
            cluster, item, live.get(item.ref), dry_run=dry_run, wait_timeout=wait_timeout
        )

    for item, outcome in zip(pending, cluster.map(one, pending), strict=True):
        value = outcome.value
        results[id(item)] = (
            value if value is not None else failed(item, outcome.error, live.get(item.ref))
        )
    return [results[id(item)] for item in batch]


def _live(
    cluster: Cluster, resource: Resource, batch: list[Desired], namespaces: Mapping[str, Manifest]
) -> dict[ObjectRef, Manifest]:
    if resource.kind == "Namespace" and not resource.group:
        return {ObjectRef.from_manifest(ns): ns for ns in namespaces.values()}
    return list_live(cluster, resource, batch)


def failed(item: Desired, error: BaseException | None, live: Manifest | None) -> ObjectResult:
    """A failed object, its error text free of secret values."""
    text = redact(describe(error), secret_values([item.manifest, live]))
    internal = error is not None and not isinstance(error, GitopsVelaError)
    return ObjectResult(item, Action.FAILED, text, live=live, error=text, internal=internal)


def describe(error: BaseException | None) -> str:
    """An error as one line: ours by its message, anything else as the bug it is."""
    if isinstance(error, GitopsVelaError):
        return error.message
    return f"internal error ({type(error).__name__}: {error}); please report it"


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
            out.append(outcome.value or failed(result.item, outcome.error, result.live))
    if changed_crds:
        versions = frozenset().union(*(served_versions(crd) for crd in changed_crds if crd))
        cluster.discovery.forget_missing(versions)
    return out
