"""AppStatus -> the status branch in Git (DESIGN §7).

Public API::

    StatusWriter.for_url(url, cache_dir=, branch=, author=, credentials=, on_op=)   or
    StatusWriter.for_source(git_source, branch=, author=)   (or StatusWriter(remote_cache))
        .write(statuses, complete=True) -> commit sha | None   (None: nothing worth a commit)
        .read() -> {app: AppStatus}                          (what the branch says now)
    Author(name=, email=)
    RenderedWriter.for_source(git_source, branch=, author=, mask_secrets=)
        .write([AppManifests(name, path, objects)], source=SourceCommit(sha, subject))
            -> commit sha | None   (the rendered branch: the manifests applied, per app)
    status_delta(previous, current) -> StatusDelta   did each app change? (once per run:
                                           worth a commit, news for an Event, removed apps)
    carry_since(previous, new, now=)       ``since`` moves only when sync/health change
    read_status(target, branch=, timeout=) -> StatusReport | None   (``gitops-vela status``)
    format_table(report) -> str
"""

from gitops_vela.status.branch import Author
from gitops_vela.status.delta import AppDelta, StatusDelta, status_delta
from gitops_vela.status.document import carry_since
from gitops_vela.status.reader import StatusReport, format_table, read_status
from gitops_vela.status.rendered import AppManifests, RenderedWriter, SourceCommit
from gitops_vela.status.writer import DEFAULT_BRANCH, StatusWriter

__all__ = [
    "DEFAULT_BRANCH",
    "AppDelta",
    "AppManifests",
    "Author",
    "RenderedWriter",
    "SourceCommit",
    "StatusDelta",
    "StatusReport",
    "StatusWriter",
    "carry_since",
    "format_table",
    "read_status",
    "status_delta",
]
