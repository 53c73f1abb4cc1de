"""The entry points the daemon and the CLI call (see the package docstring)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.sync.diff import DiffResult, diff_run
from gitops_vela.sync.engine import Run, apply_apps
from gitops_vela.sync.health import PolicyEvaluator
from gitops_vela.sync.health.policy import evaluate_policy
from gitops_vela.sync.removed import prune_removed
from gitops_vela.sync.results import SyncOptions, SyncResult


def sync_apps(
    cluster: Cluster,
    apps: Sequence[RenderedApp],
    *,
    options: SyncOptions | None = None,
    failed_apps: Collection[str] = (),
    evaluate: PolicyEvaluator | None = None,
) -> SyncResult:
    """Apply ``apps``, record their inventories, prune them (guarded), assess health.

    ``failed_apps`` names apps whose load or render failed this time; they are
    never pruned (their last good render may still be passed in ``apps``).
    """
    before = Counter(cluster.requests)
    run = Run.start(cluster, options or SyncOptions(), _evaluator(evaluate))
    results = apply_apps(run, apps, failed_apps=failed_apps)
    return SyncResult(results, _sent(cluster, before))


def sync_repository(
    cluster: Cluster,
    render: RepositoryRender,
    *,
    repo: str,
    options: SyncOptions | None = None,
    evaluate: PolicyEvaluator | None = None,
) -> SyncResult:
    """One repository's whole sync: its apps, then apps removed from its Git.

    ``render.apps`` are applied; apps in ``render.failures`` are never pruned
    and have no entry in the result (their status comes from the failure).
    Apps removed from Git are pruned (with ``options.prune``) through their
    inventories, only when every failed Appfile has a known name (an
    unparseable one might be any app) and the catalog loaded cleanly.
    """
    before = Counter(cluster.requests)
    run = Run.start(cluster, options or SyncOptions(), _evaluator(evaluate))
    failed = {f.name for f in render.failures}
    results = apply_apps(run, render.apps, failed_apps=failed)
    if all(failed) and not render.catalog_diagnostics:
        results += prune_removed(run, repo=repo, known_apps={a.name for a in render.apps} | failed)
    return SyncResult(results, _sent(cluster, before))


def prune_removed_apps(
    cluster: Cluster,
    *,
    repo: str,
    known_apps: Collection[str],
    options: SyncOptions | None = None,
) -> SyncResult:
    """Prune, through their inventories, the apps of ``repo`` not in ``known_apps``."""
    before = Counter(cluster.requests)
    run = Run.start(cluster, options or SyncOptions())
    return SyncResult(prune_removed(run, repo=repo, known_apps=known_apps), _sent(cluster, before))


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


def _evaluator(evaluate: PolicyEvaluator | None) -> PolicyEvaluator:
    return evaluate or evaluate_policy
