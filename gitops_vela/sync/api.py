"""The entry points the daemon and the CLI call (see the package docstring)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.sync.diff import DiffResult, diff_run
from gitops_vela.sync.health import PolicyEvaluator
from gitops_vela.sync.health.policy import evaluate_policy
from gitops_vela.sync.limits import prune_hold, wanted_refs
from gitops_vela.sync.pipeline import Run, apply_apps
from gitops_vela.sync.removed import prune_removed, removal_blocked
from gitops_vela.sync.results import SyncOptions, SyncResult


def sync_repository(
    cluster: Cluster,
    render: RepositoryRender,
    *,
    repo: str,
    options: SyncOptions | None = None,
    evaluate: PolicyEvaluator | None = None,
    last_good: Mapping[str, RenderedApp] | None = None,
    whole: bool = True,
    plan: Collection[str] | None = None,
    books: Cluster | None = None,
    owns: Callable[[str], bool] | None = None,
) -> SyncResult:
    """One repository's sync, the daemon's every poll and ``apply``'s: one ``Run``.

    ``render.apps`` are applied. An app in ``render.failures`` is never pruned;
    its render from ``last_good`` (the last one that worked) is still enforced,
    else it has no entry in the result (its status comes from the failure).
    With ``whole`` (the render is the whole repository, not a chosen app), apps
    of ``repo`` removed from Git are then pruned (with ``options.prune``)
    through their inventories, unless ``removal_blocked`` says why not; and
    nothing at all is pruned when ``limits.prune_hold`` trips (an empty render,
    more than ``options.prune_limit`` percent at once): those apps fail instead.

    ``plan`` names the apps to plan (rendered, or kept from ``last_good``); None
    plans them all. The others are neither read nor applied and have no entry in
    the result: the caller keeps their last one (the daemon, for apps whose render
    did not move). The guards still judge the whole render, so a commit that
    reaches a few apps is as safe as a whole sync: the prune limit counts every
    app's objects as wanted, an empty render still refuses, and apps removed from
    Git are still pruned.
    ``books`` is the daemon's own client when ``cluster`` impersonates the
    repository's ServiceAccount (it keeps the inventories: see ``Run``).
    ``owns``: the apps of ``repo`` this replica answers for (its shard): only their
    inventories count for the guards and for pruning apps removed from Git, so each
    removed app is pruned by exactly one replica and the limits judge its share.
    """
    before = Counter(cluster.requests)
    run = Run.start(cluster, options or SyncOptions(), evaluate or evaluate_policy, books=books)
    failed = {f.name for f in render.failures}
    rendered = {a.name for a in render.apps}
    kept = [app for name, app in sorted((last_good or {}).items()) if name in failed - rendered]
    ours = [i for i in run.inventories.values() if owns is None or owns(i.app)]
    if whole:
        wanted = wanted_refs(render, kept)  # once per render, not per poll
        run.prune_hold = prune_hold(run.options, ours, render, repo=repo, wanted=wanted)
    apps = [a for a in [*render.apps, *kept] if plan is None or a.name in plan]
    results = apply_apps(run, apps, failed_apps=failed)
    blocked = removal_blocked(render) if whole else "only some apps were rendered"
    if not blocked:
        results += prune_removed(run, repo=repo, known_apps=rendered | failed, among=ours)
    return SyncResult(results, _sent(cluster, before), removed_kept=blocked)


def sync_apps(
    cluster: Cluster,
    apps: Sequence[RenderedApp],
    *,
    options: SyncOptions | None = None,
    failed_apps: Collection[str] = (),
    evaluate: PolicyEvaluator | None = None,
) -> SyncResult:
    """Apply ``apps``, record their inventories, prune them (guarded), assess health.

    The part of ``sync_repository`` for chosen apps (apps not named are left
    alone). ``failed_apps`` names apps whose load or render failed this time;
    they are never pruned (their last good render may still be in ``apps``).
    """
    before = Counter(cluster.requests)
    run = Run.start(cluster, options or SyncOptions(), evaluate or evaluate_policy)
    results = apply_apps(run, apps, failed_apps=failed_apps)
    return SyncResult(results, _sent(cluster, before))


def diff_apps(
    cluster: Cluster,
    apps: Sequence[RenderedApp],
    *,
    options: SyncOptions | None = None,
) -> DiffResult:
    """What applying ``apps`` would change, per object, as masked unified diffs."""
    run = Run.start(cluster, options or SyncOptions())
    return DiffResult(diff_run(run, apps))


def _sent(cluster: Cluster, before: Counter[str]) -> dict[str, int]:
    """Requests sent since ``before`` (by verb; includes runs sharing the client)."""
    return dict(Counter(cluster.requests) - before)
