"""One reconcile of one repository, read top to bottom (like Flux's kustomize-controller).

::

    source ──> load + render ──> sync_repository (plan + apply + prune + health per app,
               then prune apps removed from Git) ──> status

Each stage runs inside ``stage(Stage.X)``: a failure there ends the run with
the stage's reason (``PipelineStage``, the one table, in ``model.status``), and
the error's ``retryable`` tells the scheduler whether to back off and retry.
Per-app problems never end the run: a broken Appfile is reported in its own status file with ``file:line``
errors and its objects are left alone, the other apps go on.

Cheap when nothing changed: ``ls-remote`` says whether the branch moved; the
render is reused when neither the commit nor any capability center changed;
with the daemon's watch cache (``live``) a run plans only the apps whose
render moved or whose live objects changed since the last run (none on a
quiet poll: no request at all; one for a one-app commit), and every app at
least every ``FULL_SYNC_EVERY``; without it, sync re-plans every app every time. The status branch is written only
when something a person cares about changed.

What a run tells people (log lines, metrics, Events) is ``reporting``'s: the
reconciler hands it the run's one ``StatusDelta`` and its ``ReconcileReport``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog
import yaml

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.cluster import Cluster, Identity
from gitops_vela.daemon.centers import CenterDefinitions, Centers
from gitops_vela.daemon.control import acknowledge, read_control
from gitops_vela.daemon.drift import Corrections
from gitops_vela.daemon.events import EventRecorder
from gitops_vela.daemon.incremental import (
    Rendered,
    bound_to,
    dirty_appfiles,
    merge,
    owned,
    same_render,
)
from gitops_vela.daemon.leases import default_identity
from gitops_vela.daemon.live import LiveFeed
from gitops_vela.daemon.memory import release as release_memory
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.promotion import Promotion, Verdict
from gitops_vela.daemon.report import app_statuses, repository_reason
from gitops_vela.daemon.reporting import ReconcileReport, RunReporter, changed_objects
from gitops_vela.daemon.rollouts import ROLLOUT_FILE, Rollouts, rollout_yaml
from gitops_vela.daemon.shards import WHOLE, Share
from gitops_vela.daemon.waves import Phase, Rollout
from gitops_vela.errors import (
    ClusterUnreachable,
    GitopsVelaError,
    NotReady,
    SourceError,
    StatusError,
)
from gitops_vela.logs import get_logger
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import owner_value
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.model.status import AppStatus, PipelineStage, Reason, SyncState
from gitops_vela.render import render_repository
from gitops_vela.render.environments import undeclared
from gitops_vela.review.depindex import DependencyIndex, build_index, updated_index
from gitops_vela.settings import RenderSettings, RepositorySettings
from gitops_vela.source import Credentials, GitSource, OpHook, Snapshot, export_tree
from gitops_vela.status import (
    AppManifests,
    Author,
    RenderedWriter,
    SourceCommit,
    StatusWriter,
    status_delta,
)
from gitops_vela.sync import AppResult, SyncOptions, SyncResult, sync_repository
from gitops_vela.sync.desired import desired_objects
from gitops_vela.sync.plan import DRIFTED

log = get_logger("gitops_vela.daemon")


Stage = PipelineStage  # the stages of this pipeline, each with its reason
FULL_SYNC_EVERY = 600.0  # seconds: with the watch cache, every app is re-planned this often


class StageFailed(Exception):
    def __init__(self, stage: Stage, error: GitopsVelaError) -> None:
        super().__init__(error.message)
        self.stage, self.error = stage, error

    @property
    def reason(self) -> Reason:
        if isinstance(self.error, NotReady):
            return Reason.DEPENDENCY_NOT_READY
        return self.stage.reason


@contextmanager
def stage(name: Stage) -> Iterator[None]:
    """Any project error raised inside becomes ``StageFailed`` with the stage's reason."""
    try:
        yield
    except GitopsVelaError as exc:
        raise StageFailed(name, exc) from exc


@dataclass(slots=True)
class _Memory:
    """What a repository remembers between runs (in memory; Git and the cluster hold the rest)."""

    render_key: tuple[str, str] | None = None  # (commit, centers digest)
    render: RepositoryRender | None = None
    catalog: Catalog | None = None  # the render's definitions
    statuses: dict[str, AppStatus] | None = None  # as last reported (or read from the branch)
    last_good: dict[str, RenderedApp] = field(default_factory=dict)  # per app, its last render
    results: dict[str, AppResult] = field(default_factory=dict)  # per app, its last sync
    full_at: float = float("-inf")  # monotonic time of the last sync of every app
    owners: dict[str, str] = field(default_factory=dict)  # ownership label value -> app
    previous: Rendered | None = None  # the last render, for the next one to start from
    synced: dict[str, RenderedApp] = field(default_factory=dict)  # per app, its render last synced
    index: tuple[str, DependencyIndex] | None = None  # (commit, its Appfiles' dependency index)
    made: dict[str, tuple[AppResult, AppStatus]] = field(default_factory=dict)  # status memo
    synced_from: RepositoryRender | None = None  # the render ``synced`` was taken from
    quiet: tuple[RepositoryRender, SyncResult] | None = None  # a run that planned nothing
    retry: tuple[dict[str, AppResult], frozenset[str]] | None = None  # (results, to retry)


