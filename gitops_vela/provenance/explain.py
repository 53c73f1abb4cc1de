"""Render a checkout and say, for each leaf of the chosen objects, where it comes from.

The render is the normal one (``render_repository``): the objects explained
are exactly those the daemon applies. Then each service holding a chosen
object is traced (``trace``) and every leaf of its final objects is matched
with its attribution; what finalize added (gitops-vela's labels, the
namespace) is named as such. Only the CLI and the review call this: nothing
of it runs in the daemon's polls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS, Appfile, Service
from gitops_vela.model.definitions import Definition
from gitops_vela.model.labels import COMPONENT
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.provenance.fields import MISSING, FieldPath, flatten
from gitops_vela.provenance.origins import FieldOrigin, ObjectOrigin, Source, Step
from gitops_vela.provenance.sources import Sources, appfile_document, is_own_label, template_of
from gitops_vela.provenance.trace import ObjectId, Request, ServiceTrace, trace_services
from gitops_vela.render import load_apps, render_repository
from gitops_vela.settings.tree import RenderSettings

Wanted = Callable[[Mapping[str, Any]], bool]


@dataclasses.dataclass(frozen=True)
class Explained:
    """The render, and the origin of every leaf of the chosen objects (in render order)."""

    render: RepositoryRender
    objects: tuple[ObjectOrigin, ...]


def explain_checkout(
    root: Path,
    *,
    repo: str,
    revision: str = "",
    default_namespace: str = "default",
    app_globs: Sequence[str] = DEFAULT_APP_GLOBS,
    apps: Collection[str] | None = None,
    wanted: Wanted | None = None,
    settings: RenderSettings | None = None,
    catalog: Catalog | None = None,
    environment: str = "",
) -> Explained:
    """Render the checkout at ``root`` as ``environment`` sees it ("" = the base); explain the
    objects ``wanted`` picks (default: all)."""
    settings = settings or RenderSettings()
    catalog = catalog or load_catalog(root, origin=repo)
    render = render_repository(
        root,
        repo=repo,
        revision=revision,
        default_namespace=default_namespace,
        app_globs=app_globs,
        catalog=catalog,
        apps=apps,
        settings=settings,
        environment=environment,
    )
    loaded, _ = load_apps(
        root, repo=repo, catalog=catalog, globs=app_globs, environment=environment
    )
    by_name = {app.name: app for app in loaded}
    definitions = {d.name: d for d in catalog}
    # What to trace: each service holding a chosen object, all traced in shared rounds.
    work: list[tuple[RenderedApp, Appfile, Service, list[dict[str, Any]]]] = []
    for rendered in render.apps:
        app = by_name.get(rendered.name)
        chosen = [obj for obj in rendered.objects if wanted is None or wanted(obj)]
        if app is None or not chosen:
            continue
        for service in app.services:
            mine = [obj for obj in chosen if _component(obj) == service.name]
            if mine:
                work.append((rendered, app, service, mine))
    requests = [
        Request(
            app,
            service,
            {
                "appName": app.name,
                "namespace": rendered.namespace,
                "repo": repo,
                "environment": environment,
            },
            revision,
        )
        for rendered, app, service, _ in work
    ]
    traces = trace_services(requests, definitions=definitions, settings=settings)
    found: list[ObjectOrigin] = []
    sources: dict[str, Sources | None] = {}
    for (rendered, app, service, mine), trace in zip(work, traces, strict=True):
        if app.name not in sources:
            sources[app.name] = _sources(root, app, rendered, definitions, environment)
        described = sources[app.name]
        if described is None:  # the Appfile changed under us: nothing exact to say
            continue
        for obj in mine:
            object_id = _match(trace, obj)
            if object_id is None:
                continue
            fields = _fields(obj, trace, object_id, service, described, definitions)
            definition, role, _ = object_id
            found.append(
                ObjectOrigin(app.name, app.path, service.name, definition, role, obj, tuple(fields))
            )
    order = {id(obj): i for rendered in render.apps for i, obj in enumerate(rendered.objects)}
    found.sort(key=lambda o: (o.app, order.get(id(o.object), 0)))
    return Explained(render, tuple(found))


def _component(obj: Mapping[str, Any]) -> str:
    return str((obj["metadata"].get("labels") or {}).get(COMPONENT, ""))


def _sources(
    root: Path,
    app: Appfile,
    rendered: RenderedApp,
    definitions: Mapping[str, Definition],
    environment: str,
) -> Sources | None:
    doc = appfile_document(root, app.path, environment)
    if doc is None:
        return None
    return Sources(app, doc, definitions, namespace=rendered.namespace)


def _match(trace: ServiceTrace, obj: Mapping[str, Any]) -> ObjectId | None:
    """The traced object that became ``obj`` (same kind and name; refs are unique per app)."""
    name = obj["metadata"].get("name")
    for object_id, raw in trace.objects.items():
        meta = raw.get("metadata") if isinstance(raw, dict) else None
        if isinstance(meta, dict) and raw.get("kind") == obj["kind"] and meta.get("name") == name:
            return object_id
    return None


def _fields(
    obj: Mapping[str, Any],
    trace: ServiceTrace,
    object_id: ObjectId,
    service: Service,
    sources: Sources,
    definitions: Mapping[str, Definition],
) -> list[FieldOrigin]:
    definition, _, _ = object_id
    raw = flatten(trace.objects[object_id])
    attributions = trace.leaves[object_id]
    found: list[FieldOrigin] = []
    for path, value in flatten(obj).items():
        added = _added_by_gitops_vela(path, raw, service, definition, sources)
        if added is not None:
            found.append(FieldOrigin(path, value, (), (added,)))
            continue
        attribution = attributions.get(path)
        if attribution is None:
            continue
        steps = tuple(
            Step(name, kind, step_value, template_of(definitions, name))
            for name, kind, step_value in attribution.steps
        )
        carriers = [sources.describe(service, item) for item in attribution.carriers]
        depends = [sources.describe(service, item) for item in attribution.depends]
        if not carriers:
            carriers, depends = depends, []
        if not carriers:
            setter = steps[-1].definition if steps else definition
            carriers = [sources.constant(setter)]
        found.append(FieldOrigin(path, value, steps, tuple(carriers), tuple(depends)))
    return found


def _added_by_gitops_vela(
    path: FieldPath,
    raw: Mapping[FieldPath, Any],
    service: Service,
    definition: str,
    sources: Sources,
) -> Source | None:
    """What finalize wrote: gitops-vela's labels (over the template's), a missing namespace."""
    if len(path) == 3 and path[:2] == ("metadata", "labels") and is_own_label(str(path[2])):
        return sources.label(str(path[2]), service, definition)
    if path == ("metadata", "namespace") and raw.get(path, MISSING) is MISSING:
        return sources.namespace_source()
    return None
