"""Git: ls-remote, fetch, snapshots of a repository at a commit.

Public API::

    GitSource(url, cache_dir=, branch=, credentials=, timeout=, on_op=)
        .ls_remote() -> sha        cheap: has the branch moved?
        .fetch() -> Snapshot       shallow fetch + the files at that commit; the previous
                                   snapshot's directory is updated in place (only changed
                                   files written), so do not keep an old ``root`` around
        .current                   last good Snapshot (kept while the remote is down)
    Snapshot(sha, root, ref, url, committed_at, author, message)
    CapabilityCenter / CenterSource(center, cache_dir=).fetch() -> CenterSnapshot
        (definitions_dir, digest); centers_digest(snapshots)
    Credentials(token_file=, username=, ssh_key_file=, known_hosts_file=)
    export_tree(repo, rev, dest) -> sha     a commit's files, no working tree touched
    resolve_commit / checkout_paths         a commit, and some of its files (PR review)
    RemoteCache(url, cache_dir=, ...)       the object store of one remote (status branch)
    redact_url(url) / redact_text(text)     credentials out of anything printed
    Backoff(initial=, factor=, cap=, jitter=).failure() -> seconds; .success()
    OpHook = Callable[[str], None]          called with "ls-remote" | "fetch" | "push"

Symbolic links that lead outside the tree never lead anywhere in snapshots
and exports (they point at a path that cannot exist, so readers report them
as links leading outside, as on a checkout). Every Git call has a timeout
(the process group is killed) and every failure is a ``SourceError``
(retryable unless the input itself is wrong) whose text holds no credentials.
"""

from gitops_vela.source.backoff import Backoff
from gitops_vela.source.cache import RemoteCache
from gitops_vela.source.centers import (
    CapabilityCenter,
    CenterSnapshot,
    CenterSource,
    centers_digest,
)
from gitops_vela.source.credentials import Credentials
from gitops_vela.source.gitcmd import DEFAULT_TIMEOUT, GitRunner, OpHook
from gitops_vela.source.gitsource import GitSource
from gitops_vela.source.redact import redact_text, redact_url
from gitops_vela.source.snapshot import Snapshot
from gitops_vela.source.trees import checkout_paths, export_tree, resolve_commit

__all__ = [
    "DEFAULT_TIMEOUT",
    "Backoff",
    "CapabilityCenter",
    "CenterSnapshot",
    "CenterSource",
    "Credentials",
    "GitRunner",
    "GitSource",
    "OpHook",
    "RemoteCache",
    "Snapshot",
    "centers_digest",
    "checkout_paths",
    "export_tree",
    "redact_text",
    "redact_url",
    "resolve_commit",
]
