"""Which definitions differ between two catalogs, and in what.

Definitions are compared by name (what Appfiles refer to) and by ``digest``,
which covers the document, the template and every file it imports. For a
changed definition the ``aspects`` say what differs, naming the imported
files whose content changed, so a change to a shared ``.libsonnet`` reads as
"import definitions/lib.libsonnet" on every definition that pulls it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gitops_vela.model.definitions import Definition
from gitops_vela.review.report import DefinitionStatus
from gitops_vela.review.schemachanges import SchemaChange, classify_schema_change


@dataclass(frozen=True, slots=True)
class DefinitionDelta:
    """One definition at base and at head (``None`` where it does not exist)."""

    name: str
    status: DefinitionStatus
    base: Definition | None
    head: Definition | None
    aspects: tuple[str, ...] = ()
    schema_changes: tuple[SchemaChange, ...] = ()

    @property
    def current(self) -> Definition:
        """The head version, or the base one for a removed definition."""
        found = self.head or self.base
        assert found is not None  # a delta always has at least one side
        return found


def compare_definitions(
    base: Iterable[Definition],
    head: Iterable[Definition],
) -> tuple[DefinitionDelta, ...]:
    """Definitions added, removed or changed, by name."""
    old = {d.name: d for d in base}
    new = {d.name: d for d in head}
    deltas: list[DefinitionDelta] = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before is None and after is not None:
            deltas.append(DefinitionDelta(name, DefinitionStatus.ADDED, None, after))
        elif after is None and before is not None:
            deltas.append(DefinitionDelta(name, DefinitionStatus.REMOVED, before, None))
        elif before is not None and after is not None and before.digest != after.digest:
            deltas.append(_changed(before, after))
    return tuple(deltas)


def _changed(before: Definition, after: Definition) -> DefinitionDelta:
    schema = (
        classify_schema_change(before.parameters, after.parameters)
        if before.parameters != after.parameters
        else ()
    )
    aspects = [
        *_field_aspects(before, after),
        *_import_aspects(before, after),
    ]
    return DefinitionDelta(
        name=after.name,
        status=DefinitionStatus.CHANGED,
        base=before,
        head=after,
        aspects=tuple(aspects) or ("definition document",),
        schema_changes=schema,
    )


_FIELDS: Mapping[str, str] = {
    "kind": "kind",
    "template": "template",
    "parameters": "parameters",
    "health_policy": "healthPolicy",
    "applies_to": "appliesToWorkloads",
    "conflicts_with": "conflictsWith",
    "definition_ref": "definitionRef",
    "origin": "origin",
}


def _field_aspects(before: Definition, after: Definition) -> list[str]:
    return [
        label for attr, label in _FIELDS.items() if getattr(before, attr) != getattr(after, attr)
    ]


def _import_aspects(before: Definition, after: Definition) -> list[str]:
    """Imported files (not the template itself) added, removed or changed."""
    old = {k: v for k, v in before.sources.items() if k != before.entry}
    new = {k: v for k, v in after.sources.items() if k != after.entry}
    aspects = []
    for name in sorted(old.keys() | new.keys()):
        if name.startswith("<builtin>/"):
            continue  # the built-in library ships with the package: the same on both sides
        if name not in old:
            aspects.append(f"import {name} added")
        elif name not in new:
            aspects.append(f"import {name} removed")
        elif old[name] != new[name]:
            aspects.append(f"import {name}")
    return aspects
