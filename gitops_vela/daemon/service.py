"""The daemon as a whole: repositories, scheduler and HTTP wired together.

``Daemon`` owns one ``RepositoryReconciler`` per configured repository, the
scheduler that runs them, the shared capability centers, the metrics, the
record of runs (``RunLog``) and the HTTP server; what the port answers is
``daemon/endpoints.py``. It never reconciles by itself: the scheduler calls
``_run_one``. Configuration reloads swap reconcilers in place.
"""

from __future__ import annotations

import threading

from gitops_vela.cluster import Cluster
from gitops_vela.cluster.watchcache import LiveChange, WatchCache
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.endpoints import DaemonEndpoints
from gitops_vela.daemon.http import HttpServer
from gitops_vela.daemon.leases import LeaderElection, LeaseLock, default_identity
from gitops_vela.daemon.live import LiveFeed, scope_for
from gitops_vela.daemon.memory import release as release_memory
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.daemon.reporting import ReconcileReport
from gitops_vela.daemon.runs import RunLog
from gitops_vela.daemon.scheduler import RepositoryScheduler
from gitops_vela.daemon.shards import WHOLE, Sharding, Share
from gitops_vela.errors import ConfigError
from gitops_vela.logs import get_logger
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.labels import OWNER
from gitops_vela.settings import RepositorySettings, Settings

log = get_logger("gitops_vela.daemon")


