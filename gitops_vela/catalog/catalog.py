"""The set of definitions an app can use, and the checks that span definitions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping

from gitops_vela.model.definitions import Definition, DefinitionKind
from gitops_vela.model.diagnostics import Diagnostic


class Catalog:
    """Definitions by name, each name with one or more versions, plus what was wrong loading them.

    ``get(name)`` is the newest version (what an unpinned Appfile uses);
    ``resolve(name, pin)`` the newest matching a pin (``1``, ``2.1``);
    ``version(ref)`` one exact version. Iterating yields the newest version
    of each name; ``every`` yields all versions, for renders and reviews that
    must tell them apart. ``broken`` maps the name of a definition that
    failed to load to its first problem, so an app using it can say why
    rather than "unknown type".
    """

    def __init__(
        self,
        definitions: Mapping[str, Definition] | Iterable[Definition],
        *,
        diagnostics: tuple[Diagnostic, ...] = (),
        broken: Mapping[str, Diagnostic] | None = None,
    ) -> None:
        found = definitions.values() if isinstance(definitions, Mapping) else definitions
        self._by_ref = {d.ref: d for d in sorted(found, key=lambda d: d.ref)}
        versions: dict[str, list[Definition]] = {}
        for definition in self._by_ref.values():
            versions.setdefault(definition.name, []).append(definition)
        self._versions = {
            name: tuple(sorted(same, key=lambda d: version_key(d.version), reverse=True))
            for name, same in sorted(versions.items())
        }
        self.diagnostics = diagnostics
        self.broken: Mapping[str, Diagnostic] = dict(broken or {})
        digest = hashlib.sha256()
        for ref, definition in self._by_ref.items():
            digest.update(f"{ref}\0{definition.digest}\0{definition.origin}\n".encode())
        self.digest = digest.hexdigest()

    def get(self, name: str) -> Definition | None:
        """The newest version of ``name``."""
        found = self._versions.get(name)
        return found[0] if found else None

    def versions(self, name: str) -> tuple[Definition, ...]:
        """Every version of ``name``, newest first."""
        return self._versions.get(name, ())

    def version(self, ref: str) -> Definition | None:
        """One exact version, by ref (``name`` or ``name@MAJOR.MINOR.PATCH``)."""
        return self._by_ref.get(ref)

    def resolve(self, name: str, pin: str = "") -> Definition | None:
        """The newest version of ``name`` that ``pin`` (``""``, ``1``, ``2.1``, ``2.1.3``) admits."""
        return next((d for d in self.versions(name) if pin_admits(pin, d.version)), None)

    def __iter__(self) -> Iterator[Definition]:
        return (same[0] for same in self._versions.values())

    def __len__(self) -> int:
        return len(self._versions)

    @property
    def every(self) -> tuple[Definition, ...]:
        """All versions of all definitions, by ref."""
        return tuple(self._by_ref.values())

    @property
    def workloads(self) -> tuple[Definition, ...]:
        return tuple(d for d in self if d.kind is DefinitionKind.WORKLOAD)

    @property
    def traits(self) -> tuple[Definition, ...]:
        return tuple(d for d in self if d.kind is DefinitionKind.TRAIT)

    def trait(self, name: str) -> Definition | None:
        found = self.get(name)
        return found if found is not None and found.is_trait else None


_PIN = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)){0,2}$")


def parse_pin(text: str) -> tuple[str, str] | None:
    """``"scaler@2.1"`` -> ``("scaler", "2.1")``; ``"scaler"`` -> ``("scaler", "")``; ``None``
    when what follows ``@`` is not MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH."""
    name, at, pin = text.partition("@")
    if not at:
        return name, ""
    return (name, pin) if _PIN.match(pin) else None


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a ``spec.version``: numeric, and no version sorts below every version."""
    return tuple(int(part) for part in version.split(".")) if version else (-1,)


def pin_admits(pin: str, version: str) -> bool:
    """Whether a version matches a pin: ``1`` admits 1.x.y, ``2.1`` admits 2.1.y; no pin
    admits anything. A pinned use never matches a definition without a version."""
    if not pin:
        return True
    if not version:
        return False
    return version_key(version)[: pin.count(".") + 1] == version_key(pin)


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


def check_catalog(definitions: Iterable[Definition]) -> list[Diagnostic]:
    """Problems between definitions: a trait named like a parameter of a workload it applies to."""
    problems: list[Diagnostic] = []
    every = list(definitions)
    workloads = [d for d in every if d.kind is DefinitionKind.WORKLOAD]
    for trait in (d for d in every if d.is_trait):
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
