"""What ``defs list`` / ``defs show`` print: definitions and their parameters as rows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gitops_vela.model.definitions import Definition


@dataclass(frozen=True)
class ParameterRow:
    """One parameter: dotted name (``rules[].path`` for array items), type, required, default."""

    name: str
    type: str
    required: bool
    default: str
    description: str


def origin_text(definition: Definition) -> str:
    """Where a definition comes from, saying when it replaces a built-in."""
    if definition.overrides_builtin:
        return f"{definition.origin} (overrides built-in)"
    return definition.origin


def applies_text(definition: Definition) -> str:
    return ", ".join(definition.applies_to) if definition.is_trait else "-"


def parameter_rows(schema: Mapping[str, Any], prefix: str = "") -> Iterator[ParameterRow]:
    """Every property of an object schema, depth first, nested objects and array items included."""
    required = set(schema.get("required") or [])
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict):
            continue
        full = f"{prefix}{name}"
        yield ParameterRow(
            name=full,
            type=_type(sub),
            required=name in required,
            default=json.dumps(sub["default"]) if "default" in sub else "",
            description=str(sub.get("description", "")).strip().splitlines()[0]
            if sub.get("description")
            else "",
        )
        yield from parameter_rows(sub, prefix=f"{full}.")
        items = sub.get("items")
        if isinstance(items, dict):
            yield from parameter_rows(items, prefix=f"{full}[].")


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(str(k) for k in kind)
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {_type(schema['items'])}"
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    for combinator in ("oneOf", "anyOf"):
        if isinstance(schema.get(combinator), list):
            return " | ".join(_type(s) for s in schema[combinator] if isinstance(s, dict))
    return str(kind or "any")
