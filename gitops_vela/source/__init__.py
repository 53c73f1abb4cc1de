"""Git: ls-remote, fetch, snapshots of a repository at a commit.

Public API::

    export_tree(repo, rev, dest) -> sha     a commit's files, no working tree touched
    redact_url(url) / redact_text(text)     credentials out of anything printed
    GitRunner                               timeout (kills the process group), op hook
"""

from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, GitRunner, OpHook
from gitops_vela.source.redact import redact_text, redact_url
from gitops_vela.source.trees import export_tree

__all__ = [
    "DEFAULT_TIMEOUT",
    "GitRunner",
    "OpHook",
    "export_tree",
    "redact_text",
    "redact_url",
]