class Daemon:
    """Start it, let the scheduler run, stop it (bounded)."""

    def __init__(
        self,
        settings: Settings,
        *,
        cluster: Cluster,
        metrics: Metrics,
        identity: str | None = None,
    ) -> None:
        self.settings = settings
        self.identity = identity or default_identity()  # in Leases: who holds them
        self.metrics = metrics
        self.cluster = cluster
        self._lock = threading.Lock()
        self._reconcilers: dict[str, RepositoryReconciler] = {}
        self._shares: dict[str, Share] = {}  # sharded by app: each repository's, as last seen
        self.runs = RunLog(metrics)
        # Lists of what apps own are answered from watches (see daemon/live.py).
        self.watch = WatchCache(
            cluster, scope_for=scope_for(settings.namespace), on_change=self._live_changed
        ).attach()
        metrics.live_objects.set_function(self.watch.objects)
        metrics.live_in_step.set_function(lambda: float(self.watch.in_step))
        self.centers = self._make_centers(settings)
        self.shards = self._make_shards(settings)
        self.election = None if self.shards else self._make_election(settings)
        self.scheduler = RepositoryScheduler(
            self.shards.guard(self._run_one) if self.shards else self._run_one,
            workers=min(4, max(1, len(settings.repositories))),
        )
        try:
            self.http = HttpServer(
                DaemonEndpoints(self), host=settings.server.host, port=settings.server.port
            )
        except OSError as exc:
            raise ConfigError(
                Diagnostic(
                    path="server.listen",
                    message=f"cannot listen on {settings.server.listen}: {exc.strerror}",
                )
            ) from exc

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.scheduler.start()
        if self.shards is not None:
            self.shards.start()
        elif self.election is None:
            self._apply_repositories(self.settings.repositories)
        else:
            self.election.start()
        self.http.start()
        log.info(
            "daemon started",
            listen=f"{self.settings.server.host}:{self.http.port}",
            repositories=[r.name for r in self.settings.repositories],
            cluster=self.cluster.host,
        )

    def reload(self, settings: Settings) -> None:
        """New repositories start, removed ones stop, changed ones restart; all run now."""
        if settings.capability_centers != self.settings.capability_centers:
            self.centers = self._make_centers(settings)
        fixed = ("server", "cluster", "cache_dir", "namespace", "leader_election")
        if changed := [k for k in fixed if getattr(settings, k) != getattr(self.settings, k)]:
            log.warning("these settings take effect at the next restart", settings=changed)
        self.settings = settings
        if self.election is not None and not self.election.leading:
            log.info("configuration reloaded; standing by for the leader lease")
            return
        started = self._apply_repositories(self._mine(settings.repositories))
        for name in set(self.scheduler.names) - started:
            self.scheduler.trigger(name)
        log.info("configuration reloaded", repositories=[r.name for r in settings.repositories])

    def stop(self, *, timeout: float) -> bool:
        """Stop scheduling and serving; True when the runs in flight finished in time."""
        log.info("stopping: waiting for reconciles in flight", timeout=timeout)
        clean = self.scheduler.stop(timeout=timeout)
        if self.election is not None:
            self.election.stop()  # after the runs: the next leader must not overlap them
        if self.shards is not None:
            self.shards.stop()  # after the runs too: releasing hands repositories over
        self.watch.stop()
        self.http.stop()
        if not clean:
            log.warning("shutdown timed out with a reconcile still running", timeout=timeout)
        return clean

    def _make_election(self, settings: Settings) -> LeaderElection | None:
        election = settings.leader_election
        if not election.enabled:
            return None
        lock = LeaseLock(
            self.cluster,
            namespace=settings.namespace,
            name=election.lease_name,
            identity=self.identity,
            duration=election.lease_duration,
        )
        return LeaderElection(
            lock,
            on_started_leading=self._lead,
            on_stopped_leading=self._stand_by,
            renew_every=max(1.0, election.lease_duration / 5),
        )

    def _make_shards(self, settings: Settings) -> Sharding | None:
        election = settings.leader_election
        if not (election.enabled and election.mode == "shard"):
            return None
        return Sharding(
            self.cluster,
            namespace=settings.namespace,
            prefix=election.lease_name,
            identity=self.identity,
            duration=election.lease_duration,
            repositories=lambda: [r.name for r in self.settings.repositories if not r.suspend],
            on_change=self._reshard,
            renew_every=max(1.0, election.lease_duration / 5),
            app_shards=election.app_shards,
            split=self._splits,
        )

    def _splits(self, name: str) -> bool:
        """Whether a repository's apps may spread over replicas: not with a rollout (its
        waves and record are one) or a rendered branch (written whole, every app)."""
        repo = self.settings.repository(name)
        return repo is not None and repo.rollout is None and repo.rendered is None

    def _reshard(self, held: frozenset[str]) -> None:
        """Schedule the repositories held; run at once those whose share of apps changed."""
        started = self._apply_repositories(
            tuple(r for r in self.settings.repositories if r.name in held)
        )
        assert self.shards is not None
        shares = {name: self.shards.share(name) for name in held}
        moved = {n for n, share in shares.items() if self._shares.get(n) != share}
        self._shares = shares
        for name in sorted(moved - started):
            self.scheduler.trigger(name)

    def _mine(self, repositories: tuple[RepositorySettings, ...]) -> tuple[RepositorySettings, ...]:
        """The repositories this replica reconciles: all, or its shard."""
        if self.shards is None:
            return repositories
        held = self.shards.held
        return tuple(r for r in repositories if r.name in held)

    def _lead(self) -> None:
        self._apply_repositories(self.settings.repositories)

    def _stand_by(self) -> None:
        """Leadership lost: stop scheduling (a run in flight finishes)."""
        with self._lock:
            for name in list(self._reconcilers):
                self.scheduler.unschedule(name)
            for name in self._reconcilers:
                self.runs.forget(name)
            self._reconcilers.clear()

    def _make_centers(self, settings: Settings) -> Centers:
        return Centers(
            settings.capability_centers,
            cache_dir=settings.cache_dir,
            on_op=self._count_git,
        )

    def _apply_repositories(self, repositories: tuple[RepositorySettings, ...]) -> set[str]:
        """Schedule what ``repositories`` says; new or changed ones run at once.

        Returns the names (re)scheduled.
        """
        wanted = {r.name: r for r in repositories if not r.suspend}
        scheduled: set[str] = set()
        with self._lock:
            for name in list(self._reconcilers):
                if name not in wanted:
                    self.scheduler.unschedule(name)
                    del self._reconcilers[name]
                    self.runs.forget(name)
                    if self.settings.repository(name) is None:
                        log.info("repository removed from config: objects are kept", repo=name)
                    else:  # suspended, or (sharding) now another replica's
                        log.info("repository no longer reconciled here", repo=name)
            for name, repo in wanted.items():
                current = self._reconcilers.get(name)
                if current is not None and current.settings == repo:
                    continue
                self._reconcilers[name] = self._make_reconciler(repo)
                self.scheduler.schedule(name, interval=repo.interval)
                scheduled.add(name)
        return scheduled

    def _make_reconciler(self, repo: RepositorySettings) -> RepositoryReconciler:
        return RepositoryReconciler(
            repo,
            cluster=self.cluster,
            centers=lambda: self.centers,
            metrics=self.metrics,
            cache_dir=self.settings.cache_dir,
            inventory_namespace=self.settings.namespace,
            on_git_op=self._count_git,
            render=self.settings.render,
            live=LiveFeed(lambda: self.watch.in_step),
        )

    def _count_git(self, op: str) -> None:
        self.metrics.git_requests.labels(op).inc()

    # ------------------------------------------------------------------ runs

    def _run_one(self, name: str, share: Share = WHOLE) -> bool:
        with self._lock:
            reconciler = self._reconcilers.get(name)
        if reconciler is None:
            return True
        try:
            report: ReconcileReport | None = reconciler.run(share)
        except Exception:  # a bug must not kill the scheduler thread
            log.exception("reconcile crashed", repo=name)
            report = None
        if report is not None:
            release_memory(max(report.rendered_apps, report.planned))
        self.runs.record(name, report)
        return report is not None and (report.ok or not report.retryable)  # no backoff for those

    def _live_changed(self, change: LiveChange) -> None:
        """A watch saw an app's object change: plan that app, and the app that owned it
        before if it changed hands (on the watch thread: quick)."""
        owners = change.values_of(OWNER)
        if not owners:
            return
        with self._lock:
            reconcilers = list(self._reconcilers.items())
        for name, reconciler in reconcilers:
            if reconciler.settings.drift == "ignore" or reconciler.live is None:
                continue  # reconciled on Git changes only
            apps = [app for owner in owners if (app := reconciler.app_for(owner)) is not None]
            for app in apps:
                reconciler.live.changed(app)
            if apps and not change.status_only:  # a status update waits for the next poll
                self.scheduler.trigger(name)

    def trigger(self, name: str) -> bool:
        return self.scheduler.trigger(name)

    def last_report(self, name: str) -> ReconcileReport | None:
        """What the last finished run of repository ``name`` said, if any ran here."""
        with self._lock:
            reconciler = self._reconcilers.get(name)
        return None if reconciler is None else reconciler.last_report

    def reconciled(self) -> set[str]:
        """The repositories this replica reconciles now."""
        with self._lock:
            return set(self._reconcilers)
