"""Custom resources checked against their CRD's structural schema, as apiextensions does.

Runs after pruning and defaulting (``crds.prune_and_default``), on create,
update, patch and apply. The value rules of the schema (``type``, ``enum``,
``minimum``/``maximum``, lengths, item counts, ``pattern``, ``required``,
``format``) are worded as kube-openapi's validator words them and converted to
field errors the way ``apiextensions-apiserver``'s ``validation`` package
converts them (``spec.replicas: Invalid value: "string": spec.replicas in body
must be of type integer: "string"``); ``x-kubernetes-validations`` CEL rules
are :mod:`.celrules`' job.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Any

from vela_emulator import fielderrors
from vela_emulator.fielderrors import Cause

Schema = dict[str, Any]
_ROOT_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


def json_type(value: Any) -> str:
    """The JSON schema type of a decoded value (kube-openapi's schemaInfoForType)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _type_fits(value: Any, wanted: str) -> bool:
    actual = json_type(value)
    if actual == wanted:
        return True
    if wanted == "number" and actual == "integer":
        return True
    return wanted == "integer" and actual == "number" and float(value).is_integer()


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def causes(obj: Any, schema: Schema | None) -> list[Cause]:
    """Every schema violation of a custom resource (root fields are the apiserver's own)."""
    if not isinstance(schema, dict) or not isinstance(obj, dict):
        return []
    body = {k: v for k, v in obj.items() if k not in _ROOT_FIELDS}
    return _value(body, {**schema, "required": _without_root(schema.get("required"))}, "")


def _without_root(required: Any) -> list[str]:
    return [r for r in required or () if r not in _ROOT_FIELDS]


def _value(value: Any, schema: Schema, path: str) -> list[Cause]:
    if value is None:
        return []  # nullable or pruned: null is never a type error once stored
    wanted = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, str) and json_type(value) != "integer":
            return [_type_error(path, "integer,string", json_type(value))]
    elif wanted and not _type_fits(value, str(wanted)):
        return [_type_error(path, str(wanted), json_type(value))]
    found = _scalar(value, schema, path)
    if isinstance(value, dict):
        found.extend(_object(value, schema, path))
    elif isinstance(value, list):
        found.extend(_array(value, schema, path))
    return found


def _type_error(path: str, wanted: str, actual: str) -> Cause:
    detail = f"{path} in body must be of type {wanted}: {json.dumps(actual)}"
    return (path, "FieldValueTypeInvalid", f"Invalid value: {json.dumps(actual)}: {detail}")


def _object(value: Schema, schema: Schema, path: str) -> list[Cause]:
    found = []
    for name in schema.get("required") or ():
        if name not in value:
            found.append(fielderrors.required(_join(path, name)))
    props: Schema = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        sub = props.get(key, extra if isinstance(extra, dict) else None)
        if isinstance(sub, dict):
            found.extend(_value(item, sub, _join(path, key)))
    count = len(value)
    if "maxProperties" in schema and count > schema["maxProperties"]:
        found.append(_too_many(path, count, schema["maxProperties"]))
    if "minProperties" in schema and count < schema["minProperties"]:
        detail = f"{path} in body should have at least {schema['minProperties']} properties"
        found.append(fielderrors.invalid(path, count, detail))
    return found


def _too_many(path: str, count: int, limit: int) -> Cause:
    return (path, "FieldValueTooMany", f"Too many: {count}: must have at most {limit} items")


def _array(value: list[Any], schema: Schema, path: str) -> list[Cause]:
    found = []
    count = len(value)
    if "maxItems" in schema and count > schema["maxItems"]:
        found.append(_too_many(path, count, schema["maxItems"]))
    if "minItems" in schema and count < schema["minItems"]:
        detail = f"{path} in body should have at least {schema['minItems']} items"
        found.append(fielderrors.invalid(path, count, detail))
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(value):
            found.extend(_value(item, items, f"{path}[{i}]"))
    return found


def _number(limit: Any) -> str:
    return str(int(limit)) if isinstance(limit, float) and limit.is_integer() else str(limit)


def _scalar(value: Any, schema: Schema, path: str) -> list[Cause]:
    found: list[Cause] = []
    if "enum" in schema and value not in schema["enum"]:
        choices = [e if isinstance(e, str) else json.dumps(e) for e in schema["enum"]]
        found.append(fielderrors.not_supported(path, value, choices))
    if isinstance(value, int | float) and not isinstance(value, bool):
        found.extend(_bounds(value, schema, path))
    if isinstance(value, str):
        found.extend(_string(value, schema, path))
    return found


def _bounds(value: float, schema: Schema, path: str) -> list[Cause]:
    found = []
    if "minimum" in schema:
        low = schema["minimum"]
        exclusive = bool(schema.get("exclusiveMinimum"))
        if value < low or (exclusive and value == low):
            words = "greater than" if exclusive else "greater than or equal to"
            detail = f"{path} in body should be {words} {_number(low)}"
            found.append(fielderrors.invalid(path, value, detail))
    if "maximum" in schema:
        high = schema["maximum"]
        exclusive = bool(schema.get("exclusiveMaximum"))
        if value > high or (exclusive and value == high):
            words = "less than" if exclusive else "less than or equal to"
            detail = f"{path} in body should be {words} {_number(high)}"
            found.append(fielderrors.invalid(path, value, detail))
    step = schema.get("multipleOf")
    if step and (value / step) != int(value / step):
        detail = f"{path} in body should be a multiple of {_number(step)}"
        found.append(fielderrors.invalid(path, value, detail))
    return found


def _string(value: str, schema: Schema, path: str) -> list[Cause]:
    found = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        message = f"Too long: may not be longer than {schema['maxLength']}"
        found.append((path, "FieldValueTooLong", message))
    if "minLength" in schema and len(value) < schema["minLength"]:
        detail = f"{path} in body should be at least {schema['minLength']} chars long"
        found.append(fielderrors.invalid(path, value, detail))
    pattern = schema.get("pattern")
    if pattern and not _compiled(pattern).search(value):
        detail = f"{path} in body should match '{pattern}'"
        found.append(fielderrors.invalid(path, value, detail))
    kind = schema.get("format")
    if kind in _FORMATS and not _FORMATS[kind](value):
        detail = f"{path} in body must be of type {kind}: {json.dumps(value)}"
        found.append(
            (path, "FieldValueTypeInvalid", f"Invalid value: {json.dumps(value)}: {detail}")
        )
    return found


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text or " " in text


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOSTNAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", re.I)
_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
# The formats apiextensions accepts and checks (a subset of kube-openapi's registry).
_FORMATS: dict[str, Callable[[str], bool]] = {
    "uuid": _is_uuid,
    "date-time": _is_datetime,
    "email": lambda s: bool(_EMAIL.match(s)),
    "hostname": lambda s: bool(_HOSTNAME.match(s)) and len(s) <= 253,
    "ipv4": lambda s: bool(_IPV4.match(s)),
}
