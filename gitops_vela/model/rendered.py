"""The result of rendering: manifests per app, or why an app could not render."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import Manifest, ObjectRef


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rendered object the repository's policy keeps from the cluster.

    ``where`` points at the Appfile service that produced it (its hint names the
    definition and its file); its message says which policy key refused it.
    The object stays out of ``RenderedApp.objects``, so nothing plans, applies or
    diffs it; ``manifest`` is kept only to name it in results.
    """

    ref: ObjectRef
    manifest: Manifest
    where: Diagnostic

    @property
    def diagnostic(self) -> Diagnostic:
        """``where`` with the object named, for output that lists problems alone."""
        return replace(self.where, message=f"{self.ref}: {self.where.message}")


@dataclass(frozen=True, slots=True)
class RenderedApp:
    """One Appfile rendered into manifests, in deterministic order.

    ``digest`` is a content hash of ``objects``: equal digests mean equal
    manifests. ``definitions`` names every definition used (for the review
    dependency index). ``health_policies`` maps objects to the Jsonnet
    healthPolicy of the definition that produced them.
    """

    repo: str
    name: str
    namespace: str
    path: str
    objects: tuple[Manifest, ...]
    digest: str
    definitions: frozenset[str] = frozenset()
    health_policies: Mapping[ObjectRef, str] = field(default_factory=dict)
    warnings: tuple[Diagnostic, ...] = ()
    annotations: Mapping[str, str] = field(
        default_factory=dict
    )  # the Appfile's, e.g. recreate opt-in
    labels: Mapping[str, str] = field(default_factory=dict)  # the Appfile's, for ``-l``
    refused: tuple[Refusal, ...] = ()  # objects the repository's policy keeps from the cluster
    environments: tuple[str, ...] = ()  # the environments its Appfile declares

    @property
    def refs(self) -> tuple[ObjectRef, ...]:
        return tuple(ObjectRef.from_manifest(obj) for obj in self.objects)


@dataclass(frozen=True, slots=True)
class AppFailure:
    """An Appfile that could not be loaded or rendered. ``name`` may be unknown ("")."""

    repo: str
    name: str
    path: str
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class RepositoryRender:
    """Everything one repository renders to: good apps, failed apps, catalog problems."""

    apps: tuple[RenderedApp, ...]
    failures: tuple[AppFailure, ...] = ()
    catalog_diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def refusals(self) -> tuple[Diagnostic, ...]:
        """Every policy refusal of every app, each naming its object."""
        return tuple(r.diagnostic for app in self.apps for r in app.refused)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.catalog_diagnostics and not self.refusals
