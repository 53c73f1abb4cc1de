"""The fields each built-in kind declares, read from the ``kubernetes`` client's models.

The client's models are generated from the apiserver's OpenAPI, so their
``openapi_types``/``attribute_map`` say exactly which JSON fields a Go type
has. The apiserver drops fields its Go types do not have while decoding, warns
or refuses them under ``fieldValidation``, and fails a server-side apply that
names one; this module finds them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from vela_emulator.registry import ResourceType

_LIST = re.compile(r"^list\[(.+)\]$", re.IGNORECASE)
_DICT = re.compile(r"^dict\(str, (.+)\)$|^dict\[str, (.+)\]$", re.IGNORECASE)
_SCALARS = frozenset({"str", "int", "bool", "float", "datetime", "date", "object", "bytearray"})
# Model class names that do not follow Version+Kind.
_MODEL_NAMES = {("", "v1", "Event"): "CoreV1Event"}


@lru_cache(maxsize=1024)
def _fields(model: str) -> dict[str, str] | None:
    """JSON field name -> type of a client model class, or None when there is no such class."""
    from kubernetes.client import models  # imported late: only writes to built-in kinds need it

    cls = getattr(models, model, None)
    if cls is None:
        return None
    types: dict[str, str] = cls.openapi_types
    names: dict[str, str] = cls.attribute_map
    return {names[attr]: kind for attr, kind in types.items()}


def model_for(rtype: ResourceType) -> str | None:
    """The client model that describes a built-in kind (None for custom resources)."""
    if rtype.crd:
        return None
    name = _MODEL_NAMES.get(
        (rtype.group, rtype.version, rtype.kind), f"{rtype.version.capitalize()}{rtype.kind}"
    )
    return name if _fields(name) is not None else None


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def unknown_fields(value: Any, kind: str, prefix: str = "") -> list[str]:
    """Paths (``spec.replica``, ``spec.template.spec.containers[0].imagee``) the type does not declare."""
    if kind in _SCALARS:
        return []
    if match := _LIST.match(kind):
        if not isinstance(value, list):
            return []
        return [
            p
            for i, item in enumerate(value)
            for p in unknown_fields(item, match[1], f"{prefix}[{i}]")
        ]
    if match := _DICT.match(kind):
        inner = match[1] or match[2]
        if not isinstance(value, dict):
            return []
        return [p for k, v in value.items() for p in unknown_fields(v, inner, _join(prefix, k))]
    fields = _fields(kind)
    if fields is None or not isinstance(value, dict):
        return []
    found = []
    for key, item in value.items():
        if key not in fields:
            found.append(_join(prefix, key))
        else:
            found.extend(unknown_fields(item, fields[key], _join(prefix, key)))
    return found


def prune(value: Any, kind: str) -> Any:
    """``value`` without the fields its type does not declare (what decoding into Go does)."""
    if kind in _SCALARS:
        return value
    if match := _LIST.match(kind):
        return [prune(item, match[1]) for item in value] if isinstance(value, list) else value
    if match := _DICT.match(kind):
        inner = match[1] or match[2]
        return {k: prune(v, inner) for k, v in value.items()} if isinstance(value, dict) else value
    fields = _fields(kind)
    if fields is None or not isinstance(value, dict):
        return value
    return {k: prune(v, fields[k]) for k, v in value.items() if k in fields}
