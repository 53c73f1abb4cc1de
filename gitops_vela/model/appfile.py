"""An Appfile (DESIGN §3) as plain data, after loading and checking."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitops_vela.model.definitions import definition_ref
from gitops_vela.model.diagnostics import Diagnostic

DEFAULT_WORKLOAD = "webservice"
# Where a repository's Appfiles are found (relative to its root; configurable per repository).
DEFAULT_APP_GLOBS = ("**/vela.yaml", "apps/**/*.yaml")


@dataclass(frozen=True, slots=True)
class TraitUse:
    """A trait on a service, with its parameters (defaults filled in)."""

    name: str
    parameters: Mapping[str, Any]
    line: int = 0
    version: str = ""  # the definition version it resolved to; "" for an unversioned one

    @property
    def ref(self) -> str:
        return definition_ref(self.name, self.version)


@dataclass(frozen=True, slots=True)
class Service:
    """One service: a workload type with its parameters, and traits in written order."""

    name: str
    type: str
    parameters: Mapping[str, Any]
    traits: tuple[TraitUse, ...] = ()
    line: int = 0
    version: str = ""  # the workload definition version it resolved to; "" for unversioned

    @property
    def ref(self) -> str:
        return definition_ref(self.type, self.version)


@dataclass(frozen=True, slots=True)
class Appfile:
    """One app. ``namespace`` is "" when the Appfile names none (the repository's default applies).

    ``path`` is relative to the repository root; ``warnings`` are things the
    app can live with (e.g. an ignored ``build`` block); ``annotations`` are the
    Appfile's own, read by the sync (``gitops-vela.dev/recreate: enabled``).
    Its values are those of ``environment`` (see ``render.environments``).
    """

    name: str
    path: str
    services: tuple[Service, ...]
    namespace: str = ""
    line: int = 1
    warnings: tuple[Diagnostic, ...] = field(default=())
    annotations: Mapping[str, str] = field(default_factory=dict)  # e.g. the recreate opt-in
    labels: Mapping[str, str] = field(default_factory=dict)  # for selecting apps (``-l``)
    environment: str = ""  # the environment it was merged for ("" = the base alone)
    environments: tuple[str, ...] = ()  # every environment it declares (blocks and overlays)

    @property
    def definitions(self) -> frozenset[str]:
        """Refs (``name`` or ``name@version``) of every definition version the app uses."""
        refs = {s.ref for s in self.services}
        refs.update(t.ref for s in self.services for t in s.traits)
        return frozenset(refs)
