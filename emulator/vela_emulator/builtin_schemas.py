"""The fields each built-in kind declares, read from the Kubernetes OpenAPI.

The same definitions :mod:`.decoding` checks types against (the JSON schemas
``kubernetes-validate`` ships for the release the emulator reports) say which
JSON fields a Go type has. The apiserver drops fields its Go types do not have
while decoding, warns or refuses them under ``fieldValidation``, and fails a
server-side apply that names one; this module finds them.
"""

from __future__ import annotations

from typing import Any

from vela_emulator import decoding
from vela_emulator.registry import ResourceType

Schema = dict[str, Any]


def model_for(rtype: ResourceType) -> str | None:
    """The OpenAPI definition that describes a built-in kind (None for custom resources)."""
    return decoding.definition_for(rtype)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _resolve(node: Schema) -> Schema:
    """A node with its ``$ref`` followed (definitions are objects, maps, lists or scalars)."""
    ref = node.get("$ref")
    if not ref:
        return node
    found = _RESOLVED.get(ref)
    if found is None:
        found = _RESOLVED[ref] = decoding.definitions().get(str(ref).rsplit("/", 1)[1]) or {}
    return found


_RESOLVED: dict[str, Schema] = {}


def _walk_unknown(value: Any, node: Schema, prefix: str, found: list[str]) -> None:
    node = _resolve(node)
    if isinstance(value, list):
        items = node.get("items")
        if isinstance(items, dict):
            for i, item in enumerate(value):
                _walk_unknown(item, items, f"{prefix}[{i}]", found)
        return
    if not isinstance(value, dict):
        return
    props = node.get("properties")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        for key, item in value.items():
            if isinstance(item, dict | list):
                _walk_unknown(item, extra, _join(prefix, key), found)
    if not isinstance(props, dict):
        return  # a map, or free-form JSON: every key is allowed
    for key, item in value.items():
        if key not in props:
            found.append(_join(prefix, key))
        elif isinstance(item, dict | list):  # scalars declare nothing further
            _walk_unknown(item, props[key], _join(prefix, key), found)


def unknown_fields(value: Any, kind: str, prefix: str = "") -> list[str]:
    """Paths (``spec.replica``, ``spec.template.spec.containers[0].imagee``) the type does not declare."""
    found: list[str] = []
    _walk_unknown(value, {"$ref": f"#/$defs/{kind}"}, prefix, found)
    return found


def _pruned(value: Any, node: Schema) -> Any:
    node = _resolve(node)
    if isinstance(value, list):
        items = node.get("items")
        return [_pruned(v, items) for v in value] if isinstance(items, dict) else value
    if not isinstance(value, dict):
        return value
    props = node.get("properties")
    extra = node.get("additionalProperties")
    if isinstance(props, dict):
        return {
            k: _pruned(v, props[k]) if isinstance(v, dict | list) else v
            for k, v in value.items()
            if k in props
        }
    if isinstance(extra, dict):
        return {k: _pruned(v, extra) if isinstance(v, dict | list) else v for k, v in value.items()}
    return value


def prune(value: Any, kind: str) -> Any:
    """``value`` without the fields its type does not declare (what decoding into Go does)."""
    return _pruned(value, {"$ref": f"#/$defs/{kind}"})