class RepositoryReconciler:
    """Reconciles one repository; the scheduler makes sure runs never overlap."""

    def __init__(
        self,
        settings: RepositorySettings,
        *,
        cluster: Cluster,
        centers: Callable[[], Centers],
        metrics: Metrics,
        cache_dir: Path,
        inventory_namespace: str,
        on_git_op: OpHook | None = None,
        render: RenderSettings | None = None,
        live: LiveFeed | None = None,
    ) -> None:
        self.settings = settings
        self.live = live
        self._render_settings = render or RenderSettings()
        self.cluster = cluster  # the daemon's own identity: inventories, Events
        # every request about the repository's objects, as its ServiceAccount if it has one
        self.tenant = cluster.impersonating(identity(settings, inventory_namespace))
        self.metrics = metrics
        self._centers = centers
        self._inventory_namespace = inventory_namespace
        self.source = GitSource(
            settings.url,
            cache_dir=cache_dir,
            branch=settings.branch,
            name=settings.name,
            credentials=_credentials(settings),
            on_op=on_git_op,
        )
        self.writer = (
            StatusWriter.for_source(
                self.source,
                branch=settings.status.branch,
                author=Author(name=settings.status.author_name, email=settings.status.author_email),
                folder=settings.environment,  # each environment's daemon writes its own folder
            )
            if settings.status.enabled
            else None
        )
        self.rendered = (
            RenderedWriter.for_source(
                self.source,
                branch=settings.rendered.branch,
                author=Author(name=settings.status.author_name, email=settings.status.author_email),
                mask_secrets=settings.rendered.mask_secrets,
                folder=settings.environment,  # as the status: one folder per environment
            )
            if settings.rendered is not None
            else None
        )
        self._rendered_key: tuple[str, str] | None = None  # the render last on that branch
        self.events = EventRecorder(
            cluster, repo=settings.name, namespace=inventory_namespace, instance=default_identity()
        )
        self.reporter = RunReporter(settings.name, metrics=metrics, events=self.events)
        self.promotion = self._promotion(settings)
        self._tip = ""  # the branch's tip at the last poll (promotion may run an older commit)
        self._memory = _Memory()
        # definition changes in waves (``rollout:``); None: they reach every app at once
        self.rollouts = Rollouts(settings.rollout) if settings.rollout is not None else None
        self._handled = ""  # the id of the last rollout command applied
        self._restore_tried = False  # the control record is read for a rollout once, at start
        self._recorded: tuple[str, str] | None = None  # (handled, state) last written
        self.corrections = Corrections()
        self._cluster_reached: bool | None = None
        self._planned = 0  # apps the last run planned
        self._rendered_apps = 0  # Appfiles the last run rendered
        self._center_errors: tuple[str, ...] = ()  # centers this run could not fetch
        self.last_report: ReconcileReport | None = None
        self._share = WHOLE  # the apps this replica reconciles (daemon/shards.py)

    @property
    def name(self) -> str:
        return self.settings.name

    def _promotion(self, settings: RepositorySettings) -> Promotion | None:
        """The gate on another environment's folder of the status branch (read from Git)."""
        if settings.promotion is None:
            return None
        staging = StatusWriter.for_source(
            self.source, branch=settings.status.branch, folder=settings.promotion.source
        )
        return Promotion(settings.promotion, read=staging.read, clock=time.time)

    def run(self, share: Share = WHOLE) -> ReconcileReport:
        """One reconcile of the apps of ``share`` (all of them unless sharded by app)."""
        started = time.monotonic()
        self._take_share(share)
        self._cluster_reached = None
        self._center_errors = ()
        self._planned = 0
        self._rendered_apps = 0
        with structlog.contextvars.bound_contextvars(repo=self.name):
            try:
                report = self._pipeline(started)
            except StageFailed as failed:
                report = self._failed(failed, started=started)
            self.last_report = report
            self.reporter.run(report)
        return report

    def _take_share(self, share: Share) -> None:
        """A new share is rendered afresh and its statuses read again from the branch
        (apps gained come with their history); apps given away are another replica's to
        report now, in its metrics as in the status branch."""
        if share.key == self._share.key:
            return
        for app in self._memory.statuses or {}:
            if not share.owns(app):
                self.metrics.forget_app(repo=self.name, app=app)
        self._memory.statuses = None
        self._share = share

    def _owns(self) -> Callable[[str], bool] | None:
        return None if self._share.whole else self._share.owns

    # ------------------------------------------------------------------ the pipeline

    def _pipeline(self, started: float) -> ReconcileReport:
        # 1. Source: has the branch moved? A remote that is down keeps the last good commit,
        #    so the cluster is still kept in line with it (drift) while Git is away.
        snapshot, source_error = self._source()
        with structlog.contextvars.bound_contextvars(revision=snapshot.short_sha):
            # 2. Load definitions and render every app (reused when nothing changed).
            with stage(Stage.BUILD), self._centers().use() as centers:
                render, rendered = self._render(snapshot, centers)
                if self.rollouts is not None:  # apps a rollout has not reached keep theirs
                    self._rollout_command(centers)
                    render = self._in_waves(snapshot, render, centers)
                    self._remember_good(render)

            # 3. One sync: plan, apply in stages, prune each app's stale objects, assess
            #    health; then prune apps deleted from Git (unless one could not be named).
            with stage(Stage.APPLY):
                result, removed = self._sync(render, rendered=rendered)
            self._cluster_reached = True
            if self.rollouts is not None:
                before = self.rollouts.rollout
                self.rollouts.after_sync(result)
                _log_rollout(before, self.rollouts.rollout)
                self._rollout_record()
                self._rollout_metrics()

            # 4. Report: one status delta for logs, metrics and Events; the status
            #    branch (and the rendered branch, when asked for) unless the remote is down.
            previous = self._last_reported()
            statuses = self._statuses(snapshot, render, result, removed, previous=previous)
            self.reporter.apps(status_delta(previous, statuses), result, removed)
            self._memory.statuses = statuses
            committed = False
            if source_error is None:
                with stage(Stage.STATUS):
                    committed = self._write_status(statuses)
                    self._write_rendered(snapshot)
        if source_error is not None:
            raise source_error
        if self._center_errors:  # their last good definitions were used: still a failure
            message = "capability center unavailable: " + "; ".join(self._center_errors)
            raise StageFailed(Stage.SOURCE, SourceError(message))
        return ReconcileReport(
            repo=self.name,
            revision=snapshot.sha,
            reason=repository_reason(statuses.values()),
            ok=True,
            duration=time.monotonic() - started,
            message=f"{len(statuses)} apps",
            rendered=rendered,
            apps=len(statuses),
            failed_apps=sum(1 for s in statuses.values() if s.reason is not Reason.SUCCEEDED),
            changed=changed_objects(result, removed),
            status_committed=committed,
            internal_errors=result.internal_errors + sum(a.internal_errors for a in removed),
            cluster_reached=self._cluster_reached,
            planned=self._planned,
            rendered_apps=self._rendered_apps,
        )

    def _source(self) -> tuple[Snapshot, StageFailed | None]:
        try:
            with stage(Stage.SOURCE):
                return self._snapshot(), None
        except StageFailed as failed:
            if self.source.current is None:
                raise
            return self.source.current, failed

    def _snapshot(self) -> Snapshot:
        current = self.source.current
        self._tip = self.source.ls_remote()
        if self.promotion is not None:
            return self._promoted_snapshot(self.promotion)
        if current is not None and self._tip == current.sha:
            return current
        return self.source.fetch()

    def _promoted_snapshot(self, promotion: Promotion) -> Snapshot:
        """The commit the promotion gate lets run: proven by the other environment, else
        the last one promoted (after a restart: what this environment's status says runs)."""
        source = promotion.settings.source
        try:
            target = promotion.target(applied=_running(self._last_reported()))
        except StatusError as exc:  # its status unreadable: stay where we are
            promotion.verdict = Verdict(waiting=f"waiting for {source}: {exc.message}")
            target = promotion.promoted or _running(self._last_reported())
        if not target:
            # Not a failure to back off from: the next poll at the usual interval may promote.
            raise NotReady(promotion.verdict.waiting + " (nothing promoted yet)")
        current = self.source.current
        if promotion.verdict.promoted and (current is None or current.sha != target):
            log.info("promoted", commit=target[:12], source=source)
        return self.source.fetch(target)

    def _render(
        self, snapshot: Snapshot, centers: CenterDefinitions
    ) -> tuple[RepositoryRender, bool]:
        self._center_errors = centers.errors
        # the share is part of what was rendered: another share renders afresh
        digest = f"{centers.digest}|{self._share.key}" if self._share.key else centers.digest
        key = (snapshot.sha, digest)
        if self._memory.render is not None and self._memory.render_key == key:
            return self._memory.render, False
        started = time.monotonic()
        root = snapshot.path(self.settings.path)
        catalog = load_catalog(root, origin=self.name, centers=centers.dirs)
        incremental = self._render_changed(snapshot, root, catalog, digest)
        if incremental is None:
            render = self._render_repository(snapshot, catalog)
            self._rendered_apps = len(render.apps) + len(render.failures)
            bound = bound_to(render, snapshot.sha)
            self._scan_index(snapshot.sha, root)
        else:
            render, bound = incremental
        release_memory(self._rendered_apps)  # before the sync that follows makes its own burst
        self._memory.previous = Rendered(snapshot.sha, render, catalog, bound)
        self.metrics.render_duration.labels(self.name).observe(time.monotonic() - started)
        for diagnostic in render.catalog_diagnostics:
            log.warning("definition problem", error=str(diagnostic))
        if warning := undeclared(render, self.settings.environment):
            log.warning("environment not declared", error=warning)
        self._memory.render_key, self._memory.render = key, render
        self._memory.catalog = catalog
        if self.rollouts is None:
            self._remember_good(render)
        return render, True

    def _render_repository(
        self,
        snapshot: Snapshot,
        catalog: Catalog,
        *,
        apps: Collection[str] | None = None,
        paths: Collection[str] | None = None,
    ) -> RepositoryRender:
        """Every render of this repository, with all that shapes it: its environment's
        values and its policy (so a rollout's render refuses what any other would).
        ``apps``/``paths``: only the apps of those names, only those Appfiles."""
        return render_repository(
            snapshot.path(self.settings.path),
            repo=self.name,
            revision=snapshot.sha,
            default_namespace=self.settings.namespace,
            app_globs=self.settings.app_globs,
            catalog=catalog,
            apps=apps,
            owns=self._owns(),
            paths=paths,
            settings=self._render_settings,
            policy=self.settings.policy,
            environment=self.settings.environment,
        )

    def _render_changed(
        self, snapshot: Snapshot, root: Path, catalog: Catalog, centers_digest: str
    ) -> tuple[RepositoryRender, frozenset[str]] | None:
        """The render of the new commit made from the last one: only the Appfiles the
        change reaches are rendered again (``incremental``); None when that cannot be
        known (first render, centers or rollouts in play, a change it cannot attribute).
        With the render, the paths of its apps bound to the commit (``bound_to``)."""
        previous, key = self._memory.previous, self._memory.render_key
        if previous is None or key is None or key[1] != centers_digest:
            return None
        if self.rollouts is not None:  # apps a rollout has not reached render older definitions
            return None
        try:
            changed = self.source.changed_paths(previous.sha, snapshot.sha)
        except SourceError as exc:
            log.debug("no Git diff for an incremental render", error=exc.message)
            return None
        relative = _under(changed, self.settings.path)
        try:
            index = self._index(root, previous.sha, relative)
        except OSError as exc:  # an unreadable Appfile (a link leading outside): the render says
            log.debug("no dependency index for an incremental render", error=str(exc))
            return None
        dirty = dirty_appfiles(previous, relative, catalog=catalog, index=index)
        if dirty is None:
            return None
        if (owns := self._owns()) is not None:  # another replica renders the others
            dirty = owned(dirty, previous, index, owns)
        self._memory.index = (snapshot.sha, index)
        fresh = self._render_repository(snapshot, catalog, paths=dirty & index.entries.keys())
        merged = merge(previous, fresh, dirty=dirty, index=index)
        if merged is None:
            return None
        self._rendered_apps = len(fresh.apps) + len(fresh.failures)
        return merged, bound_to(fresh, snapshot.sha)

    def _index(self, root: Path, before: str, changed: list[str]) -> DependencyIndex:
        """The dependency index of the tree at ``root``: the one of commit ``before``
        updated from the Git diff (only changed Appfiles are read), else a scan.

        Kept only while every change was attributed to apps: a change that makes the
        render whole (a values file, a link's target) may also change an Appfile the
        diff does not name, so that render scans again (``_scan_index``)."""
        known, self._memory.index = self._memory.index, None
        if known is not None and known[0] == before:
            updated = updated_index(known[1], root, changed, self.settings.app_globs)
            if updated is not None:
                return updated
        return build_index(root, self.settings.app_globs)

    def _scan_index(self, sha: str, root: Path) -> None:
        """After a whole render, the index of its tree, for the next commit to update: a
        scan now, while the whole repository was just read anyway, keeps the first
        commit after a start from paying for it."""
        if self.rollouts is not None:  # renders in waves are never incremental
            return
        try:
            self._memory.index = (sha, build_index(root, self.settings.app_globs))
        except OSError as exc:  # an unreadable Appfile: the render reported it
            self._memory.index = None
            log.debug("no dependency index for the next render", error=str(exc))

    def _rollout_command(self, centers: CenterDefinitions) -> None:
        """Apply a ``gitops-vela rollout`` command recorded in the cluster and not yet handled;
        on the first run, take up the rollout the record holds (a restart mid-rollout).

        An unreadable record is logged, never a reason to stop: the rollout just
        goes on as it was until the record can be read.
        """
        assert self.rollouts is not None
        try:
            control = read_control(
                self.cluster, namespace=self._inventory_namespace, repo=self.name
            )
        except GitopsVelaError as exc:
            log.warning("rollout command unreadable", error=exc.message)
            return
        # Another replica ran the repository since our last record (a shard hand-over and
        # back): what we hold in memory is stale, the record is not.
        stale = self._recorded is not None and control.state != self._recorded[1]
        if not self._restore_tried or stale:
            self._restore_tried = True
            self._restore(control.state, centers, stale=stale)
            self._recorded = (control.handled, control.state)
        if control.command is None or not control.pending or control.id == self._handled:
            return
        rollout = self.rollouts.command(control.command)
        self._handled = control.id
        log.info(
            "rollout command applied",
            command=str(control.command),
            rollout=rollout.revision if rollout else "",
            phase=str(rollout.phase) if rollout else "no rollout",
        )

    def _restore(self, state: str, centers: CenterDefinitions, *, stale: bool) -> None:
        """Take up the recorded rollout; when our memory is ``stale`` and the record cannot
        be taken up, start afresh rather than go on from what we knew before."""
        assert self.rollouts is not None
        try:
            document = yaml.safe_load(state) if state else None
        except yaml.YAMLError:
            document = None
        if stale:
            self.rollouts.forget()
        if not isinstance(document, dict):
            return

        def load(label: str) -> Catalog | None:
            revision, _, center_digest = label.partition(CENTERS_MARK)
            if center_digest and center_digest != centers.digest[:12]:
                return None  # a center's definitions at an earlier ref: not kept
            with tempfile.TemporaryDirectory(prefix="gitops-vela-definitions-") as tmp:
                try:
                    try:
                        export_tree(self.source.git_dir, revision, Path(tmp))
                    except SourceError:  # not in this cache (a new pod): fetch that commit
                        local = f"refs/gitops-vela/rollout/{revision}"
                        self.source.remote_cache.fetch(revision, local_ref=local)
                        export_tree(self.source.git_dir, revision, Path(tmp))
                except (SourceError, ValueError):
                    return None
                root = (Path(tmp) / self.settings.path).resolve()
                return load_catalog(root, origin=self.name, centers=centers.dirs)

        if self.rollouts.restore(document, load):
            rollout = self.rollouts.rollout
            log.info(
                "rollout taken up after a restart",
                definitions=rollout.revision[:12] if rollout else "",
                phase=str(rollout.phase) if rollout else "",
            )
        elif str(document.get("phase")) != str(Phase.COMPLETE):
            log.warning(
                "rollout record not taken up (definitions of a revision unavailable):"
                " apps take the newest definitions",
                definitions=str(document.get("revision", ""))[:12],
            )

    def _rollout_record(self) -> None:
        """Write the handled command and the rollout's state to the control record, when
        either changed: ``gitops-vela rollout`` prints it, on any machine."""
        assert self.rollouts is not None
        document = self.rollouts.document()
        state = rollout_yaml(document) if document is not None else ""
        if (self._handled, state) == self._recorded:
            return
        try:
            acknowledge(
                self.cluster,
                namespace=self._inventory_namespace,
                repo=self.name,
                handled=self._handled,
                state=state,
            )
            self._recorded = (self._handled, state)
        except GitopsVelaError as exc:
            log.warning("rollout state not recorded", error=exc.message)

    def _rollout_metrics(self) -> None:
        assert self.rollouts is not None
        rollout = self.rollouts.rollout
        per_revision: dict[str, int] = {}
        for app in self.rollouts.running:
            revision = self.rollouts.definitions_revision(app)[:12]
            per_revision[revision] = per_revision.get(revision, 0) + 1
        self.metrics.set_rollout(
            repo=self.name,
            wave=rollout.wave + 1 if rollout is not None else 0,
            phase=str(rollout.phase) if rollout is not None else "",
            phases=[str(p) for p in Phase],
            apps=per_revision,
        )

    def _in_waves(
        self, snapshot: Snapshot, render: RepositoryRender, centers: CenterDefinitions
    ) -> RepositoryRender:
        """The render with each app a rollout has not reached on the definitions it runs."""
        assert self.rollouts is not None and self._memory.catalog is not None

        def render_with(catalog: Catalog, names: Collection[str]) -> RepositoryRender:
            return self._render_repository(snapshot, catalog, apps=names)

        catalog = self._memory.catalog
        before = self.rollouts.rollout
        chosen = self.rollouts.render(
            render,
            catalog=catalog,
            revision=_definitions_revision(snapshot.sha, centers),
            render_with=render_with,
        )
        _log_rollout(before, self.rollouts.rollout)
        return chosen

    def _remember_good(self, render: RepositoryRender) -> None:
        """Keep each app's last good render; forget apps no longer in Git.

        An app removed from Git (and so pruned) must not come back from memory
        when an Appfile of the same name reappears broken.
        """
        in_git = {a.name for a in render.apps} | {f.name for f in render.failures if f.name}
        memory = self._memory.last_good
        for name in set(memory) - in_git:
            del memory[name]
        memory.update((app.name, app) for app in render.apps)
        self._memory.owners = {owner_value(self.name, name): name for name in memory}

    def app_for(self, owner: str) -> str | None:
        """The app of this repository an ownership label value names, if any."""
        return self._memory.owners.get(owner)

    @property
    def _options(self) -> SyncOptions:
        return SyncOptions(
            prune=self.settings.prune,
            inventory_namespace=self._inventory_namespace,
            allow_empty=self.settings.allow_empty,
            prune_limit=self.settings.prune_limit,
            adoption=self.settings.policy.adoption,
            drift=self.settings.drift,
            held=self.corrections.held(),
        )

    def _sync(
        self, render: RepositoryRender, *, rendered: bool
    ) -> tuple[SyncResult, tuple[AppResult, ...]]:
        """The repository's one sync; its result split into planned apps and removed ones.

        Every app is planned (a whole sync) unless ``_changed_apps`` names the ones
        to plan; the others keep their last result (``carried``). Either way it is
        one ``sync_repository`` over the whole render, so the repository-wide guards
        (prune limit, empty render) judge every app, and apps removed from Git are
        pruned after a new render. A quiet poll (same render, nothing to plan) sends
        nothing at all.

        A failed app is never pruned. Its last good render is still enforced (drift is
        corrected, health is assessed for real) until its Appfile is fixed, like Flux
        keeps the last applied revision.
        """
        memory = self._memory
        # The same render as the last sync (a quiet poll): the same apps to enforce.
        same = memory.synced_from is render and memory.synced.keys() <= memory.results.keys()
        applied = memory.synced if same else self._applied(render)
        chosen = self._changed_apps(applied, moved=() if same else None)
        memory.synced, memory.synced_from = applied, render
        self._planned = len(applied) if chosen is None else len(chosen & applied.keys())
        if chosen is not None and not self._planned and not rendered:
            # Nothing planned: every app stands where it stood. The same render as the last
            # such run gives the same answer (and keeps ``results`` the same dict).
            if memory.quiet is not None and memory.quiet[0] is render and same:
                return memory.quiet[1], ()
            carried = self._with_carried(render, SyncResult(()))
            memory.quiet = (render, carried)
            return carried, ()
        memory.quiet = None
        result = sync_repository(
            self.tenant,
            render,
            repo=self.name,
            options=self._options,
            last_good=memory.last_good,
            plan=chosen,
            books=self.cluster,
            owns=self._owns(),
        )
        removed = tuple(a for a in result.apps if a.removed)
        if result.removed_kept and self.settings.prune:
            log.warning("apps removed from Git are kept this run", why=result.removed_kept)
        for app in removed if self.settings.prune else ():
            if app.ok:
                log.info("app removed from Git: pruned", app=app.app)
            else:  # a guard refused (or a delete failed): nothing of it may read as done
                log.warning(
                    "app removed from Git: not pruned", app=app.app, errors=list(app.errors)
                )
        planned = tuple(a for a in result.apps if not a.removed)
        for app in planned:
            for why in app.kept:  # an ongoing condition a person must resolve: every run
                log.warning("stale object kept", app=app.app, why=why)
        self._drift(planned)
        gone = removed if self.settings.prune else ()
        if chosen is None:
            memory.results = {a.app: a for a in planned}
            memory.full_at = time.monotonic()
            return replace(result, apps=planned), gone
        part = SyncResult(planned, result.requests, removed_kept=result.removed_kept)
        return self._with_carried(render, part), gone

    def _applied(self, render: RepositoryRender) -> dict[str, RenderedApp]:
        """Per app, the render a sync enforces: its own, or for an app that failed to
        render, its last good one (an app without one has nothing to enforce)."""
        applied = {a.name: a for a in render.apps}
        for failure in render.failures:
            last = self._memory.last_good.get(failure.name)
            if last is not None and failure.name not in applied:
                applied[failure.name] = last
        return applied

    def _changed_apps(
        self, applied: dict[str, RenderedApp], *, moved: Collection[str] | None = None
    ) -> frozenset[str] | None:
        """The apps this run must plan, or None for all of them (a whole sync).
        ``moved``: the apps whose render moved when the caller knows it (none, when
        the render is the one last synced), else found by comparing every app.

        With the watch cache in step, after a whole sync less than ``FULL_SYNC_EVERY``
        ago: the apps whose render moved since it was last synced (a commit, a
        capability center or a rollout's wave reached them; a new app), those the
        watches saw change, those that failed last time (retried) and, with
        ``drift: correct``, those left out of sync by a held fight. An app whose render
        did not move and whose objects nobody touched has nothing to do: planning it
        again would send nothing and change nothing.
        """
        changed = self.live.take() if self.live is not None else None
        memory = self._memory
        if changed is None or not memory.results:
            return None
        if time.monotonic() - memory.full_at >= max(FULL_SYNC_EVERY, self.settings.interval):
            return None
        if self.settings.drift == "ignore":  # live edits are left alone: Git changes only
            changed = frozenset()
        retry = self._to_retry()
        if moved is None:
            moved = {
                name
                for name, app in applied.items()
                if name not in memory.results or not same_render(memory.synced.get(name), app)
            }
        return frozenset(changed | retry | set(moved))

    def _to_retry(self) -> frozenset[str]:
        """Apps that failed last time and, with ``drift: correct``, those a held fight left
        out of sync (tried again when the pause ends); remembered while the results stay
        the same dict (quiet polls), so those cost a lookup."""
        memory = self._memory
        if memory.retry is not None and memory.retry[0] is memory.results:
            return memory.retry[1]
        correct = self.settings.drift == "correct"
        retry = frozenset(
            name
            for name, result in memory.results.items()
            if not result.ok or (correct and result.sync is SyncState.OUT_OF_SYNC)
        )
        memory.retry = (memory.results, retry)
        return retry

    def _drift(self, apps: tuple[AppResult, ...]) -> None:
        """Count corrections (a fight starts a hold), export what drifted and stays so."""
        for ref, pause in self.corrections.record(apps):
            log.warning(
                "drift correction backs off: another controller keeps changing the object",
                object=str(ref),
                pause=pause,
            )
        corrected = sum(
            1
            for a in apps
            for c in a.changes.changes
            if c.action is Action.CONFIGURED and not c.dry_run and DRIFTED in c.reason
        )
        if corrected:
            self.metrics.drift_corrected.labels(self.name).inc(corrected)
        # The gauges count the apps planned now; the others keep their last result.
        results = {**self._memory.results, **{a.app: a for a in apps}}
        pending = [c for a in results.values() for c in a.changes.changes if c.dry_run]
        self.metrics.drift_detected.labels(self.name).set(len(pending))
        self.metrics.drift_held.labels(self.name).set(len(self.corrections.held()))

    def _with_carried(self, render: RepositoryRender, part: SyncResult) -> SyncResult:
        """``part`` (the apps planned now) completed with every other app's last result:
        nothing of them changed, so where each stands is what it was. Apps no longer
        in the render are forgotten."""
        failed = {f.name for f in render.failures}
        memory = self._memory
        memory.results = {n: r for n, r in memory.results.items() if n in memory.synced}
        memory.results.update((a.app, a) for a in part.apps)
        order = [a.name for a in render.apps] + sorted(failed & memory.results.keys())
        apps_now = tuple(memory.results[n] for n in order if n in memory.results)
        carried = frozenset(a.app for a in apps_now) - {a.app for a in part.apps}
        return replace(part, apps=apps_now, carried=carried)

    def _statuses(
        self,
        snapshot: Snapshot,
        render: RepositoryRender,
        result: SyncResult,
        removed: tuple[AppResult, ...],
        *,
        previous: dict[str, AppStatus],
    ) -> dict[str, AppStatus]:
        statuses = app_statuses(
            revision=snapshot.sha,
            render=render,
            result=result,
            removed=removed,
            previous=previous,
            made=self._memory.made,
        )
        if (owns := self._owns()) is not None:  # a broken Appfile's status: its owner's
            statuses = {app: status for app, status in statuses.items() if owns(app)}
        if self.promotion is not None:
            statuses = self.promotion.statuses(
                statuses, snapshot=snapshot, tip=self._tip or snapshot.sha
            )
        if self.rollouts is None:
            return statuses
        return {  # each app names the definitions it runs: they may not be this commit's
            app: replace(status, definitions_revision=self.rollouts.definitions_revision(app))
            for app, status in statuses.items()
        }

    def _last_reported(self) -> dict[str, AppStatus]:
        """The statuses of the last run; on the first, what the status branch holds."""
        if self._memory.statuses is None:
            self._memory.statuses = {}
            if self.writer is not None:
                try:
                    self._memory.statuses = self.writer.read()
                except StatusError as exc:
                    log.warning("status branch unreadable; starting fresh", error=exc.message)
                if (owns := self._owns()) is not None:  # the other apps are other replicas'
                    self._memory.statuses = {
                        a: s for a, s in self._memory.statuses.items() if owns(a)
                    }
        return self._memory.statuses

    def _write_status(self, statuses: dict[str, AppStatus]) -> bool:
        """True when a status commit was pushed (never on a quiet poll)."""
        if self.writer is None:
            return False
        document = self.rollouts.document() if self.rollouts is not None else None
        files = {ROLLOUT_FILE: rollout_yaml(document)} if document is not None else {}
        commit = self.writer.write(statuses.values(), complete=True, files=files, owns=self._owns())
        if commit is not None:
            log.info("status committed", branch=self.writer.branch, commit=commit[:12])
        return commit is not None

    def _write_rendered(self, snapshot: Snapshot) -> None:
        """Commit the manifests applied to the rendered branch: the render of every app
        (a broken app's last good one, which sync keeps applying), once per new render,
        so a quiet poll makes no Git call. A failed write is retried at the next poll."""
        key = self._memory.render_key
        if self.rendered is None or key == self._rendered_key:
            return
        apps = [
            AppManifests(app.name, app.path, tuple(d.manifest for d in desired_objects([app])))
            for app in sorted(self._memory.last_good.values(), key=lambda a: a.name)
        ]
        commit = self.rendered.write(apps, source=SourceCommit(snapshot.sha, snapshot.message))
        self._rendered_key = key
        if commit is not None:
            log.info(
                "rendered manifests committed", branch=self.rendered.branch, commit=commit[:12]
            )

    def _failed(self, failed: StageFailed, *, started: float) -> ReconcileReport:
        if self.live is not None:  # what the failed run took is not done: plan everything next
            self.live.everything()
        reached = self._cluster_reached
        if isinstance(failed.error, ClusterUnreachable):
            reached = False
        current = self.source.current
        return ReconcileReport(
            repo=self.name,
            revision=current.sha if current else "",
            reason=failed.reason,
            ok=False,
            retryable=failed.error.retryable,
            duration=time.monotonic() - started,
            message=failed.error.message,
            cluster_reached=reached,
        )


