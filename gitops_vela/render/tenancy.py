"""A finished app against its repository's ``policy:``: refused objects leave the app.

The rules are ``gitops_vela.policy``'s; this step knows where each object came
from, so a refusal points at the Appfile service (or trait) that produced it and
names the definition and its file. A refused object is moved out of
``RenderedApp.objects`` into ``refused``: nothing downstream (planner, apply,
diff, prune) ever sees it as desired, and the app's other objects go on. The app's own
namespace, which sync creates when missing, is held to ``namespaces`` the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from gitops_vela.model import labels
from gitops_vela.model.appfile import Appfile
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.rendered import Refusal, RenderedApp
from gitops_vela.policy import Verdict, check_namespace, check_object
from gitops_vela.render.finalize import digest
from gitops_vela.settings.tree import PolicySettings

_ALLOWS_ALL = PolicySettings()  # a repository without a ``policy:`` block


def enforce(
    app: RenderedApp,
    appfile: Appfile,
    *,
    policy: PolicySettings,
    definitions: Mapping[str, Definition],
) -> RenderedApp:
    """``app`` with the objects ``policy`` refuses moved to ``refused`` (``app`` when none)."""
    if policy == _ALLOWS_ALL:
        return app  # it refuses nothing: no need to judge every object on every render
    kept: list[Manifest] = []
    refused: list[Refusal] = []
    for obj in app.objects:
        # Finishing set a namespace on every namespaced object and removed it from
        # cluster-scoped ones, so the scope is known offline.
        scoped = bool((obj.get("metadata") or {}).get("namespace"))
        verdict = check_object(policy, obj, namespaced=scoped)
        if verdict.allowed:
            kept.append(obj)
        else:
            where = _where(appfile, obj, verdict, definitions)
            refused.append(Refusal(ObjectRef.from_manifest(obj), obj, where))
    refused.extend(_own_namespace(app, appfile, policy, rendered=refused))
    if not refused:
        return app
    refused.sort(key=lambda r: (r.where.line, r.ref))  # as the Appfile reads
    return dataclasses.replace(
        app, objects=tuple(kept), digest=digest(kept), refused=(*app.refused, *refused)
    )


def _own_namespace(
    app: RenderedApp, appfile: Appfile, policy: PolicySettings, *, rendered: list[Refusal]
) -> list[Refusal]:
    """The app's namespace, which sync would create, when the policy's namespaces exclude it.

    Refused as a Namespace object of the app (at the Appfile's top, where ``namespace:``
    is), so sync does not create it and review and status say why.
    """
    ref = ObjectRef("", "Namespace", "", app.namespace)
    verdict = check_namespace(policy, app.namespace)
    if not app.namespace or verdict.allowed or any(r.ref == ref for r in rendered):
        return []
    manifest: Manifest = {"apiVersion": "v1", "kind": "Namespace"}
    manifest["metadata"] = {"name": app.namespace}
    hint = "" if appfile.namespace else "the repository's default namespace"
    where = Diagnostic(appfile.path, verdict.describe(), appfile.line, "namespace", hint=hint)
    return [Refusal(ref, manifest, where)]


def _where(
    appfile: Appfile, obj: Manifest, verdict: Verdict, definitions: Mapping[str, Definition]
) -> Diagnostic:
    """At the service (its trait when a trait produced it), naming the definition's file."""
    own = (obj.get("metadata") or {}).get("labels") or {}
    service_name = str(own.get(labels.COMPONENT, ""))
    trait = str(own.get(labels.TRAIT_TYPE, ""))
    definition_name = trait or str(own.get(labels.WORKLOAD_TYPE, ""))
    service = next((s for s in appfile.services if s.name == service_name), None)
    if service is None:  # finishing labels every object; kept for objects it could not
        return Diagnostic(appfile.path, verdict.describe(), appfile.line, "services")
    key, line = f"services.{service.name}", service.line
    use = next((t for t in service.traits if t.name == trait), None) if trait else None
    if use is not None:
        key, line = f"{key}.{use.name}", use.line or line
    return Diagnostic(
        appfile.path,
        verdict.describe(),
        line,
        key,
        hint=_rendered_by(definition_name, definitions.get(definition_name), trait=bool(trait)),
    )


def _rendered_by(name: str, definition: Definition | None, *, trait: bool) -> str:
    what = f"{'trait' if trait else 'workload type'} {name!r}"
    if definition is None or not definition.path:
        return f"rendered by the built-in {what}"
    at = f"{definition.path}:{definition.line}" if definition.line else definition.path
    return f"rendered by {what} at {at}"
