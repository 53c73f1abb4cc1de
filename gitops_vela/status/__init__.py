"""AppStatus -> the status branch in Git (DESIGN §7).

Public API::

    StatusWriter(url, cache_dir=, branch=, author=, credentials=, on_op=)   or
    StatusWriter.for_source(git_source, branch=, author=)
        .write(statuses, complete=True) -> commit sha | None   (None: nothing worth a commit)
        .read() -> {app: AppStatus}                          (what the branch says now)
    Author(name=, email=)
    significant(status)                    what a commit is worth: revision, sync, health,
                                           errors, the resource set
    carry_since(previous, new, now=)       ``since`` moves only when sync/health change
    read_status(target, branch=, timeout=) -> StatusReport | None   (``gitops-vela status``)
    format_table(report) -> str
"""

from gitops_vela.status.branch import Author
from gitops_vela.status.document import carry_since, significant
from gitops_vela.status.reader import StatusReport, format_table, read_status
from gitops_vela.status.writer import DEFAULT_BRANCH, StatusWriter

__all__ = [
    "DEFAULT_BRANCH",
    "Author",
    "StatusReport",
    "StatusWriter",
    "carry_since",
    "format_table",
    "read_status",
    "significant",
]
