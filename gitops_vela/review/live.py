"""``review --cluster``: the affected apps at head against the live cluster.

The diff itself is sync's (``diff_apps``: the live object against a
server-side dry-run apply, server fields stripped, Secrets masked); this
module only turns its result into the report's values. Objects already in
sync are left out; an object the server refused shows as an error line.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.errors import ClusterError
from gitops_vela.model.changes import Action
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.review.objdiff import ObjectChange, RenderedObjectDiff
from gitops_vela.review.report import ClusterDiff
from gitops_vela.sync import SyncOptions, diff_apps
from gitops_vela.sync.diff import AppDiff

_CHANGE = {
    Action.CREATED: ObjectChange.ADDED,
    Action.CONFIGURED: ObjectChange.CHANGED,
    Action.DELETED: ObjectChange.REMOVED,
}


def live_diffs(
    cluster: Cluster, apps: Sequence[RenderedApp], *, options: SyncOptions
) -> tuple[ClusterDiff, ...]:
    """One ``ClusterDiff`` per app; a cluster that fails mid-way is an error on each."""
    if not apps:
        return ()
    try:
        result = diff_apps(cluster, apps, options=options)
    except ClusterError as exc:
        return tuple(ClusterDiff(f"{a.repo}/{a.name}", error=exc.message) for a in apps)
    return tuple(_convert(app) for app in result.apps)


def _convert(app: AppDiff) -> ClusterDiff:
    objects = tuple(
        RenderedObjectDiff(ref=str(o.ref), change=_CHANGE[o.action], diff=o.text.rstrip("\n"))
        for o in app.objects
        if o.action in _CHANGE
    )
    return ClusterDiff(f"{app.repo}/{app.app}", objects=objects, error="; ".join(app.errors))
