"""AppStatus -> the status branch in Git (DESIGN §7).

Public API::

    StatusWriter(url, cache_dir=, branch=, author=, credentials=)   or
    StatusWriter.for_source(git_source, branch=, author=)
        .write(statuses, complete=True) -> commit sha | None   (None: nothing worth a commit)
        .read() -> {app: AppStatus}
    Author(name=, email=)
    carry_since(previous, new, now=)       ``since`` moves only when sync/health change
    read_status(target, branch=, cache_dir=) -> list[AppStatus] | None   (for ``status``)
"""

from gitops_vela.status.branch import Author
from gitops_vela.status.document import carry_since, significant
from gitops_vela.status.writer import DEFAULT_BRANCH, StatusWriter

__all__ = ["DEFAULT_BRANCH", "Author", "StatusWriter", "carry_since", "significant"]
