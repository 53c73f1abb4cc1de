"""Repository-wide prune guards: a render of zero apps, and too much pruned at once.

A wrong ``path``, an emptied branch or ``git rm -r apps`` must not wipe the
cluster. When one of these trips, nothing of the repository is pruned in this
sync and every app that had something to prune fails saying what would have
been deleted and how to opt in (like Argo CD's ``allowEmpty``):

- the render yields no app while the repository's inventories hold apps
  (``allowEmpty: true`` / ``apply --allow-empty`` to prune them all);
- more than ``pruneLimit`` percent of the repository's recorded objects would
  be pruned by this one sync (raise ``pruneLimit``, ``100%`` for no limit).
"""

from __future__ import annotations

from collections.abc import Collection

from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.sync import inventory as inv
from gitops_vela.sync.results import SyncOptions


def prune_hold(
    options: SyncOptions,
    inventories: Collection[inv.Inventory],
    render: RepositoryRender,
    *,
    repo: str,
    wanted: Collection[ObjectRef],
) -> str:
    """Why nothing of ``repo`` may be pruned in this sync, or "" when pruning may go on."""
    mine = [i for i in inventories if i.repo == repo]
    if not options.prune or not mine:
        return ""
    if not render.apps and not render.failures:
        if options.allow_empty:
            return ""
        return _empty(repo, mine)
    if options.prune_limit is None:
        return ""
    failed = {f.name for f in render.failures}
    total = frozenset().union(*(i.objects for i in mine))
    doomed = {
        ref
        for i in mine
        if i.app not in failed  # a broken app is never pruned
        for ref in i.objects
        if ref not in wanted and ref != ObjectRef("", "Namespace", "", i.namespace)
    }
    if len(doomed) * 100 <= options.prune_limit * len(total):
        return ""
    return (
        f"this sync would prune {len(doomed)} of the {len(total)} objects of repository {repo}"
        f" ({len(doomed) * 100 // len(total)}%), more than its pruneLimit of"
        f" {options.prune_limit:g}%: nothing is pruned. If that is intended, raise pruneLimit"
        " in the repository's settings (pruneLimit: 100% for no limit) for one sync"
    )


def _empty(repo: str, mine: Collection[inv.Inventory]) -> str:
    apps = sorted(i.app for i in mine)
    count = sum(len(i.objects) for i in mine)
    shown = ", ".join(apps[:5]) + (f" and {len(apps) - 5} more" if len(apps) > 5 else "")
    return (
        f"repository {repo} renders no apps, but its inventories hold {len(apps)} app(s)"
        f" ({shown}; {count} objects): nothing is pruned. If emptying it is intended, set"
        " allowEmpty: true on the repository (gitops-vela apply --allow-empty)"
    )
