"""Record an app's new objects in its inventory before creating them (write-ahead).

An object created but never recorded is nobody's: it is never pruned. That
happened when the inventory write failed after the apply, or when the daemon
died between the two. So each app's inventory is first written with every
object it is about to create; an object its app could not record is not
created (it fails, saying why, and is tried again next sync). Objects the
inventory already lists are applied either way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.errors import GitopsVelaError
from gitops_vela.sync import inventory as inv
from gitops_vela.sync.apply import ObjectResult
from gitops_vela.sync.desired import Desired
from gitops_vela.sync.plan import describe, refused
from gitops_vela.sync.stages import failed


def write_ahead(
    cluster: Cluster,
    items: Sequence[Desired],
    recorded: dict[str, inv.Inventory],
    *,
    namespace: str,
) -> tuple[list[Desired], list[ObjectResult], dict[str, inv.Inventory]]:
    """(items that may be applied, items refused, the inventories written ahead by owner)."""
    by_owner: dict[str, list[Desired]] = defaultdict(list)
    for item in items:
        by_owner[item.owner].append(item)
    ahead = [_ahead(recorded.get(owner), batch) for owner, batch in by_owner.items()]
    pending = [a for a in ahead if a is not None]
    outcomes = cluster.map(lambda a: inv.write(cluster, a, namespace=namespace), pending)
    written = {a.owner: a for a, o in zip(pending, outcomes, strict=True) if o.error is None}
    errors = {a.owner: o.error for a, o in zip(pending, outcomes, strict=True) if o.error}
    allowed, refusals = [], []
    for item in items:
        old = recorded.get(item.owner)
        if item.owner in errors and (old is None or item.ref not in old.objects):
            refusals.append(failed(refused(item, _unrecorded(errors[item.owner]), None)))
        else:
            allowed.append(item)
    return allowed, refusals, written


def _ahead(old: inv.Inventory | None, batch: list[Desired]) -> inv.Inventory | None:
    """The app's inventory with its new objects added, or None when it lists them all."""
    known = old.objects if old is not None else frozenset()
    new = {item.ref for item in batch} - known
    if not new:
        return None
    app = batch[0].app
    return inv.Inventory(app.repo, app.name, app.namespace, known | new)


def _unrecorded(error: BaseException | None) -> GitopsVelaError:
    return GitopsVelaError(
        "not created: its app's inventory could not be recorded first"
        f" ({describe(error)}); an object nobody records could never be pruned."
        " Tried again next sync"
    )
