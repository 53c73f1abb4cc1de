"""Evaluate apps' services on the Jsonnet workers, small apps batched, results cached.

Each evaluation pays fixed Jsonnet costs (the first ``std.format``, forcing
the library), so small apps are batched into evaluations of about
``BATCH_SERVICES`` services, at least one per worker. A failing batch is
retried app by app, so errors stay with their app.

Results are kept as JSON text, cache included, and parsed once more when the
render finishes an app: text is a fraction of the memory of the same result as
dicts (10,000 apps are rendered at once), and each parse hands the finishing
step a copy of its own to change.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import orjson

from gitops_vela.catalog import Catalog
from gitops_vela.model.appfile import Appfile
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure
from gitops_vela.render import engine
from gitops_vela.render.cache import LruCache
from gitops_vela.render.diagnose import explain_failure
from gitops_vela.render.program import Part, compose, part_key
from gitops_vela.settings.tree import RenderSettings

SECONDS_PER_SERVICE = 0.2  # on top of the per-evaluation limit, for big apps
BATCH_SERVICES = 40  # services per evaluation when small apps are batched


@dataclasses.dataclass(frozen=True)
class _Evaluated:
    text: str  # the part's result: {service: {"outputs": ...}} as JSON
    revision: str
    depends: bool  # on the revision it was rendered with


_evaluated: LruCache[_Evaluated] = LruCache(1024)


def evaluate_apps(
    loaded: list[Appfile],
    *,
    repo: str,
    revision: str,
    namespace: str,
    catalog: Catalog,
    settings: RenderSettings,
) -> tuple[list[tuple[Appfile, str, tuple[str, ...]]], list[AppFailure]]:
    """Evaluate each app's services (cached ones skipped); per success (app, result key,
    its parts' results as JSON: ``merged`` makes them one result).

    ``context.revision`` and the cache: keying every result on the commit
    would re-render everything on every commit. A result is marked as
    depending on the revision when a used template mentions ``revision`` or
    the revision's text appears in the output (a template reading the whole
    context); only such results are keyed on the revision. A result made
    without a revision is reused only without one.
    """
    definitions = {d.ref: d for d in catalog.every}
    parts = [
        part
        for app in loaded
        for part in _split(app, _context(app, repo=repo, namespace=namespace))
    ]
    keys = [part_key(part, definitions=definitions) for part in parts]
    # held here, not re-read from the cache: a big render may evict its own first entries
    entries = {i: e for i, (key, _) in enumerate(keys) if (e := _cached(key, revision)) is not None}
    todo = [i for i in range(len(parts)) if i not in entries]
    run = functools.partial(
        _run, parts, keys, entries, definitions=definitions, revision=revision, settings=settings
    )
    failed = run(todo, batch=True)
    failed.update(run([i for i, diagnostics in failed.items() if not diagnostics], batch=False))
    return _assemble(loaded, parts, keys, entries, failed, repo=repo)


def _context(app: Appfile, *, repo: str, namespace: str) -> dict[str, str]:
    """What templates see of the app; ``environment`` is "" when rendering the base."""
    return {
        "appName": app.name,
        "namespace": app.namespace or namespace,
        "repo": repo,
        "environment": app.environment,
    }


def _split(app: Appfile, context: dict[str, str]) -> list[Part]:
    """An app as parts of at most ``BATCH_SERVICES`` services, so big apps use every worker."""
    services = app.services
    size = BATCH_SERVICES
    return [Part(app, services[i : i + size], context) for i in range(0, len(services), size)]


def _assemble(
    loaded: list[Appfile],
    parts: list[Part],
    keys: list[tuple[str, bool]],
    entries: dict[int, _Evaluated],
    failed: dict[int, tuple[Diagnostic, ...]],
    *,
    repo: str,
) -> tuple[list[tuple[Appfile, str, tuple[str, ...]]], list[AppFailure]]:
    """Per app: its parts' results (and a key naming them), or all its parts' problems."""
    owned: dict[str, list[int]] = {}  # Appfile path (one app each) -> its parts
    for i, part in enumerate(parts):
        owned.setdefault(part.app.path, []).append(i)
    evaluated: list[tuple[Appfile, str, tuple[str, ...]]] = []
    failures: list[AppFailure] = []
    for app in loaded:
        mine = owned.get(app.path, [])
        problems = tuple(d for i in mine for d in failed.get(i, ()))
        if problems or any(i not in entries for i in mine):
            failures.append(AppFailure(repo, app.name, app.path, problems))
            continue
        names: list[str] = []
        for i in mine:
            entry = entries[i]
            names.append(f"{keys[i][0]}:{entry.revision}" if entry.depends else keys[i][0])
        evaluated.append((app, "+".join(names), tuple(entries[i].text for i in mine)))
    return evaluated, failures


def merged(texts: tuple[str, ...]) -> dict[str, Any]:
    """One app's result from its parts' (services never repeat across parts): a new
    object every call, the caller's to change."""
    result: dict[str, Any] = {}
    for text in texts:
        result.update(orjson.loads(text))  # its key cache shares keys across 10,000 apps
    return result


def _run(
    parts: list[Part],
    keys: list[tuple[str, bool]],
    entries: dict[int, _Evaluated],
    todo: list[int],
    *,
    definitions: dict[str, Definition],
    revision: str,
    settings: RenderSettings,
    batch: bool,
) -> dict[int, tuple[Diagnostic, ...]]:
    """Evaluate ``todo`` parts, in batches or one by one; cache the results.

    Returns the parts that failed: with their diagnostics when evaluated
    alone, with none when their batch failed (to be tried alone).
    """
    groups = (
        _batches(todo, parts, workers=engine.pool(settings).size) if batch else [[i] for i in todo]
    )
    jobs = [
        compose(
            [parts[i] for i in group],
            definitions=definitions,
            revision=revision,
            timeout=settings.timeout
            + SECONDS_PER_SERVICE * sum(len(parts[i].services) for i in group),
        )
        for group in groups
    ]
    failed: dict[int, tuple[Diagnostic, ...]] = {}
    for group, outcome in zip(groups, engine.evaluate(jobs, settings=settings), strict=True):
        if outcome.ok:
            for i, result in zip(group, json.loads(outcome.text), strict=True):
                key, mentions = keys[i]
                text = json.dumps(result)
                depends = mentions or not revision or revision in text
                entries[i] = _Evaluated(text, revision, depends)
                _evaluated.put(key, entries[i])
        elif len(group) > 1:
            failed.update((i, ()) for i in group)
        else:
            failed[group[0]] = explain_failure(
                parts[group[0]],
                outcome,
                definitions=definitions,
                revision=revision,
                timeout=settings.timeout,
            )
    return failed


def _batches(todo: list[int], parts: list[Part], *, workers: int) -> list[list[int]]:
    """Groups of about ``BATCH_SERVICES`` services, at least one per worker when there is work."""
    total = sum(len(parts[i].services) for i in todo)
    target = max(1, min(BATCH_SERVICES, -(-total // workers)))
    groups: list[list[int]] = []
    size = target
    for i in todo:
        if size >= target:
            groups.append([])
            size = 0
        groups[-1].append(i)
        size += len(parts[i].services)
    return groups


def _cached(key: str, revision: str) -> _Evaluated | None:
    entry = _evaluated.get(key)
    if entry is None or (entry.depends and entry.revision != revision):
        return None
    return entry
