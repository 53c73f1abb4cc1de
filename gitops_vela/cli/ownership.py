"""A warning when the cluster records a checkout's objects under another repository name.

Such a mismatch almost always means the checkout is named differently from
the repository the daemon watches (``source.identity``); the warning says
which ``--repo`` to pass.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

from gitops_vela.cluster import Cluster
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.sync import inventory
from gitops_vela.sync.inventory import Inventory


def warn_foreign_owners(cluster: Cluster, apps: Sequence[RenderedApp], *, namespace: str) -> None:
    """On stderr: objects of ``apps`` the cluster's inventories record for another repository."""
    if not apps:
        return
    inventories = inventory.read_all(cluster, namespace=namespace)
    for repo in sorted({app.repo for app in apps}):
        mine = [app for app in apps if app.repo == repo]
        for warning in foreign_owners(inventories, mine, repo=repo):
            print(f"warning: {warning}", file=sys.stderr)


def foreign_owners(
    inventories: Mapping[str, Inventory], apps: Sequence[RenderedApp], *, repo: str
) -> tuple[str, ...]:
    """Warnings for objects these apps render that the cluster records for another repository.

    Such a mismatch almost always means the checkout is named differently from
    the repository the daemon watches; the warning says which name to pass.
    """
    rendered = {ref for app in apps for ref in app.refs}
    names = {app.name for app in apps}
    shared: dict[str, set[str]] = {}
    counts: dict[str, int] = {}
    for recorded in inventories.values():
        if recorded.repo == repo or recorded.app not in names:
            continue
        overlap = len(recorded.objects & rendered)
        if overlap:
            shared.setdefault(recorded.repo, set()).add(recorded.app)
            counts[recorded.repo] = counts.get(recorded.repo, 0) + overlap
    return tuple(
        f"{counts[other]} object(s) that this checkout renders as repository {repo!r}"
        f" are recorded in the cluster for repository {other!r} (apps {', '.join(sorted(apps_))});"
        f" if this checkout is that repository, pass --repo {other}"
        for other, apps_ in sorted(shared.items())
    )
