"""OpenAPI documents built from the real Kubernetes definitions.

The definitions are the release's own (``kubernetes-validate``'s JSON schemas,
loaded once by :func:`vela_emulator.decoding.definitions`): descriptions,
formats, defaults, list types and merge keys, so ``kubectl explain
deployment.spec.replicas`` and strategic merges see what a cluster serves.
They are written as JSON Schema; OpenAPI wants single types, its own ``$ref``
prefix, and int-or-string / quantity as ``type: string`` with a format.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from vela_emulator import decoding
from vela_emulator.registry import ResourceType

Schema = dict[str, Any]
V2_REFS = "#/definitions/"
V3_REFS = "#/components/schemas/"
_JSON_REFS = "#/$defs/"


def _one_of(options: list[Any]) -> Schema:
    types = {t for o in options if isinstance(o, dict) for t in _types(o.get("type"))}
    if types == {"string", "integer"}:
        return {"type": "string", "format": "int-or-string"}
    return {"type": "string"} if "string" in types else {}


def _types(value: Any) -> list[str]:
    if isinstance(value, list):
        return [t for t in value if t != "null"]
    return [value] if isinstance(value, str) else []


def convert(schema: Any, prefix: str) -> Any:
    """A JSON Schema fragment as OpenAPI writes it, ``$ref``s under ``prefix``."""
    if isinstance(schema, list):
        return [convert(item, prefix) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "oneOf" in schema and "type" not in schema:
        rest = {k: v for k, v in schema.items() if k != "oneOf"}
        return {**convert(rest, prefix), **_one_of(schema["oneOf"])}
    out: Schema = {}
    for key, value in schema.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = prefix + value.removeprefix(_JSON_REFS)
        elif key == "type" and isinstance(value, list):
            kinds = _types(value)
            if kinds:
                out[key] = kinds[0]
        elif key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: convert(v, prefix) for name, v in value.items()}
        elif key == "enum" and isinstance(value, list):
            out[key] = [v for v in value if v is not None]
        else:
            out[key] = convert(value, prefix)
    return out


def _refs(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_JSON_REFS):
            found.add(ref.removeprefix(_JSON_REFS))
        for value in schema.values():
            _refs(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _refs(value, found)


@lru_cache(maxsize=256)
def closure(name: str) -> frozenset[str]:
    """``name`` and every definition it refers to, transitively."""
    definitions = decoding.definitions()
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        found: set[str] = set()
        _refs(definitions[current], found)
        todo.extend(found - seen)
    return frozenset(seen)


def components(rtype: ResourceType) -> tuple[str, dict[str, Schema]] | None:
    """(definition name, v3 component schemas) of a built-in kind; None for others."""
    name = decoding.definition_for(rtype)
    if name is None:
        return None
    return name, _v3(name)


@lru_cache(maxsize=256)
def _v3(name: str) -> dict[str, Schema]:
    """Shared between answers: callers copy the dict, never change the schemas."""
    definitions = decoding.definitions()
    return {n: convert(definitions[n], V3_REFS) for n in sorted(closure(name))}


@lru_cache(maxsize=1)
def swagger() -> Schema:
    """``/openapi/v2``: every definition of the release (paths are not listed)."""
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": f"v{decoding.KUBERNETES_VERSION}"},
        "paths": {},
        "definitions": {
            name: convert(schema, V2_REFS) for name, schema in decoding.definitions().items()
        },
    }