def identity(settings: RepositorySettings, daemon_namespace: str) -> Identity | None:
    """The ServiceAccount a repository's requests impersonate (``serviceAccountName``;
    its namespace defaults to the daemon's), or None: the daemon's own identity."""
    if not settings.service_account_name:
        return None
    namespace = settings.service_account_namespace or daemon_namespace
    return Identity(namespace, settings.service_account_name)


def _running(statuses: dict[str, AppStatus]) -> str:
    """The commit this environment's apps were last applied at (the most common one)."""
    counts: dict[str, int] = {}
    for status in statuses.values():
        if status.last_applied_revision:
            counts[status.last_applied_revision] = counts.get(status.last_applied_revision, 0) + 1
    return max(counts, key=lambda sha: counts[sha]) if counts else ""


CENTERS_MARK = "+centers."


def _definitions_revision(sha: str, centers: CenterDefinitions) -> str:
    """What names a set of definitions: the commit, plus the centers' digest when the
    repository uses capability centers (a center's new ref changes them at the same commit)."""
    return f"{sha}{CENTERS_MARK}{centers.digest[:12]}" if centers.dirs else sha


def _log_rollout(before: Rollout | None, after: Rollout | None) -> None:
    """One line when a rollout starts, changes wave or phase: what an operator tails for."""
    if after is None or (
        before is not None
        and (before.revision, before.wave, before.phase)
        == (after.revision, after.wave, after.phase)
    ):
        return
    fields = {
        "definitions": after.revision[:12],
        "phase": str(after.phase),
        "wave": f"{after.wave + 1}/{len(after.sizes)}",
        "reached": len(after.reached),
        "members": len(after.members),
    }
    if after.phase is Phase.HALTED:
        failed = [f"{f.app}: {'; '.join(f.objects)}" for f in after.failed]
        log.warning("rollout halted", failed=failed, rolled_back=after.rolled_back, **fields)
    elif before is None or before.revision != after.revision:
        log.info("rollout started", superseded=after.superseded[:12], **fields)
    else:
        log.info("rollout moved", **fields)


def _under(paths: list[str], folder: str) -> list[str]:
    """The paths inside the repository's ``path:`` folder, relative to it."""
    prefix = folder.strip("/").removeprefix("./")
    if prefix in ("", "."):
        return paths
    return [p[len(prefix) + 1 :] for p in paths if p.startswith(prefix + "/")]


def _credentials(settings: RepositorySettings) -> Credentials:
    creds = settings.credentials
    return Credentials(
        token_file=creds.token_file,
        ssh_key_file=creds.ssh_key_file,
        known_hosts_file=creds.known_hosts_file,
    )
