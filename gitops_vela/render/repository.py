"""Render every app of a repository; each app stands or falls on its own.

Load: find Appfiles, check them against the catalog. Evaluate: one Jsonnet
job per app, all apps in parallel on the worker pool, unchanged inputs
served from a process-wide cache. Finish: label, namespace, order, digest.
User errors never raise: they come back as ``AppFailure``s.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.catalog.yamldoc import YamlError
from gitops_vela.errors import UserError
from gitops_vela.model.appfile import Appfile
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.render import engine
from gitops_vela.render.appfiles import load_appfile
from gitops_vela.render.diagnose import explain_failure
from gitops_vela.render.discover import (
    DEFAULT_APP_GLOBS,
    find_appfiles,
    guess_name,
    parse_appfile,
    read_appfile_text,
)
from gitops_vela.render.files import RepoFiles, unchanged
from gitops_vela.render.finalize import cluster_scoped_custom_kinds, digest, finish
from gitops_vela.render.program import compose

CACHE_SIZE = 1024
SECONDS_PER_SERVICE = 0.2  # on top of the per-evaluation limit, for big apps


@dataclasses.dataclass(frozen=True)
class _Evaluated:
    result: dict[str, Any]
    revision: str
    depends: bool  # on the revision it was rendered with


_cache: OrderedDict[str, RenderedApp] = OrderedDict()
_evaluated: OrderedDict[str, _Evaluated] = OrderedDict()
_appfiles: OrderedDict[str, tuple[Appfile | None, dict[str, str]]] = OrderedDict()
_cache_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Limits:
    """Per-evaluation wall-clock limit in seconds (see ``configure``)."""

    timeout: float = engine.DEFAULT_TIMEOUT


_limits = Limits()


def configure(*, timeout: float) -> None:
    """Set the wall-clock limit of one template evaluation for this process."""
    global _limits
    _limits = Limits(timeout=timeout)


def render_repository(
    root: Path,
    *,
    repo: str,
    revision: str = "",
    default_namespace: str = "default",
    app_globs: Sequence[str] = DEFAULT_APP_GLOBS,
    catalog: Catalog | None = None,
    apps: Collection[str] | None = None,
) -> RepositoryRender:
    """Render the apps of the repository checked out at ``root`` (never raises for bad input).

    Returned manifests may be shared with the render cache: treat them as read-only.
    """
    root = Path(root)
    if catalog is None:
        catalog = load_catalog(root, origin=repo)
    loaded, failures = load_apps(root, repo=repo, catalog=catalog, globs=app_globs)
    if apps is not None:
        wanted = set(apps)
        loaded = [a for a in loaded if a.name in wanted]
        failures = [f for f in failures if f.name in wanted]
    evaluated, more = _evaluate(
        loaded, repo=repo, revision=revision, namespace=default_namespace, catalog=catalog
    )
    failures.extend(more)
    rendered = _finish_all(evaluated, repo=repo, namespace=default_namespace, catalog=catalog)
    good = [r for r in rendered if isinstance(r, RenderedApp)]
    failures.extend(r for r in rendered if isinstance(r, AppFailure))
    return RepositoryRender(
        apps=tuple(sorted(good, key=lambda a: a.name)),
        failures=tuple(sorted(failures, key=lambda f: (f.path, f.name))),
        catalog_diagnostics=catalog.diagnostics,
    )


def load_apps(
    root: Path, *, repo: str, catalog: Catalog, globs: Sequence[str] = DEFAULT_APP_GLOBS
) -> tuple[list[Appfile], list[AppFailure]]:
    """Every Appfile of the repository checked, and the ones that failed (duplicates included)."""
    loaded: list[Appfile] = []
    failures: list[AppFailure] = []
    for path in find_appfiles(root, globs):
        try:
            app = _load_appfile(root, path, catalog)
            if app is not None:
                loaded.append(app)
        except YamlError as exc:
            failures.append(AppFailure(repo, guess_name(root, path), path, (exc.diagnostic,)))
        except UserError as exc:
            failures.append(AppFailure(repo, guess_name(root, path), path, exc.diagnostics))
    return _without_duplicates(loaded, failures, repo=repo)


def _load_appfile(root: Path, path: str, catalog: Catalog) -> Appfile | None:
    """One Appfile, checked; reused from the cache while its text, catalog and files are unchanged."""
    text = read_appfile_text(root, path)
    key = hashlib.sha256(f"{path}\0{catalog.digest}\0{text}".encode()).hexdigest()
    with _cache_lock:
        cached = _appfiles.get(key)
    if cached is not None and unchanged(root, cached[1]):
        return cached[0]
    doc = parse_appfile(text, path)
    files = RepoFiles(root)
    app = load_appfile(doc, catalog=catalog, files=files) if doc is not None else None
    _remember(_appfiles, key, (app, dict(files.read)))
    return app


def _without_duplicates(
    loaded: list[Appfile], failures: list[AppFailure], *, repo: str
) -> tuple[list[Appfile], list[AppFailure]]:
    paths: dict[str, list[Appfile]] = {}
    for app in loaded:
        paths.setdefault(app.name, []).append(app)
    good: list[Appfile] = []
    for same in paths.values():
        if len(same) == 1:
            good.append(same[0])
            continue
        for app in same:
            others = ", ".join(a.path for a in same if a is not app)
            message = f"app name {app.name!r} is also used by {others}"
            diagnostic = Diagnostic(app.path, message, app.line, "name")
            failures.append(AppFailure(repo, app.name, app.path, (diagnostic,)))
    return good, failures


def _evaluate(
    loaded: list[Appfile], *, repo: str, revision: str, namespace: str, catalog: Catalog
) -> tuple[list[tuple[Appfile, str, dict[str, Any]]], list[AppFailure]]:
    """Evaluate each app's program (cached ones skipped); (app, result key, result) per success.

    ``context.revision`` and the cache: keying every result on the commit
    would re-render everything on every commit. A result is marked as
    depending on the revision when a used template mentions ``revision`` or
    the revision's text appears in the output (a template reading the whole
    context); only such results are keyed on the revision. A result made
    without a revision is reused only without one.
    """
    definitions = {d.name: d for d in catalog}
    jobs: list[tuple[Appfile, engine.Job, str, bool]] = []
    for app in loaded:
        context = {"appName": app.name, "namespace": app.namespace or namespace, "repo": repo}
        timeout = _limits.timeout + SECONDS_PER_SERVICE * len(app.services)
        job, key, mentions = compose(
            app,
            app.services,
            definitions=definitions,
            context=context,
            revision=revision,
            timeout=timeout,
        )
        jobs.append((app, job, key, mentions))
    todo = [item for item in jobs if _cached(item[2], revision) is None]
    outcomes = engine.evaluate([job for _, job, _, _ in todo])
    failures: list[AppFailure] = []
    for (app, job, key, mentions), outcome in zip(todo, outcomes, strict=True):
        if outcome.ok:
            depends = mentions or not revision or revision in outcome.text
            result = json.loads(outcome.text)
            _remember(_evaluated, key, _Evaluated(result, revision, depends))
        else:
            diagnostics = explain_failure(
                app, job, outcome, definitions=definitions, timeout=_limits.timeout
            )
            failures.append(AppFailure(repo, app.name, app.path, diagnostics))
    done = [(app, key, _cached(key, revision)) for app, _, key, _ in jobs]
    evaluated = [
        (app, f"{key}:{entry.revision}" if entry.depends else key, entry.result)
        for app, key, entry in done
        if entry is not None
    ]
    return evaluated, failures


def _cached(key: str, revision: str) -> _Evaluated | None:
    with _cache_lock:
        entry = _evaluated.get(key)
    if entry is None or (entry.depends and entry.revision != revision):
        return None
    return entry


def _finish_all(
    evaluated: list[tuple[Appfile, str, dict[str, Any]]],
    *,
    repo: str,
    namespace: str,
    catalog: Catalog,
) -> list[RenderedApp | AppFailure]:
    definitions = {d.name: d for d in catalog}
    crds = [
        obj
        for _, _, result in evaluated
        for service in result.values()
        for group in service.get("outputs") or []
        for obj in (group.get("objects") or {}).values()
        if isinstance(obj, dict)
    ]
    kinds = cluster_scoped_custom_kinds(crds)
    rendered: list[RenderedApp | AppFailure] = []
    for app, key, result in evaluated:
        final_key = _final_key(app, key, kinds)
        with _cache_lock:
            cached = _cache.get(final_key)
        if cached is not None:
            rendered.append(cached)
            continue
        done = _finish_one(
            app, result, repo=repo, namespace=namespace, definitions=definitions, kinds=kinds
        )
        if isinstance(done, RenderedApp):
            _remember(_cache, final_key, done)
        rendered.append(done)
    return rendered


def _finish_one(
    app: Appfile,
    result: dict[str, Any],
    *,
    repo: str,
    namespace: str,
    definitions: dict[str, Any],
    kinds: frozenset[tuple[str, str]],
) -> RenderedApp | AppFailure:
    app_namespace = app.namespace or namespace
    try:
        objects, policies = finish(
            app,
            json.loads(json.dumps(result)),
            repo=repo,
            namespace=app_namespace,
            definitions=definitions,
            cluster_kinds=kinds,
        )
    except UserError as exc:
        return AppFailure(repo, app.name, app.path, exc.diagnostics)
    return RenderedApp(
        repo=repo,
        name=app.name,
        namespace=app_namespace,
        path=app.path,
        objects=objects,
        digest=digest(objects),
        definitions=app.definitions,
        health_policies=policies,
        warnings=app.warnings,
    )


def _final_key(app: Appfile, key: str, kinds: frozenset[tuple[str, str]]) -> str:
    text = json.dumps([key, app.path, sorted(kinds), [str(w) for w in app.warnings]])
    return hashlib.sha256(text.encode()).hexdigest()


def _remember(cache: OrderedDict[str, Any], key: str, value: Any) -> None:
    with _cache_lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
