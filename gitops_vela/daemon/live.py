"""The daemon's live cache: which lists it answers, and which app hears of a change.

One ``WatchCache`` per cluster client (``cluster.watchcache``) keeps three kinds
of scope, each listed once and then watched:

- every kind an app applies, cluster-wide, by the ownership label's presence
  (the planner's ``<owner>=<app>`` lists are filtered from it);
- Namespaces (the planner needs all of them, to know which to create);
- the inventory ConfigMaps in the daemon's namespace.

A change to an object that carries an ownership label marks that one app of
its repository (``LiveFeed``) and triggers the repository: its next run
plans that app only, from memory, with no list (see ``reconcile``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from gitops_vela.cluster import Resource
from gitops_vela.cluster.watchcache import Scope, ScopeFor
from gitops_vela.model.labels import OWNER
from gitops_vela.sync.inventory import INVENTORY_LABEL


def scope_for(inventory_namespace: str) -> ScopeFor:
    """The scopes of the module docstring; other lists (Leases...) go to the server."""

    def scope(resource: Resource, namespace: str, selector: str) -> Scope | None:
        first = selector.split(",")[0].split("=")[0].strip()
        if first == OWNER:
            return Scope(resource, "", OWNER)
        if resource.kind == "Namespace" and not resource.group and not selector:
            return Scope(resource)
        if selector == INVENTORY_LABEL and namespace == inventory_namespace:
            return Scope(resource, namespace, INVENTORY_LABEL)
        return None

    return scope


class LiveFeed:
    """The apps of one repository whose live objects changed since its last run.

    ``take`` hands them to the run that starts: a set of app names, or None
    when the whole repository must be planned (nothing known yet, the cache
    fell out of step, a run failed). Thread-safe: watch threads add, the
    repository's run takes.
    """

    def __init__(self, in_step: Callable[[], bool]) -> None:
        self._in_step = in_step
        self._apps: set[str] = set()
        self._everything = True
        self._lock = threading.Lock()

    def changed(self, app: str) -> None:
        with self._lock:
            self._apps.add(app)

    def everything(self) -> None:
        with self._lock:
            self._everything = True

    def take(self) -> frozenset[str] | None:
        with self._lock:
            apps, everything = frozenset(self._apps), self._everything
            self._apps.clear()
            self._everything = False
        if everything or not self._in_step():
            return None
        return apps
