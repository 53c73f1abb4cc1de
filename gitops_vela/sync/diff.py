"""What ``apply`` would change: the live object against a server-side dry run.

Both sides drop server-owned metadata and status, and Secrets are masked
(``masking``) before the text diff is made, so no value can leak into it.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from gitops_vela.errors import GitopsVelaError
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import DIGEST_ANNOTATION, OWNER, PRUNE_ANNOTATION, owner_value
from gitops_vela.model.masking import mask_pair, redact, secret_values, strip_server_fields
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.render import yamltext
from gitops_vela.sync import prune as pruning
from gitops_vela.sync.apply import in_sync
from gitops_vela.sync.desired import Desired, desired_objects
from gitops_vela.sync.engine import Run
from gitops_vela.sync.fields import same_object
from gitops_vela.sync.live import list_live
from gitops_vela.sync.live import namespaces as list_namespaces
from gitops_vela.sync.ordering import kind_key


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


def render_diff(ref: ObjectRef, live: Manifest | None, merged: Manifest | None) -> str:
    """A unified diff of two objects without server fields, Secret values masked."""
    before, after = mask_pair(_shown(live), _shown(merged))
    # keys sorted: the two sides come from the server and from Git, in different orders
    a = yamltext.dump(before, sort_keys=True).splitlines(keepends=True) if before else []
    b = yamltext.dump(after, sort_keys=True).splitlines(keepends=True) if after else []
    return "".join(difflib.unified_diff(a, b, fromfile=f"live/{ref}", tofile=f"git/{ref}"))


def _shown(obj: Manifest | None) -> Manifest | None:
    """An object as a diff shows it: no server fields, no bookkeeping annotation."""
    if obj is None:
        return None
    shown = strip_server_fields(obj)
    annotations = (shown.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(DIGEST_ANNOTATION, None)
        if not annotations:
            shown["metadata"].pop("annotations")
    return shown


def diff_run(run: Run, apps: Sequence[RenderedApp]) -> tuple[AppDiff, ...]:
    items = desired_objects(apps)
    namespaces = list_namespaces(run.cluster)
    found: dict[ObjectRef, ObjectDiff] = {}
    ordered = sorted(
        items, key=lambda i: (kind_key(i.ref.group, i.ref.kind), i.ref.namespace, i.ref.name)
    )
    for _, group in itertools.groupby(ordered, key=lambda i: (i.api_version, i.ref.kind)):
        batch = list(group)
        for item, result in zip(batch, _diff_kind(run, batch, namespaces), strict=True):
            found[item.ref] = result
    wanted = {i.ref for i in items}
    return tuple(
        AppDiff(
            app.repo,
            app.name,
            tuple(found[i.ref] for i in items if i.app is app) + _stale(run, app, wanted),
        )
        for app in apps
    )


def _diff_kind(run: Run, batch: list[Desired], namespaces: dict[str, Manifest]) -> list[ObjectDiff]:
    cluster = run.cluster
    try:
        resource = cluster.resource(batch[0].api_version, batch[0].ref.kind)
        live = (
            list_live(cluster, resource, batch)
            if resource.kind != "Namespace"
            else {ObjectRef.from_manifest(ns): ns for ns in namespaces.values()}
        )
    except GitopsVelaError as exc:
        # e.g. a custom resource whose CRD this very apply would create
        return [
            ObjectDiff(
                i.ref,
                Action.CREATED,
                render_diff(i.ref, None, i.manifest),
                f"not checked by the server: {exc.message}",
            )
            for i in batch
        ]

    def one(item: Desired) -> ObjectDiff:
        return _diff_one(run, item, live.get(item.ref), namespaces)

    outcomes = cluster.map(one, batch)
    return [
        o.value if o.value is not None else _failed(item, o.error, live.get(item.ref))
        for item, o in zip(batch, outcomes, strict=True)
    ]


def _diff_one(
    run: Run, item: Desired, live: Manifest | None, namespaces: dict[str, Manifest]
) -> ObjectDiff:
    if live is not None and in_sync(item, live):
        return ObjectDiff(item.ref, Action.UNCHANGED)
    if item.ref.namespace and item.ref.namespace not in namespaces:
        return ObjectDiff(
            item.ref,
            Action.CREATED,
            render_diff(item.ref, None, item.manifest),
            "its namespace will be created",
        )
    merged = run.cluster.apply(item.manifest, dry_run=True).object
    if live is None:
        return ObjectDiff(item.ref, Action.CREATED, render_diff(item.ref, None, merged))
    if same_object(merged, live):
        return ObjectDiff(item.ref, Action.UNCHANGED)
    return ObjectDiff(item.ref, Action.CONFIGURED, render_diff(item.ref, live, merged))


def _failed(item: Desired, error: BaseException | None, live: Manifest | None) -> ObjectDiff:
    text = error.message if isinstance(error, GitopsVelaError) else str(error)
    return ObjectDiff(
        item.ref, Action.FAILED, reason=redact(text, secret_values([item.manifest, live]))
    )


def _stale(run: Run, app: RenderedApp, wanted: set[ObjectRef]) -> tuple[ObjectDiff, ...]:
    """Objects ``apply --prune`` would delete (owned and not opted out)."""
    recorded = run.inventories.get(owner_value(app.repo, app.name))
    if recorded is None or not app.objects:
        return ()
    protected = {ObjectRef("", "Namespace", "", app.namespace)}
    stale = pruning.stale(recorded.objects, wanted=wanted, protected=protected)
    results: list[ObjectDiff] = []
    for ref in sorted(
        stale, key=lambda r: (kind_key(r.group, r.kind), r.namespace, r.name), reverse=True
    ):
        try:
            resource = run.cluster.resource(ref.api_version, ref.kind)
            live = run.cluster.get(resource, namespace=ref.namespace, name=ref.name)
        except GitopsVelaError:
            continue
        meta = (live or {}).get("metadata") or {}
        owned = (meta.get("labels") or {}).get(OWNER) == recorded.owner
        kept = (meta.get("annotations") or {}).get(PRUNE_ANNOTATION) == "disabled"
        if live is not None and owned and not kept:
            results.append(
                ObjectDiff(
                    ref,
                    Action.DELETED,
                    render_diff(ref, live, None),
                    "no longer rendered; apply --prune deletes it",
                )
            )
    return tuple(results)
