"""Capability definitions (DESIGN §4) as plain data."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class DefinitionKind(enum.StrEnum):
    WORKLOAD = "WorkloadDefinition"
    TRAIT = "TraitDefinition"


@dataclass(frozen=True, slots=True)
class Definition:
    """One WorkloadDefinition or TraitDefinition, loaded and checked.

    ``template`` is the Jsonnet source; ``template_path`` is where it lives
    (repo-relative), the base for its relative imports. ``root`` is the
    directory imports may not escape. ``digest`` covers the document, the
    template and everything it imports, so caches and the review dependency
    index can key on it.
    """

    kind: DefinitionKind
    name: str
    template: str
    template_path: str
    root: str
    digest: str
    origin: str = "builtin"  # "builtin", the repository's name, or "center:<name>"
    path: str = ""  # the YAML document's file, repo-relative
    line: int = 0
    description: str = ""
    # The ``gitops-vela.dev/example`` annotation: services of an Appfile using the
    # definition, which ``defs test`` renders; ``example_line`` is where it starts.
    example: str = ""
    example_line: int = 0
    applies_to: tuple[str, ...] = ("*",)
    conflicts_with: tuple[str, ...] = ()
    definition_ref: str = ""  # "<plural>.<group>" e.g. "deployments.apps"
    parameters: Mapping[str, Any] = field(default_factory=dict)  # JSON Schema
    health_policy: str | None = None  # Jsonnet: function(object) {healthy, message}
    imports: tuple[str, ...] = ()  # files the template imports (repo-relative or "builtin:")
    overrides_builtin: bool = False
    version: str = ""  # spec.version, "MAJOR.MINOR.PATCH"; "" when the definition declares none
    # The template and everything it imports, as the Jsonnet engine sees them:
    # "found path" -> source. Found paths are repo-relative for a repository's
    # definitions, "<builtin>/..." for the built-in library, "<center:NAME>/..."
    # for a capability center. ``entry`` is the template's own found path.
    entry: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_trait(self) -> bool:
        return self.kind is DefinitionKind.TRAIT

    @property
    def ref(self) -> str:
        """``name@version``, or the name alone for a definition without a version: one
        version of one definition, as renders and reviews tell versions apart."""
        return definition_ref(self.name, self.version)


def definition_ref(name: str, version: str) -> str:
    return f"{name}@{version}" if version else name


def ref_name(ref: str) -> str:
    """The definition name of a ref (``scaler@2.1.0`` -> ``scaler``)."""
    return ref.partition("@")[0]
