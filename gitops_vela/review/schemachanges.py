"""Classify a definition's parameter-schema change as breaking or compatible.

A change is **breaking** when a value some Appfile may already hold stops
being accepted, or silently loses meaning: a new required parameter (without a
default), a removed parameter, a narrowed ``type`` or ``enum``, a removed
default, a tightened bound or pattern, ``additionalProperties`` turned off.
Everything else (a new optional parameter, a widened type, a new default, a
parameter no longer required) is **compatible**.

Pure functions over two JSON Schemas (the draft 2020-12 subset definitions use);
parameter paths read as users write them: ``port``, ``resources.cpu``,
``ports[].name``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Schema = Mapping[str, Any]


class Severity(enum.StrEnum):
    BREAKING = "breaking"
    COMPATIBLE = "compatible"


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between two parameter schemas, at a parameter path."""

    path: str  # "" for the parameter object itself
    severity: Severity
    message: str

    @property
    def breaking(self) -> bool:
        return self.severity is Severity.BREAKING

    def __str__(self) -> str:
        where = self.path or "(parameters)"
        return f"{where}: {self.message}"


def classify_schema_change(old: Schema, new: Schema) -> tuple[SchemaChange, ...]:
    """Every difference between ``old`` and ``new``, breaking ones first."""
    changes = list(_compare(old or {}, new or {}, ""))
    return tuple(sorted(changes, key=lambda c: (not c.breaking, c.path, c.message)))


def is_breaking(changes: tuple[SchemaChange, ...]) -> bool:
    return any(c.breaking for c in changes)


def _compare(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    yield from _types(old, new, path)
    yield from _enums(old, new, path)
    yield from _defaults(old, new, path)
    yield from _bounds(old, new, path)
    yield from _properties(old, new, path)
    yield from _additional(old, new, path)
    old_items, new_items = old.get("items"), new.get("items")
    if isinstance(old_items, Mapping) and isinstance(new_items, Mapping):
        yield from _compare(old_items, new_items, f"{path}[]")


def _breaking(path: str, message: str) -> SchemaChange:
    return SchemaChange(path, Severity.BREAKING, message)


def _compatible(path: str, message: str) -> SchemaChange:
    return SchemaChange(path, Severity.COMPATIBLE, message)


# -- type and enum -----------------------------------------------------------


def _type_set(schema: Schema) -> frozenset[str] | None:
    """The accepted JSON types, ``None`` meaning any. ``integer`` is a ``number``."""
    declared = schema.get("type")
    if declared is None:
        return None
    names = {declared} if isinstance(declared, str) else set(declared)
    return frozenset(names)


def _accepts(types: frozenset[str] | None, name: str) -> bool:
    if types is None:
        return True
    return name in types or (name == "integer" and "number" in types)


def _types(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    before, after = _type_set(old), _type_set(new)
    if before == after:
        return
    shown = f"{_show_types(before)} -> {_show_types(after)}"
    lost = (
        after is not None if before is None else any(not _accepts(after, name) for name in before)
    )
    if lost:
        yield _breaking(path, f"type narrowed: {shown}")
    else:
        yield _compatible(path, f"type widened: {shown}")


def _show_types(types: frozenset[str] | None) -> str:
    return "any" if types is None else "|".join(sorted(types))


def _enums(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    before, after = old.get("enum"), new.get("enum")
    if before == after:
        return
    if after is None:
        yield _compatible(path, "enum removed: any value accepted")
        return
    if before is None:
        yield _breaking(path, f"enum added: only {_show_values(after)} accepted")
        return
    dropped = [v for v in before if v not in after]
    added = [v for v in after if v not in before]
    if dropped:
        yield _breaking(path, f"enum narrowed: {_show_values(dropped)} no longer accepted")
    if added:
        yield _compatible(path, f"enum widened: {_show_values(added)} now accepted")


def _show_values(values: Any) -> str:
    return ", ".join(repr(v) for v in values)


# -- defaults ----------------------------------------------------------------

_MISSING = object()


def _defaults(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    before, after = old.get("default", _MISSING), new.get("default", _MISSING)
    if before == after:
        return
    if after is _MISSING:
        yield _breaking(path, f"default {before!r} removed")
    elif before is _MISSING:
        yield _compatible(path, f"default {after!r} added")
    else:
        # Accepted values stay accepted, but apps relying on the default render differently.
        yield _compatible(path, f"default changed: {before!r} -> {after!r}")


# -- bounds and patterns -----------------------------------------------------

# keyword -> True when a larger value is stricter (a lower bound), False for an upper bound
_BOUNDS = {
    "minimum": True,
    "exclusiveMinimum": True,
    "minLength": True,
    "minItems": True,
    "minProperties": True,
    "maximum": False,
    "exclusiveMaximum": False,
    "maxLength": False,
    "maxItems": False,
    "maxProperties": False,
}


def _bounds(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    for keyword, lower in _BOUNDS.items():
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            continue
        tighter = (
            after is not None
            if before is None
            else after is not None and (after > before if lower else after < before)
        )
        shown = f"{keyword} {_show_bound(before)} -> {_show_bound(after)}"
        yield _breaking(path, f"{shown} (tighter)") if tighter else _compatible(path, shown)
    if old.get("pattern") != new.get("pattern"):
        if new.get("pattern") is None:
            yield _compatible(path, "pattern removed")
        else:
            yield _breaking(path, f"pattern now {new['pattern']!r}")
    if old.get("format") != new.get("format") and new.get("format") is not None:
        yield _breaking(path, f"format now {new['format']!r}")


def _show_bound(value: Any) -> str:
    return "none" if value is None else str(value)


# -- object properties -------------------------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _properties(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    before = old.get("properties") or {}
    after = new.get("properties") or {}
    for name in sorted(before.keys() - after.keys()):
        if _accepts_unknown(new):
            yield _breaking(_join(path, name), "parameter removed (no longer documented)")
        else:
            yield _breaking(_join(path, name), "parameter removed")
    now_required = set(new.get("required") or ()) - set(old.get("required") or ())
    for name in sorted(after.keys() - before.keys() - now_required):
        yield _compatible(_join(path, name), "parameter added")
    for name in sorted(before.keys() & after.keys()):
        yield from _compare(before[name] or {}, after[name] or {}, _join(path, name))
    yield from _required(old, new, path, after)


def _required(
    old: Schema, new: Schema, path: str, props: Mapping[str, Any]
) -> Iterator[SchemaChange]:
    before = set(old.get("required") or ())
    after = set(new.get("required") or ())
    for name in sorted(after - before):
        has_default = isinstance(props.get(name), Mapping) and "default" in props[name]
        if has_default:
            yield _compatible(_join(path, name), "now required (has a default)")
        else:
            yield _breaking(_join(path, name), "new required parameter")
    for name in sorted(before - after):
        yield _compatible(_join(path, name), "no longer required")


def _accepts_unknown(schema: Schema) -> bool:
    return schema.get("additionalProperties", True) is not False


def _additional(old: Schema, new: Schema, path: str) -> Iterator[SchemaChange]:
    before, after = old.get("additionalProperties", True), new.get("additionalProperties", True)
    if before == after:
        return
    if after is False:
        yield _breaking(path, "additionalProperties now false: unknown keys rejected")
    elif before is False:
        yield _compatible(path, "additionalProperties allowed")
    elif isinstance(before, Mapping) and isinstance(after, Mapping):
        yield from _compare(before, after, f"{path}.*" if path else "*")
