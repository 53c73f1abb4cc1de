"""Incremental render: from one commit to the next, render again only what changed.

Rendering every app of a 10,000-app repository for a one-line commit is the
cost that grows with the repository, not with the change. Between two
commits the daemon knows which files changed (the Git diff of the two trees)
and which apps use which definitions (review's dependency index), so it can
name the Appfiles whose render may differ:

- a changed, added or removed Appfile, or an environment overlay beside it;
- the users of a changed definition (its digest covers the template and every
  file it imports, so a library change counts) or of one that reads
  ``context.revision`` (a new commit is a new input for those);
- an app whose last render holds the commit it was rendered at (a template
  that read the whole context).

Every other app keeps its previous render. A change this module cannot
attribute to apps (the ignore file, a file an Appfile may read, a duplicate
app name, an object two apps render) answers "render everything": being
wrong here would leave an app rendered from an older commit, so doubt costs a
full render, never a stale one. The merged render is complete, so the
repository-wide guards (prune limit, empty render, apps removed from Git)
still see every app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from gitops_vela.catalog import Catalog
from gitops_vela.model.definitions import Definition
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.render.discover import IGNORE_FILE
from gitops_vela.render.environments import overlay_of
from gitops_vela.render.program import uses_revision
from gitops_vela.review.depindex import DependencyIndex


@dataclass(frozen=True, slots=True)
class Rendered:
    """What one render leaves for the next: its commit, result and definitions."""

    sha: str
    render: RepositoryRender
    catalog: Catalog
    bound: frozenset[str] = frozenset()  # Appfile paths whose objects hold ``sha``


def bound_to(render: RepositoryRender, sha: str) -> frozenset[str]:
    """Paths of the apps whose rendered objects contain the commit they were rendered at."""
    if not sha:
        return frozenset()
    needle = sha.encode()
    return frozenset(a.path for a in render.apps if needle in orjson.dumps(list(a.objects)))


def dirty_appfiles(
    previous: Rendered, changed: Iterable[str], *, catalog: Catalog, index: DependencyIndex
) -> frozenset[str] | None:
    """The Appfile paths to render again after ``changed`` (paths relative to the
    rendered root), or None when the change cannot be attributed to apps.

    An app's Appfile is one that names an app now or had a result last time; any
    other candidate file (a values file matching the globs) may be read by any
    Appfile, so its change renders everything."""
    apps = {p for p, e in index.entries.items() if e.name} | _paths(previous.render)
    definition_files = _files_of(previous.catalog.every) | _files_of(catalog.every)
    dirty: set[str] = set()
    for path in changed:
        overlay = overlay_of(path)
        if path == IGNORE_FILE:
            return None
        if path in apps:
            dirty.add(path)
        elif overlay is not None and overlay[0] in apps:  # vela.prod.yaml: its Appfile
            dirty.add(overlay[0])
        elif path not in definition_files:
            return None  # a file an Appfile may read: who reads it is not known here
    names = changed_definitions(previous.catalog, catalog)
    dirty.update(e.path for e in index.users_of(names))
    dirty.update(previous.bound)
    return frozenset(dirty)


def same_render(before: RenderedApp | None, after: RenderedApp) -> bool:
    """Whether syncing ``after`` would do what syncing ``before`` did: the same objects
    and everything else a sync reads of an app (namespace, health policies, policy
    refusals, annotations). A reused render is the same object; a render made again
    is compared by digest first, then field by field (an unchanged digest with a
    changed health policy is still a change)."""
    if before is after:
        return True
    return before is not None and before.digest == after.digest and before == after


def changed_definitions(before: Catalog, after: Catalog) -> frozenset[str]:
    """Names of the definitions added, removed or changed (any version), and of those
    whose template reads the revision (their output may change with every commit)."""
    old = {d.ref: d.digest for d in before.every}
    new = {d.ref: d.digest for d in after.every}
    names = {_name(ref) for ref in old.keys() ^ new.keys()}
    names |= {_name(ref) for ref in old.keys() & new.keys() if old[ref] != new[ref]}
    names |= {d.name for d in after.every if uses_revision(d)}
    return frozenset(names)


def merge(
    previous: Rendered, fresh: RepositoryRender, *, dirty: frozenset[str], index: DependencyIndex
) -> RepositoryRender | None:
    """The previous render with the ``dirty`` Appfiles' results replaced by ``fresh``'s;
    Appfiles no longer in the new tree (``index``) dropped. None when ``fresh`` says
    something about an Appfile that was not to change (a duplicate name), says nothing
    about one that did, shares its name with an Appfile that did not change (``fresh``
    loaded the changed ones only: the whole render decides duplicates), or when a
    changed app renders an object another app renders too (the warning names both):
    render everything then."""
    present = index.entries.keys()
    names = {index.entries[p].name for p in dirty if p in present} - {""}
    if any(e.name in names for p, e in index.entries.items() if p not in dirty):
        return None
    answered = _paths(fresh)
    if answered - dirty:
        return None
    before = _paths(previous.render)
    named = {p for p, e in index.entries.items() if e.name}
    if (dirty & set(present) & (named | before)) - answered:
        return None  # a changed Appfile the render did not name (a nameless failure): full
    alive = set(present) - dirty
    kept_apps = [a for a in previous.render.apps if a.path in alive]
    kept_failures = [f for f in previous.render.failures if f.path in alive]
    kept_refs = {ref for app in kept_apps for ref in app.refs}
    touched = [*fresh.apps, *(a for a in previous.render.apps if a.path in dirty)]
    if any(ref in kept_refs for app in touched for ref in app.refs):
        return None
    kept_names = {a.name for a in kept_apps} | {f.name for f in kept_failures}
    if kept_names & ({a.name for a in fresh.apps} | {f.name for f in fresh.failures} - {""}):
        return None
    return RepositoryRender(
        apps=tuple(sorted([*kept_apps, *fresh.apps], key=lambda a: a.name)),
        failures=_sorted_failures([*kept_failures, *fresh.failures]),
        catalog_diagnostics=fresh.catalog_diagnostics,
    )


def _paths(render: RepositoryRender) -> set[str]:
    return {a.path for a in render.apps} | {f.path for f in render.failures}


def _sorted_failures(failures: list[AppFailure]) -> tuple[AppFailure, ...]:
    return tuple(sorted(failures, key=lambda f: (f.path, f.name)))


def _files_of(definitions: Iterable[Definition]) -> set[str]:
    files: set[str] = set()
    for d in definitions:
        files.update(p for p in (d.path, d.template_path, *d.imports) if p)
    return files


def _name(ref: str) -> str:
    return ref.partition("@")[0]
