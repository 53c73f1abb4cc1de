"""One sync of many apps: read state, plan and apply in stages, record, prune, assess health.

``apply_apps`` reads like the pipeline; each step is a function of its inputs
and every failure becomes data on the app's result. ``Run`` is what one sync
shares: the cluster, its options and the inventories read once at the start.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from gitops_vela.cluster import Applied, Cluster
from gitops_vela.errors import GitopsVelaError
from gitops_vela.model.changes import Action, Change, ChangeSet
from gitops_vela.model.labels import MANAGED_BY, MANAGED_BY_VALUE, owner_value
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.model.status import Health, PipelineStage, Reason, first_failure
from gitops_vela.sync import inventory as inv
from gitops_vela.sync import prune as pruning
from gitops_vela.sync.apply import ObjectResult
from gitops_vela.sync.desired import Desired, desired_objects
from gitops_vela.sync.health import ObjectHealth, PolicyEvaluator, assess, report
from gitops_vela.sync.live import namespaces as list_namespaces
from gitops_vela.sync.ordering import Stage, stage_of
from gitops_vela.sync.plan import Context, Mode, defined_kinds, describe, refused
from gitops_vela.sync.results import AppResult, SyncOptions
from gitops_vela.sync.stages import apply_stage, failed, settle_definitions
from gitops_vela.sync.writeahead import write_ahead


@dataclass(frozen=True, slots=True)
class Books:
    """An app's inventory: as the run began, as now in the cluster (written ahead, or
    the same), the new one before pruning; and its stale objects."""

    old: inv.Inventory | None
    written: inv.Inventory | None
    new: inv.Inventory
    stale: frozenset[ObjectRef]


@dataclass
class Run:
    """State shared by one sync: the cluster, options, inventories read at the start.

    ``cluster`` makes every request about the apps' objects, as the repository's
    ServiceAccount when it has one; ``books`` (default: the same) is the daemon's own
    identity, which reads and writes the inventories in its namespace, creates that
    namespace and lists namespaces. A tenant may therefore never write an inventory,
    so it cannot make the daemon prune what another repository owns.
    """

    cluster: Cluster
    options: SyncOptions
    inventories: dict[str, inv.Inventory] = field(default_factory=dict)
    evaluate: PolicyEvaluator | None = None
    prune_hold: str = ""  # the repository's guard tripped: nothing is pruned, apps fail (limits)
    written: dict[str, inv.Inventory] = field(default_factory=dict)  # written ahead (by owner)
    daemon: Cluster | None = None  # the daemon's own identity, when ``cluster`` impersonates

    @property
    def books(self) -> Cluster:
        return self.daemon or self.cluster

    @classmethod
    def start(
        cls,
        cluster: Cluster,
        options: SyncOptions,
        evaluate: PolicyEvaluator | None = None,
        *,
        books: Cluster | None = None,
    ) -> Run:
        # Kinds found missing by an earlier run may exist now (a CRD installed since).
        cluster.discovery.forget_missing()
        inventories = inv.read_all(books or cluster, namespace=options.inventory_namespace)
        return cls(cluster, options, inventories, evaluate, daemon=books)


def apply_apps(
    run: Run, apps: Sequence[RenderedApp], *, failed_apps: Collection[str]
) -> tuple[AppResult, ...]:
    items, duplicates = _unique(run, desired_objects(apps))
    namespaces = list_namespaces(run.books)
    created = _ensure_namespaces(run, apps, items, namespaces)
    results = [*duplicates, *policy_refusals(apps)]
    if not run.options.dry_run:
        items, unrecorded, run.written = write_ahead(
            run.books, items, run.inventories, namespace=run.options.inventory_namespace
        )
        results.extend(unrecorded)
    progress = _progress(run, len(items))
    context = Context(
        mode=Mode.DRY_RUN if run.options.dry_run else Mode.APPLY,
        namespaces=namespaces,
        adoption=run.options.adoption,
        # Apps that rendered let go of what they no longer render (to an app of this run).
        releasing={owner_value(a.repo, a.name) for a in apps if a.name not in failed_apps},
        defined=defined_kinds(items),
        drift=run.options.drift,
        held=run.options.held,
        created_namespaces=created,
    )
    for stage in Stage:
        batch = [i for i in items if stage_of(i.ref.kind) is stage]
        if not batch:
            continue
        done = apply_stage(
            run.cluster,
            batch,
            context,
            wait_timeout=run.options.wait_timeout,
            progress=progress,
        )
        if stage is Stage.DEFINITIONS and not run.options.dry_run:
            done = settle_definitions(run.cluster, done, timeout=run.options.wait_timeout)
        results.extend(done)
    by_app: dict[tuple[str, str], list[ObjectResult]] = defaultdict(list)
    for result in results:
        by_app[(result.item.app.repo, result.item.app.name)].append(result)
    # A refused object is still the app's wish, not stale: its failure says why.
    wanted = {i.ref for i in items} | {r.ref for a in apps for r in a.refused}

    books = {id(a): _bookkeeping(run, a, by_app[(a.repo, a.name)], wanted) for a in apps}

    def finish(app: RenderedApp) -> AppResult:
        return finish_app(
            run,
            app,
            by_app[(app.repo, app.name)],
            books[id(app)],
            render_failed=app.name in failed_apps,
        )

    # Apps are independent from here on. Those with something to delete or to
    # record are finished concurrently; on a quiet poll that is none of them.
    busy = [a for a in apps if not _quiet(run, books[id(a)])]
    outcomes = dict(zip(map(id, busy), run.cluster.map(finish, busy), strict=True))
    finished: list[AppResult] = []
    for app in apps:
        outcome = outcomes.get(id(app)) or run.cluster.map(finish, [app])[0]  # inline, guarded
        finished.append(outcome.value or _crashed(app, outcome.error))
    return tuple(finished)


def _bookkeeping(
    run: Run, app: RenderedApp, results: list[ObjectResult], wanted: set[ObjectRef]
) -> Books:
    """The app's old inventory, the new one before pruning, and its stale objects.

    Applied objects are recorded; failed ones keep the entry they had, also one
    written ahead (harmless: prune deletes only what carries the app's label, and
    dropping it would rewrite the inventory on every sync the object fails).
    """
    old = run.inventories.get(owner_value(app.repo, app.name))
    before = old.objects if old else frozenset()
    written = run.written.get(owner_value(app.repo, app.name), old)
    listed = written.objects if written else frozenset()
    keep = {r.item.ref for r in results if r.in_inventory or r.item.ref in listed}
    new = inv.Inventory(app.repo, app.name, app.namespace, frozenset(keep))
    stale = pruning.stale(before, wanted=wanted, protected={_namespace_ref(app)})
    return Books(old, written, new, frozenset(stale))


def _quiet(run: Run, books: Books) -> bool:
    """Nothing to delete and nothing new to record: finishing sends no request."""
    return not books.stale and (books.written == books.new or run.options.dry_run)


def _crashed(app: RenderedApp, error: BaseException | None) -> AppResult:
    """An app whose finishing steps raised: reported, never silently dropped."""
    return AppResult(
        app.repo,
        app.name,
        ChangeSet(app.name),
        report(app.name, ()),
        reason=Reason.APPLY_FAILED,
        errors=(describe(error),),
        internal_errors=0 if isinstance(error, GitopsVelaError) else 1,
    )


def finish_app(
    run: Run,
    app: RenderedApp,
    results: list[ObjectResult],
    books: Books,
    *,
    render_failed: bool,
) -> AppResult:
    """Health, inventory and prune for one app whose objects were applied."""
    verdicts = [_verdict(run, app, r) for r in results]
    health = report(app.name, ((r.item.ref, v) for r, v in zip(results, verdicts, strict=True)))
    apply_failed = any(r.action is Action.FAILED for r in results)
    blocked = pruning.guard(
        prune=run.options.prune,
        render_failed=render_failed,
        apply_failed=apply_failed,
        desired_count=len(app.objects),
    ) or (run.prune_hold if books.stale else "")
    if blocked:
        pruned = pruning.kept(books.stale, blocked)
    else:
        owner = owner_value(app.repo, app.name)
        pruned = pruning.prune(run.cluster, books.stale, owner=owner, dry_run=run.options.dry_run)
    new = books.new.with_objects(books.new.objects | {p.ref for p in pruned if p.keep})
    errors = [f"{r.item.ref}: {r.error}" for r in results if r.action is Action.FAILED]
    errors += [f"{p.ref}: {p.reason}" for p in pruned if p.action is Action.FAILED]
    errors += _record(run, new, books.written)
    held = run.prune_hold if books.stale and blocked == run.prune_hold else ""
    broken = [f"{ref}: {v.message}" for ref, v in health.objects if v.check_failed]
    changes = [
        Change(r.item.ref, r.action, r.reason, v.health, dry_run=r.dry_run)
        for r, v in zip(results, verdicts, strict=True)
    ]
    changes += [Change(p.ref, p.action, p.reason, Health.MISSING, p.dry_run) for p in pruned]
    return AppResult(
        app.repo,
        app.name,
        ChangeSet(app.name, tuple(changes)),
        health,
        reason=Reason.PRUNE_FAILED
        if held and not apply_failed
        else _reason(apply_failed, pruned, errors, health_failed=bool(broken)),
        errors=tuple(errors + broken + ([held] if held else [])),
        prune_skipped=blocked if books.stale else "",
        kept=tuple(p.reason for p in pruned if p.held),
        internal_errors=sum(1 for r in results if r.internal),
    )


def _reason(
    apply_failed: bool,
    pruned: list[pruning.PruneResult],
    errors: list[str],
    *,
    health_failed: bool,
) -> Reason:
    """The first stage that failed, in pipeline order (the one table, ``PipelineStage``)."""
    prune_failed = any(p.action is Action.FAILED for p in pruned)
    # Other errors (the inventory could not be recorded) are part of applying.
    failed = {
        PipelineStage.APPLY: apply_failed or (bool(errors) and not prune_failed),
        PipelineStage.PRUNE: prune_failed,
        PipelineStage.HEALTH: health_failed,
    }
    return first_failure(stage for stage, yes in failed.items() if yes)


def _record(run: Run, new: inv.Inventory, old: inv.Inventory | None) -> list[str]:
    """Write the app's inventory when its set of objects changed; an error text on failure."""
    if run.options.dry_run or (old is not None and old == new):
        return []
    try:
        inv.write(run.books, new, namespace=run.options.inventory_namespace)
    except GitopsVelaError as exc:
        return [f"cannot record the inventory of {new.app}: {exc.message}"]
    run.inventories[new.owner] = new
    return []


