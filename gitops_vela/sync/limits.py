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

import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence

from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
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
    failed = frozenset(f.name for f in render.failures)
    doomed, total = _counts(tuple(mine), failed, wanted)
    if doomed * 100 <= options.prune_limit * total:
        return ""
    return (
        f"this sync would prune {doomed} of the {total} objects of repository {repo}"
        f" ({doomed * 100 // total}%), more than its pruneLimit of"
        f" {options.prune_limit:g}%: nothing is pruned. If that is intended, raise pruneLimit"
        " in the repository's settings (pruneLimit: 100% for no limit) for one sync"
    )


# Remembered answers, a few repositories' worth. Keys hold their inputs (so an id is
# never reused while remembered); a hit compares inventories by value, which is
# cheap as unchanged inventories share their decoded object sets.
_REMEMBERED = 16
_lock = threading.Lock()
_wanted: OrderedDict[tuple[int, ...], tuple[tuple[object, ...], frozenset[ObjectRef]]] = (
    OrderedDict()
)
_counted: OrderedDict[
    tuple[int, frozenset[str]],
    tuple[tuple[inv.Inventory, ...], Collection[ObjectRef], tuple[int, int]],
] = OrderedDict()


def wanted_refs(render: RepositoryRender, kept: Sequence[RenderedApp]) -> frozenset[ObjectRef]:
    """Every object the render (and the apps ``kept`` from their last good one) wants.

    What the prune limit counts as wanted, computed once per render: a daemon
    syncs the same render again and again when only drift moved.
    """
    inputs: tuple[object, ...] = (render, *kept)
    key = tuple(id(x) for x in inputs)
    with _lock:
        hit = _wanted.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], inputs, strict=True)):
            _wanted.move_to_end(key)
            return hit[1]
    refs = frozenset(ref for app in [*render.apps, *kept] for ref in app.refs)
    with _lock:
        _wanted[key] = (inputs, refs)
        while len(_wanted) > _REMEMBERED:
            _wanted.popitem(last=False)
    return refs


def _counts(
    mine: tuple[inv.Inventory, ...], failed: frozenset[str], wanted: Collection[ObjectRef]
) -> tuple[int, int]:
    """(objects this sync would prune, objects recorded) over ``mine``; remembered."""
    key = (id(wanted), failed)
    with _lock:
        hit = _counted.get(key)
    if hit is not None and hit[1] is wanted and hit[0] == mine:
        return hit[2]
    total = frozenset().union(*(i.objects for i in mine))
    doomed = {
        ref
        for i in mine
        if i.app not in failed  # a broken app is never pruned
        for ref in i.objects
        if ref not in wanted and ref != ObjectRef("", "Namespace", "", i.namespace)
    }
    counts = (len(doomed), len(total))
    with _lock:
        _counted[key] = (mine, wanted, counts)
        _counted.move_to_end(key)
        while len(_counted) > _REMEMBERED:
            _counted.popitem(last=False)
    return counts


def _empty(repo: str, mine: Collection[inv.Inventory]) -> str:
    apps = sorted(i.app for i in mine)
    count = sum(len(i.objects) for i in mine)
    shown = ", ".join(apps[:5]) + (f" and {len(apps) - 5} more" if len(apps) > 5 else "")
    return (
        f"repository {repo} renders no apps, but its inventories hold {len(apps)} app(s)"
        f" ({shown}; {count} objects): nothing is pruned. If emptying it is intended, set"
        " allowEmpty: true on the repository (gitops-vela apply --allow-empty)"
    )
