"""Waiting for a rollout after apply: re-read the apps' objects until they settle.

Health from an apply response is the object as written, before any controller
acted, so a first apply shows workloads Progressing. ``wait_for_health``
re-reads the live objects (``live.by_kind``, as the planner reads them) and assesses them
with the same rules and health policies, until every app is Healthy, an object
is Degraded, or the timeout passes. Apps that are not Healthy then fail with
``HealthCheckFailed`` (as Flux reports a wait that timed out), naming each
object that was not Healthy, so the existing output and exit code say it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

from gitops_vela.cluster import Cluster
from gitops_vela.errors import GitopsVelaError
from gitops_vela.model.changes import Action, ChangeSet
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.model.status import Health, Reason
from gitops_vela.sync.desired import Desired, desired_objects
from gitops_vela.sync.health import HealthReport, ObjectHealth, PolicyEvaluator, assess, report
from gitops_vela.sync.health.policy import evaluate_policy
from gitops_vela.sync.live import by_kind
from gitops_vela.sync.live import namespaces as list_namespaces
from gitops_vela.sync.results import AppResult, SyncResult

Progress = Callable[[int, int], None]
"""(objects Healthy, objects waited on), after each read."""

_FIRST_DELAY = 0.1
_MAX_DELAY = 2.0
_WAITED = (Action.CREATED, Action.CONFIGURED, Action.UNCHANGED)


def wait_for_health(
    cluster: Cluster,
    result: SyncResult,
    apps: Sequence[RenderedApp],
    *,
    timeout: float,
    evaluate: PolicyEvaluator | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """``result`` with health re-read from the cluster once the rollout settled.

    Nothing is waited on when an app already failed: the outcome is decided.
    """
    if not result.ok:
        return result
    rendered = {(a.repo, a.name): a for a in apps}
    deadline = time.monotonic() + timeout
    delay = _FIRST_DELAY
    while True:
        current = _reassess(cluster, result, rendered, evaluate or evaluate_policy)
        if progress is not None:
            progress(*_counts(current))
        if _settled(current) or time.monotonic() >= deadline:
            break
        time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
        delay = min(delay * 2, _MAX_DELAY)
    return _verdicts(current, timed_out=not _settled(current), timeout=timeout)


def _reassess(
    cluster: Cluster,
    result: SyncResult,
    rendered: dict[tuple[str, str], RenderedApp],
    evaluate: PolicyEvaluator,
) -> SyncResult:
    waited = {
        (a.repo, a.app): {c.ref for c in a.changes.changes if c.action in _WAITED}
        for a in result.apps
    }
    items = [
        item
        for item in desired_objects(rendered.values())
        if item.ref in waited.get((item.app.repo, item.app.name), set())
    ]
    live = _read(cluster, items)
    verdicts: dict[tuple[str, str], list[tuple[ObjectRef, ObjectHealth]]] = defaultdict(list)
    for item in items:
        found = live.get(item.ref)
        verdict = (
            found
            if isinstance(found, ObjectHealth)
            else assess(found, policy=item.app.health_policies.get(item.ref), evaluate=evaluate)
        )
        verdicts[(item.app.repo, item.app.name)].append((item.ref, verdict))
    apps = tuple(
        _with_health(a, report(a.app, verdicts[(a.repo, a.app)]))
        if (a.repo, a.app) in rendered
        else a
        for a in result.apps
    )
    return replace(result, apps=apps)


def _read(cluster: Cluster, items: list[Desired]) -> dict[ObjectRef, Manifest | ObjectHealth]:
    """Live objects, read as a sync reads them; a kind that cannot be read is Unknown."""
    wants_namespaces = any(i.ref.kind == "Namespace" and not i.ref.group for i in items)
    namespaces = list_namespaces(cluster) if wants_namespaces else {}
    found: dict[ObjectRef, Manifest | ObjectHealth] = {}
    for batch, live in by_kind(cluster, items, namespaces):
        if live.value is not None:
            found.update(live.value)
            continue
        text = live.error.message if isinstance(live.error, GitopsVelaError) else str(live.error)
        unknown = ObjectHealth(Health.UNKNOWN, f"cannot read it: {text}")
        found.update({item.ref: unknown for item in batch})
    return found


def _with_health(app: AppResult, health: HealthReport) -> AppResult:
    verdicts = dict(health.objects)
    changes = tuple(
        replace(c, health=verdicts[c.ref].health) if c.ref in verdicts else c
        for c in app.changes.changes
    )
    return replace(app, changes=ChangeSet(app.changes.app, changes), health=health)


def _objects(result: SyncResult) -> list[tuple[ObjectRef, ObjectHealth]]:
    return [item for app in result.apps for item in app.health.objects]


def _counts(result: SyncResult) -> tuple[int, int]:
    objects = _objects(result)
    return sum(1 for _, v in objects if v.health is Health.HEALTHY), len(objects)


def _settled(result: SyncResult) -> bool:
    """Every object Healthy, or one Degraded (or its health check broken): no point waiting."""
    objects = _objects(result)
    if all(v.health is Health.HEALTHY for _, v in objects):
        return True
    return any(v.health is Health.DEGRADED or v.check_failed for _, v in objects)


def _verdicts(result: SyncResult, *, timed_out: bool, timeout: float) -> SyncResult:
    """Apps not Healthy fail with HealthCheckFailed, each object not Healthy named."""
    when = f"after waiting {timeout:g}s" if timed_out else "when the wait stopped"
    apps = []
    for app in result.apps:
        unhealthy = [(ref, v) for ref, v in app.health.objects if v.health is not Health.HEALTHY]
        if not unhealthy:
            apps.append(app)
            continue
        errors = tuple(
            f"{ref} is {v.health}"
            + ("" if v.health is Health.DEGRADED else f" {when}")
            + (f": {v.message}" if v.message else "")
            for ref, v in unhealthy
        )
        apps.append(replace(app, reason=Reason.HEALTH_CHECK_FAILED, errors=app.errors + errors))
    return replace(result, apps=tuple(apps))