def _verdict(run: Run, app: RenderedApp, result: ObjectResult) -> ObjectHealth:
    if not result.assessed:
        return assess(None)
    policy = app.health_policies.get(result.item.ref)
    return assess(result.live, policy=policy, evaluate=run.evaluate)


def _progress(run: Run, total: int) -> Callable[[int], None] | None:
    report_to = run.options.progress
    if report_to is None:
        return None
    done = [0]

    def step(count: int) -> None:
        done[0] += count
        report_to(done[0], total)

    return step


def _namespace_ref(app: RenderedApp) -> ObjectRef:
    return ObjectRef("", "Namespace", "", app.namespace)


def _unique(run: Run, items: list[Desired]) -> tuple[list[Desired], list[ObjectResult]]:
    """One app per object: when two apps render it, the one whose inventory holds it
    keeps it (a newcomer never takes it over), else the first; the other fails."""
    holders = {ref: i.owner for i in run.inventories.values() for ref in i.objects}
    chosen: dict[ObjectRef, Desired] = {}
    for item in items:
        first = chosen.setdefault(item.ref, item)
        if first is not item and holders.get(item.ref) == item.owner != first.owner:
            chosen[item.ref] = item
    unique = [item for item in items if chosen[item.ref] is item]
    clashes = [
        failed(refused(item, _clash(chosen[item.ref]), None))
        for item in items
        if chosen[item.ref] is not item
    ]
    return unique, clashes


