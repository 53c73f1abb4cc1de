"""Execute one planned write: server-side apply, or delete and recreate.

What to write and why is the planner's (``plan``); this module only sends it.
A field that turns out immutable is recreated when the object or its app
opted in (``gitops-vela.dev/recreate: enabled``), else it fails saying how.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from gitops_vela.cluster import Applied, Cluster
from gitops_vela.errors import ImmutableFieldError
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import RECREATE_ANNOTATION
from gitops_vela.model.objects import Manifest
from gitops_vela.sync.desired import Desired
from gitops_vela.sync.plan import PlanEntry

_IMMUTABLE_FIELD = re.compile(
    r"([A-Za-z0-9_.\[\]/-]+): (?:Invalid value|Forbidden)[^;]*?field is immutable"
)


@dataclass(frozen=True, slots=True)
class ObjectResult:
    """What happened to one desired object."""

    item: Desired
    action: Action
    reason: str = ""
    live: Manifest | None = None  # the object as the server holds it now (its owned view)
    error: str = ""
    internal: bool = False  # failed on an unexpected exception (a bug), not a refusal
    dry_run: bool = False  # planned only: a dry run wrote nothing

    @property
    def in_inventory(self) -> bool:
        """Applied (or already right): recorded as the app's. Failures are not."""
        written = self.action in (Action.CREATED, Action.CONFIGURED) and not self.dry_run
        return written or self.action is Action.UNCHANGED

    @property
    def assessed(self) -> bool:
        """The object exists (or was written): its health is read from ``live``."""
        return not (self.live is None and self.dry_run)


def execute(cluster: Cluster, entry: PlanEntry, *, wait_timeout: float) -> ObjectResult:
    """Send one planned write (created or configured); the server's answer is the result."""
    item = entry.item
    if entry.action is Action.CREATED:
        result = cluster.apply(item.manifest)
        if result.created:
            return ObjectResult(item, Action.CREATED, live=_kept(result))
        # Created by someone else since we read: applying took it over.
        return ObjectResult(
            item, Action.CONFIGURED, "adopted an existing object", live=_kept(result)
        )
    applied, note = _apply(cluster, item, wait_timeout=wait_timeout)
    return ObjectResult(item, Action.CONFIGURED, entry.reason + note, live=applied)


def _kept(applied: Applied) -> Manifest:
    """What a result keeps of the server's answer: its view (planning's and health's part)."""
    return applied.view if applied.view is not None else applied.object


def _apply(cluster: Cluster, item: Desired, *, wait_timeout: float) -> tuple[Manifest, str]:
    try:
        return _kept(cluster.apply(item.manifest)), ""
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
    return _kept(cluster.apply(item.manifest)), f"; recreated ({field} is immutable)"


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
