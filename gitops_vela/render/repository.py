"""Render every app of a repository; each app stands or falls on its own.

Load: find Appfiles, check them against the catalog (``loading``). Evaluate:
the services on the Jsonnet workers, unchanged inputs served from a cache
(``evaluate``). Finish: label, namespace, order, digest (``finalize``).
User errors never raise: they come back as ``AppFailure``s.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog, healthlib, load_catalog
from gitops_vela.errors import UserError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS, Appfile
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.render.cache import LruCache
from gitops_vela.render.evaluate import evaluate_apps, merged
from gitops_vela.render.finalize import cluster_scoped_custom_kinds, digest, finish
from gitops_vela.render.loading import load_apps
from gitops_vela.render.tenancy import enforce
from gitops_vela.settings.tree import PolicySettings, RenderSettings

CRD_KIND = "CustomResourceDefinition"  # as it appears in a result's JSON
_rendered: LruCache[RenderedApp] = LruCache(1024)


def render_repository(
    root: Path,
    *,
    repo: str,
    revision: str = "",
    default_namespace: str = "default",
    app_globs: Sequence[str] = DEFAULT_APP_GLOBS,
    catalog: Catalog | None = None,
    apps: Collection[str] | None = None,
    owns: Callable[[str], bool] | None = None,
    settings: RenderSettings | None = None,
    policy: PolicySettings | None = None,
    environment: str = "",
    paths: Collection[str] | None = None,
) -> RepositoryRender:
    """Render the apps of the repository checked out at ``root`` (never raises for bad input).

    ``settings``: the workers and limits of the settings tree (the defaults when not given).
    ``policy``: the repository's ``policy:``; objects it refuses leave their app for
    ``RenderedApp.refused`` (``tenancy``), so no later stage sends them.
    ``environment``: whose values the Appfiles take ("" = the base, see ``render.environments``).
    ``owns``: the apps this replica renders (its shard, ``daemon.shards.Share``); the
    others are only loaded. An Appfile too broken to name its app is kept: every
    replica must know the repository has one.
    ``apps`` keeps the apps of those names; ``paths`` loads only those Appfiles (the
    others are not even read: duplicate names are checked among them only, so a caller
    merging the result with other renders checks names across them).

    Returned manifests may be shared with the render cache: treat them as read-only.
    """
    root = Path(root)
    if catalog is None:
        catalog = load_catalog(root, origin=repo)
    loaded, failures = load_apps(
        root, repo=repo, catalog=catalog, globs=app_globs, environment=environment, only=paths
    )
    if apps is not None:
        wanted = set(apps)
        loaded = [a for a in loaded if a.name in wanted]
        failures = [f for f in failures if f.name in wanted]
    if owns is not None:
        loaded = [a for a in loaded if owns(a.name)]
        failures = [f for f in failures if not f.name or owns(f.name)]
    evaluated, more = evaluate_apps(
        loaded,
        repo=repo,
        revision=revision,
        namespace=default_namespace,
        catalog=catalog,
        settings=settings or RenderSettings(),
    )
    failures.extend(more)
    rendered = _finish_all(
        evaluated, repo=repo, namespace=default_namespace, catalog=catalog, policy=policy
    )
    good = _warn_shared_objects([r for r in rendered if isinstance(r, RenderedApp)])
    failures.extend(r for r in rendered if isinstance(r, AppFailure))
    return RepositoryRender(
        apps=tuple(sorted(good, key=lambda a: a.name)),
        failures=tuple(sorted(failures, key=lambda f: (f.path, f.name))),
        catalog_diagnostics=catalog.diagnostics,
    )


def _warn_shared_objects(rendered: list[RenderedApp]) -> list[RenderedApp]:
    """Apps rendering the same object would take it from each other on every sync:
    each of them gets a warning naming the object and the other apps."""
    owners: dict[ObjectRef, list[RenderedApp]] = {}
    for app in rendered:
        for ref in app.refs:
            owners.setdefault(ref, []).append(app)
    shared: dict[str, list[Diagnostic]] = {}
    for ref, apps in sorted(owners.items()):
        for app in apps if len(apps) > 1 else ():
            others = ", ".join(f"{a.name!r} ({a.path})" for a in apps if a is not app)
            message = f"{ref} is also rendered by app {others}"
            shared.setdefault(app.name, []).append(Diagnostic(app.path, message, key="name"))
    return [
        dataclasses.replace(app, warnings=(*app.warnings, *shared[app.name]))
        if app.name in shared
        else app
        for app in rendered
    ]


def _finish_all(
    evaluated: list[tuple[Appfile, str, tuple[str, ...]]],
    *,
    repo: str,
    namespace: str,
    catalog: Catalog,
    policy: PolicySettings | None = None,
) -> list[RenderedApp | AppFailure]:
    definitions = {d.ref: d for d in catalog.every}
    crds = [  # parsed only where a CRD may be: most results are never parsed twice
        obj
        for _, _, texts in evaluated
        if any(CRD_KIND in text for text in texts)
        for service in merged(texts).values()
        for group in service.get("outputs") or []
        for obj in (group.get("objects") or {}).values()
        if isinstance(obj, dict)
    ]
    kinds = cluster_scoped_custom_kinds(crds)
    # A definition replacing a library health policy changes apps that do not use it.
    replaced = sorted((k, d.name, d.digest) for k, d in healthlib.overrides(catalog).items())
    rendered: list[RenderedApp | AppFailure] = []
    for app, key, texts in evaluated:
        final_key = _final_key(app, key, kinds, replaced=json.dumps(replaced))
        done: RenderedApp | AppFailure | None = _rendered.get(final_key)
        if done is None:
            done = _finish_one(
                app,
                merged(texts),
                repo=repo,
                namespace=namespace,
                definitions=definitions,
                kinds=kinds,
            )
            if isinstance(done, RenderedApp):
                _rendered.put(final_key, done)
        # After the cache: the policy is the repository's config, not part of the render.
        if policy is not None and isinstance(done, RenderedApp):
            done = enforce(done, app, policy=policy, definitions=definitions)
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
            result,
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
        annotations=app.annotations,
        labels=app.labels,
        environments=app.environments,
    )


def _final_key(
    app: Appfile, key: str, kinds: frozenset[tuple[str, str]], *, replaced: str = ""
) -> str:
    warnings = [str(w) for w in app.warnings]
    text = json.dumps(
        [
            *(key, app.path, sorted(kinds), warnings),
            *(sorted(app.annotations.items()), sorted(app.labels.items())),
            *(app.environments, replaced),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()
