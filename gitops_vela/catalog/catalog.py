"""The set of definitions an app can use, and the checks that span definitions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping

from gitops_vela.model.definitions import Definition, DefinitionKind
from gitops_vela.model.diagnostics import Diagnostic


class Catalog:
    """Definitions by name (one name, one definition), plus what was wrong loading them.

    ``broken`` maps the name of a definition that failed to load to its first
    problem, so an app using it can say why rather than "unknown type".
    """

    def __init__(
        self,
        definitions: Mapping[str, Definition],
        *,
        diagnostics: tuple[Diagnostic, ...] = (),
        broken: Mapping[str, Diagnostic] | None = None,
    ) -> None:
        self._by_name = dict(sorted(definitions.items()))
        self.diagnostics = diagnostics
        self.broken: Mapping[str, Diagnostic] = dict(broken or {})
        digest = hashlib.sha256()
        for name, definition in self._by_name.items():
            digest.update(f"{name}\0{definition.digest}\0{definition.origin}\n".encode())
        self.digest = digest.hexdigest()

    def get(self, name: str) -> Definition | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[Definition]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)

    @property
    def workloads(self) -> tuple[Definition, ...]:
        return tuple(d for d in self if d.kind is DefinitionKind.WORKLOAD)

    @property
    def traits(self) -> tuple[Definition, ...]:
        return tuple(d for d in self if d.kind is DefinitionKind.TRAIT)

    def trait(self, name: str) -> Definition | None:
        found = self.get(name)
        return found if found is not None and found.is_trait else None


def applies_to(trait: Definition, workload: Definition) -> bool:
    """Whether ``trait`` may be used on ``workload`` (names, ``*``, ``*.<group>``, ``<plural>.<group>``)."""
    ref = workload.definition_ref
    group = ref.partition(".")[2]
    for pattern in trait.applies_to:
        if pattern in ("*", workload.name):
            return True
        if ref and pattern == ref:
            return True
        if pattern.startswith("*.") and group and pattern[2:] == group:
            return True
    return False


def check_catalog(definitions: Mapping[str, Definition]) -> list[Diagnostic]:
    """Problems between definitions: a trait named like a parameter of a workload it applies to."""
    problems: list[Diagnostic] = []
    workloads = [d for d in definitions.values() if d.kind is DefinitionKind.WORKLOAD]
    for trait in (d for d in definitions.values() if d.is_trait):
        for workload in workloads:
            properties = workload.parameters.get("properties") or {}
            if trait.name in properties and applies_to(trait, workload):
                problems.append(_clash(trait, workload))
    return problems


def _clash(trait: Definition, workload: Definition) -> Diagnostic:
    """Blame the definition a person can change: the repository's rather than a built-in."""
    message = (
        f"trait {trait.name!r} applies to workload {workload.name!r}, which has a parameter "
        f"of the same name: an Appfile key {trait.name!r} would be ambiguous"
    )
    hint = "rename the parameter or narrow the trait's appliesToWorkloads"
    blamed = workload if trait.origin == "builtin" and workload.origin != "builtin" else trait
    return Diagnostic(blamed.path, message, blamed.line, hint=hint)
