"""Bring one object to its desired state: skip, confirm by dry run, apply, or recreate.

An object is sent only when it drifted. The cheap check needs no request: the
digest annotation on the live object says Git has not changed it since we
applied it, and every field we apply has our value live (server defaults and
fields others own are ignored; quantities compare by value). When someone
changed the object, a server-side dry run settles whether the server would
change anything, as Flux does. A change made in Git is applied straight
away: one write.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ImmutableFieldError
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import RECREATE_ANNOTATION
from gitops_vela.model.objects import Manifest
from gitops_vela.sync.desired import Desired, applied_digest
from gitops_vela.sync.fields import comparable, first_difference, is_subset, same_object

_IMMUTABLE_FIELD = re.compile(
    r"([A-Za-z0-9_.\[\]/-]+): (?:Invalid value|Forbidden)[^;]*?field is immutable"
)


@dataclass(frozen=True, slots=True)
class ObjectResult:
    """What happened to one desired object."""

    item: Desired
    action: Action
    reason: str = ""
    live: Manifest | None = None  # the object as the server holds it now
    error: str = ""
    internal: bool = False  # failed on an unexpected exception (a bug), not a refusal

    @property
    def in_inventory(self) -> bool:
        """Applied (or already right): recorded as the app's. Failures are not."""
        return self.action in (Action.CREATED, Action.CONFIGURED, Action.UNCHANGED) and not (
            self.reason.startswith("dry run")
        )


def in_sync(item: Desired, live: Manifest) -> bool:
    """The cheap check: Git did not change the object since we applied it, and every
    field we apply still has our value live. Needs no request.

    A verdict is remembered per (uid, resourceVersion, digest): a daemon polling
    an unchanged cluster does not compare the same object again.
    """
    if applied_digest(live) != item.digest:
        return False
    meta = live.get("metadata") or {}
    key = (str(meta.get("uid")), str(meta.get("resourceVersion")), item.digest)
    if key in _IN_SYNC:
        return True
    if not is_subset(comparable(item.manifest), live):
        return False
    if len(_IN_SYNC) >= _IN_SYNC_MAX:
        _IN_SYNC.clear()
    _IN_SYNC[key] = True
    return True


_IN_SYNC: dict[tuple[str, str, str], bool] = {}
_IN_SYNC_MAX = 200_000


def sync_object(
    cluster: Cluster,
    item: Desired,
    live: Manifest | None,
    *,
    dry_run: bool,
    wait_timeout: float,
) -> ObjectResult:
    """Decide and act for one object (see the module docstring)."""
    if live is None:
        return _create(cluster, item, dry_run=dry_run, wait_timeout=wait_timeout)
    if in_sync(item, live):
        return ObjectResult(item, Action.UNCHANGED, live=live)
    same_desired = applied_digest(live) == item.digest
    drift = first_difference(comparable(item.manifest), live) or "a field"
    why = f"{drift} drifted in the cluster" if same_desired else "changed in Git"
    if same_desired or dry_run:
        # Someone else's change or a value the server normalises: the server
        # decides. A change made in Git is applied without asking (one write).
        preview = cluster.apply(item.manifest, dry_run=True).object
        if same_object(preview, live):
            return ObjectResult(item, Action.UNCHANGED, live=live)
        if dry_run:
            return ObjectResult(item, Action.CONFIGURED, f"dry run: {why}", live=live)
    applied, note = _apply(cluster, item, wait_timeout=wait_timeout)
    return ObjectResult(item, Action.CONFIGURED, why + note, live=applied)


def _create(cluster: Cluster, item: Desired, *, dry_run: bool, wait_timeout: float) -> ObjectResult:
    if dry_run:
        cluster.apply(item.manifest, dry_run=True)  # validates against the server's schema
        return ObjectResult(item, Action.CREATED, "dry run: would be created")
    result = cluster.apply(item.manifest)
    if result.created:
        return ObjectResult(item, Action.CREATED, live=result.object)
    # It existed without our ownership label: applying took it over.
    return ObjectResult(item, Action.CONFIGURED, "adopted an existing object", live=result.object)


def _apply(cluster: Cluster, item: Desired, *, wait_timeout: float) -> tuple[Manifest, str]:
    try:
        return cluster.apply(item.manifest).object, ""
    except ImmutableFieldError as exc:
        field = immutable_field(exc.message)
        if not item.recreate_allowed:
            raise ImmutableFieldError(
                f"field {field} is immutable; to delete and recreate the object,"
                f" add the annotation '{RECREATE_ANNOTATION}: enabled' to it or to its app",
                status=exc.status,
                api_reason=exc.api_reason,
            ) from exc
    _recreate_delete(cluster, item, wait_timeout=wait_timeout)
    return cluster.apply(item.manifest).object, f"; recreated ({field} is immutable)"


def _recreate_delete(cluster: Cluster, item: Desired, *, wait_timeout: float) -> None:
    resource = cluster.resource(item.api_version, item.ref.kind)
    cluster.delete(resource, namespace=item.ref.namespace, name=item.ref.name)
    deadline = time.monotonic() + wait_timeout
    delay = 0.05
    while cluster.get(resource, namespace=item.ref.namespace, name=item.ref.name) is not None:
        if time.monotonic() > deadline:
            raise ImmutableFieldError(
                f"still being deleted after {wait_timeout:.0f}s; recreate will retry",
                status=409,
                retryable=True,
            )
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def immutable_field(message: str) -> str:
    """The field an "is immutable" error names (``spec.selector``), or "a field"."""
    found = _IMMUTABLE_FIELD.search(message)
    return found.group(1) if found else "a field"
