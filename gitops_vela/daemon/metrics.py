"""Prometheus metrics of the daemon, in a registry it owns (not the global one).

Names are prefixed ``gitops_vela_``. ``app_health`` follows the
kube-state-metrics convention: one series per possible health, 1 for the
current one and 0 for the others, so ``gitops_vela_app_health{health="Degraded"} == 1``
is an alert rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gitops_vela.model.status import Health

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Reconciles range from a quiet poll (tens of ms) to a first apply of many apps.
_RECONCILE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_RENDER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class Metrics:
    """Every series the daemon exports; one instance per daemon process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.reconcile_duration = Histogram(
            "gitops_vela_reconcile_duration_seconds",
            "Time of one reconcile of a repository, from ls-remote to status.",
            ["repo"],
            buckets=_RECONCILE_BUCKETS,
            registry=r,
        )
        self.reconcile_total = Counter(
            "gitops_vela_reconcile",
            "Reconciles by repository and result (a Reason, e.g. ReconciliationSucceeded).",
            ["repo", "result"],
            registry=r,
        )
        self.reconcile_crashes = Counter(
            "gitops_vela_reconcile_crashes",
            "Reconciles that ended in an unexpected exception (a bug), by repository.",
            ["repo"],
            registry=r,
        )
        self.crash_streak = Gauge(
            "gitops_vela_reconcile_crash_streak",
            "Reconciles of a repository in a row that crashed (0 after one that did not).",
            ["repo"],
            registry=r,
        )
        self.render_duration = Histogram(
            "gitops_vela_render_duration_seconds",
            "Time to load definitions and render every app of a repository.",
            ["repo"],
            buckets=_RENDER_BUCKETS,
            registry=r,
        )
        self.app_health = Gauge(
            "gitops_vela_app_health",
            "1 for the app's current health, 0 for the other values.",
            ["repo", "app", "health"],
            registry=r,
        )
        self.app_synced = Gauge(
            "gitops_vela_app_synced",
            "1 when the app's last sync succeeded, 0 when it failed.",
            ["repo", "app"],
            registry=r,
        )
        self.git_requests = Counter(
            "gitops_vela_git_requests",
            "Git operations (ls-remote, fetch, push...) by operation.",
            ["op"],
            registry=r,
        )
        self.kube_requests = Counter(
            "gitops_vela_kube_requests",
            "Kubernetes API requests by verb.",
            ["verb"],
            registry=r,
        )
        self.objects_changed = Counter(
            "gitops_vela_objects_changed",
            "Objects created, configured or deleted, by repository and action.",
            ["repo", "action"],
            registry=r,
        )
        self.drift_detected = Gauge(
            "gitops_vela_drift_detected_objects",
            "Objects edited live and left so (drift: detect or ignore, or a held fight), by repository.",
            ["repo"],
            registry=r,
        )
        self.drift_held = Gauge(
            "gitops_vela_drift_held_objects",
            "Objects whose drift correction backs off: another controller keeps changing them.",
            ["repo"],
            registry=r,
        )
        self.drift_corrected = Counter(
            "gitops_vela_drift_corrections",
            "Objects re-applied because they were edited live, by repository.",
            ["repo"],
            registry=r,
        )
        self.live_objects = Gauge(
            "gitops_vela_live_cache_objects",
            "Objects the watch cache keeps (views: our fields, status, identity).",
            registry=r,
        )
        self.live_in_step = Gauge(
            "gitops_vela_live_cache_in_step",
            "1 when every watch of the cache is in step (0: lists go to the API server).",
            registry=r,
        )
        self.last_success = Gauge(
            "gitops_vela_last_success_timestamp_seconds",
            "Unix time of the last successful reconcile of a repository.",
            ["repo"],
            registry=r,
        )

        self.rollout_wave = Gauge(
            "gitops_vela_rollout_wave",
            "The current wave (1-based) of a repository's definition rollout, 0 with none.",
            ["repo"],
            registry=r,
        )
        self.rollout_phase = Gauge(
            "gitops_vela_rollout_phase",
            "1 for the rollout's current phase (Gating, Pausing, Halted...), 0 for the others.",
            ["repo", "phase"],
            registry=r,
        )
        self._rollout_revisions: dict[str, set[str]] = {}  # repo -> revisions exported
        # (repo, app) -> (health, synced) as exported: a poll re-exports only what moved
        # (seven label lookups per app and poll are seconds at 10,000 apps).
        self._apps: dict[tuple[str, str], tuple[Health, bool]] = {}
        self.rollout_apps = Gauge(
            "gitops_vela_rollout_apps",
            "Apps by the definitions revision they run, while a repository uses rollouts.",
            ["repo", "definitions_revision"],
            registry=r,
        )

    def set_rollout(
        self, *, repo: str, wave: int, phase: str, phases: Iterable[str], apps: Mapping[str, int]
    ) -> None:
        """A repository's rollout; revisions no app runs any more stop being exported."""
        self.rollout_wave.labels(repo).set(wave)
        for value in phases:
            self.rollout_phase.labels(repo, value).set(1 if value == phase else 0)
        for gone in self._rollout_revisions.get(repo, set()) - set(apps):
            _remove(self.rollout_apps, repo, gone)
        self._rollout_revisions[repo] = set(apps)
        for revision, count in apps.items():
            self.rollout_apps.labels(repo, revision).set(count)

    def set_app(self, *, repo: str, app: str, health: Health, synced: bool) -> None:
        if self._apps.get((repo, app)) == (health, synced):
            return
        self._apps[repo, app] = (health, synced)
        for value in Health:
            self.app_health.labels(repo, app, str(value)).set(1 if value is health else 0)
        self.app_synced.labels(repo, app).set(1 if synced else 0)

    def forget_app(self, *, repo: str, app: str) -> None:
        """An app removed from Git stops being exported."""
        self._apps.pop((repo, app), None)
        for value in Health:
            _remove(self.app_health, repo, app, str(value))
        _remove(self.app_synced, repo, app)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _remove(metric: Gauge, *labels: str) -> None:
    try:
        metric.remove(*labels)
    except KeyError:
        return
