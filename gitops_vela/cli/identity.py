"""Which repository a checkout is: the name its ownership labels carry.

The daemon names a repository after its URL (``settings.repository_name``);
a checkout of it must get the same name, whatever its folder is called, or
every object would seem to change owner. So a checkout is named after its
``origin`` remote's URL, passed through that same function; only a checkout
without one is named after its folder, and ``--repo`` overrides both.

A name never carries a secret: userinfo, query and fragment are dropped from
the URL before it is named (``https://TOKEN@host/acme/shop.git`` -> ``shop``).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from gitops_vela.cluster import Cluster
from gitops_vela.errors import SourceError
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.settings import repository_name
from gitops_vela.source import GitRunner
from gitops_vela.sync import inventory
from gitops_vela.sync.inventory import Inventory

_GIT_TIMEOUT = 10.0  # a local config read; never a network call


def repository_identity(root: Path, override: str | None = None) -> str:
    """``override``, else the name of ``root``'s origin URL, else ``root``'s folder name."""
    if override:
        return override
    url = origin_url(root)
    return repository_name(without_secrets(url)) if url else root.name


def origin_url(root: Path) -> str | None:
    """The ``origin`` remote's URL of the Git checkout holding ``root``; None without one."""
    try:
        url = GitRunner(timeout=_GIT_TIMEOUT).run(
            ["config", "--get", "remote.origin.url"], cwd=root
        )
    except SourceError:  # not a Git checkout, or no origin remote
        return None
    return url.strip() or None


def without_secrets(url: str) -> str:
    """``url`` without userinfo, query or fragment: the parts that can hold a credential."""
    if "://" not in url:
        return url  # a local path or scp-like ``git@host:org/repo``: no secret to hold
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