def policy_refusals(apps: Sequence[RenderedApp]) -> list[ObjectResult]:
    """The objects render refused by the repository's policy, as failures of their apps.

    They were never desired: no request is sent for them. Failing keeps the app's
    prune guard shut (an object the policy now refuses is not deleted for it) and
    its inventory entry, when it had one, stays.
    """
    found = []
    for app in apps:
        for refusal in app.refused:
            item, text = Desired(app, refusal.manifest, refusal.ref, ""), str(refusal.where)
            found.append(ObjectResult(item, Action.FAILED, text, error=text))
    return found


def _clash(owner: Desired) -> GitopsVelaError:
    return GitopsVelaError(f"also rendered by app {owner.app.name}; an object has one owner")


def _ensure_namespaces(
    run: Run, apps: Sequence[RenderedApp], items: Sequence[Desired], namespaces: dict[str, Manifest]
) -> frozenset[str]:
    """Create missing app namespaces and the inventory namespace (never pruned).

    A namespace some app renders itself is left to the first stage. One that
    cannot be created shows up as its objects' failures. App namespaces are
    created as the repository's identity, the inventory namespace as the daemon's.
    Returns the names this call created (they hold nothing yet: nothing need be
    looked for in them).
    """
    rendered = {i.ref.name for i in items if i.ref.kind == "Namespace" and not i.ref.group}
    # Not one the repository's policy refused (render says so with a refused Namespace).
    refused = {r.ref.name for app in apps for r in app.refused if r.ref.kind == "Namespace"}
    wanted = {app.namespace for app in apps if app.namespace and app.namespace not in refused}
    wanted.add(run.options.inventory_namespace)
    missing = sorted(wanted - set(namespaces) - rendered)
    if run.options.dry_run or not missing:
        return frozenset()

    def create(name: str) -> Applied:
        manifest = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {MANAGED_BY: MANAGED_BY_VALUE}},
        }
        who = run.books if name == run.options.inventory_namespace else run.cluster
        return who.apply(manifest)

    created: set[str] = set()
    for name, outcome in zip(missing, run.cluster.map(create, missing), strict=True):
        if outcome.value is not None:
            namespaces[name] = outcome.value.object
            if outcome.value.created:
                created.add(name)
    return frozenset(created)
