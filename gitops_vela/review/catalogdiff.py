"""Which definitions differ between two catalogs, and in what.

Definitions are compared by ref (``name``, or ``name@version`` for each
version of a versioned one: a change inside the version an app pins is a
change to what that app renders) and by ``digest``, which covers the
document, the template and every file it imports. A version replaced by
another of the same major line (``scaler@1.2.0`` -> ``scaler@1.3.0``) is one
change, not a removal and an addition: pins on the major move with it. For a
changed definition the ``aspects`` say what differs, naming the imported
files whose content changed, so a change to a shared ``.libsonnet`` reads as
"import definitions/lib.libsonnet" on every definition that pulls it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    """Definition versions added, removed or changed, by ref."""
    old = {d.ref: d for d in base}
    new = {d.ref: d for d in head}
    deltas: list[DefinitionDelta] = []
    added = [new[r] for r in sorted(new.keys() - old.keys())]
    removed = [old[r] for r in sorted(old.keys() - new.keys())]
    for before, after in _bumps(removed, added):
        deltas.append(_changed(before, after))
        added.remove(after)
        removed.remove(before)
    deltas.extend(DefinitionDelta(d.ref, DefinitionStatus.ADDED, None, d) for d in added)
    deltas.extend(DefinitionDelta(d.ref, DefinitionStatus.REMOVED, d, None) for d in removed)
    for ref in sorted(old.keys() & new.keys()):
        if old[ref].digest != new[ref].digest:
            deltas.append(_changed(old[ref], new[ref]))
    return tuple(sorted(deltas, key=lambda d: d.name))


def _bumps(
    removed: Sequence[Definition], added: Sequence[Definition]
) -> list[tuple[Definition, Definition]]:
    """Pairs of one removed and one added version of a name in the same major line."""

    def line(d: Definition) -> tuple[str, str]:
        return d.name, d.version.partition(".")[0]

    gone: dict[tuple[str, str], list[Definition]] = {}
    came: dict[tuple[str, str], list[Definition]] = {}
    for d in removed:
        gone.setdefault(line(d), []).append(d)
    for d in added:
        came.setdefault(line(d), []).append(d)
    return [
        (gone[key][0], came[key][0])
        for key in sorted(gone.keys() & came.keys())
        if key[1] and len(gone[key]) == len(came[key]) == 1
    ]


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
        name=after.ref,
        status=DefinitionStatus.CHANGED,
        base=before,
        head=after,
        aspects=tuple(aspects) or ("definition document",),
        schema_changes=schema,
    )


_FIELDS: Mapping[str, str] = {
    "version": "version {before} -> {after}",
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
        label.format(before=getattr(before, attr), after=getattr(after, attr))
        for attr, label in _FIELDS.items()
        if getattr(before, attr) != getattr(after, attr)
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
