"""Decode the protobuf request bodies kubectl's typed clients send.

kubectl 1.32 writes some built-in objects as ``application/vnd.kubernetes.protobuf``
(``kubectl create namespace|configmap|secret|serviceaccount``). This reads
the envelope (``k8s\\x00`` + ``runtime.Unknown``) and the few message types
those commands send, by their field numbers in ``k8s.io/api/*/generated.proto``.
Other kinds answer 415 and clients fall back to JSON-only paths (dynamic client).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

MAGIC = b"k8s\x00"
CONTENT_TYPE = "application/vnd.kubernetes.protobuf"

# field number -> (json name, type, repeated); type is a scalar name, "map:<scalar>" or a schema
Schema = dict[int, tuple[str, Any, bool]]

_TIME: Schema = {1: ("seconds", "int", False), 2: ("nanos", "int", False)}
_OWNER: Schema = {
    1: ("kind", "string", False),
    3: ("name", "string", False),
    4: ("uid", "string", False),
    5: ("apiVersion", "string", False),
    6: ("controller", "bool", False),
    7: ("blockOwnerDeletion", "bool", False),
}
_META: Schema = {
    1: ("name", "string", False),
    2: ("generateName", "string", False),
    3: ("namespace", "string", False),
    5: ("uid", "string", False),
    6: ("resourceVersion", "string", False),
    7: ("generation", "int", False),
    8: ("creationTimestamp", _TIME, False),
    11: ("labels", "map:string", False),
    12: ("annotations", "map:string", False),
    13: ("ownerReferences", _OWNER, True),
    14: ("finalizers", "string", True),
}
_NAME_REF: Schema = {1: ("name", "string", False)}
_OBJECT_REF: Schema = {
    1: ("kind", "string", False),
    2: ("namespace", "string", False),
    3: ("name", "string", False),
    4: ("uid", "string", False),
    5: ("apiVersion", "string", False),
}
KINDS: dict[str, Schema] = {
    "Namespace": {
        1: ("metadata", _META, False),
        2: ("spec", {1: ("finalizers", "string", True)}, False),
    },
    "ConfigMap": {
        1: ("metadata", _META, False),
        2: ("data", "map:string", False),
        3: ("binaryData", "map:bytes", False),
        4: ("immutable", "bool", False),
    },
    "Secret": {
        1: ("metadata", _META, False),
        2: ("data", "map:bytes", False),
        3: ("type", "string", False),
        4: ("stringData", "map:string", False),
        5: ("immutable", "bool", False),
    },
    "ServiceAccount": {
        1: ("metadata", _META, False),
        2: ("secrets", _OBJECT_REF, True),
        3: ("imagePullSecrets", _NAME_REF, True),
        4: ("automountServiceAccountToken", "bool", False),
    },
}
_UNKNOWN: Schema = {
    1: ("typeMeta", {1: ("apiVersion", "string", False), 2: ("kind", "string", False)}, False),
    2: ("raw", "bytes", False),
}


class ProtobufError(ValueError):
    """The body is not protobuf this module can read."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
            out.append((number, value))
        elif wire == 2:
            length, pos = _varint(data, pos)
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
    return out


def _scalar(kind: str, raw: int | bytes) -> Any:
    if kind == "string":
        return raw.decode() if isinstance(raw, bytes) else str(raw)
    if kind == "bytes":
        return base64.b64encode(raw if isinstance(raw, bytes) else b"").decode()
    if kind == "bool":
        return bool(raw)
    return raw if isinstance(raw, int) else 0


def _message(schema: Schema, data: bytes) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for number, raw in _fields(data):
        if number not in schema:
            continue
        name, kind, repeated = schema[number]
        if isinstance(kind, str) and kind.startswith("map:"):
            entry = _message(
                {1: ("k", "string", False), 2: ("v", kind[4:], False)},
                raw if isinstance(raw, bytes) else b"",
            )
            obj.setdefault(name, {})[entry.get("k", "")] = entry.get("v", "")
            continue
        value = (
            _message(kind, raw if isinstance(raw, bytes) else b"")
            if isinstance(kind, dict)
            else _scalar(kind, raw)
        )
        if repeated:
            obj.setdefault(name, []).append(value)
        else:
            obj[name] = value
    return obj


def _time(value: dict[str, Any]) -> str | None:
    seconds = value.get("seconds")
    if not seconds:
        return None
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def decode(body: bytes) -> dict[str, Any]:
    """A JSON-shaped object from a Kubernetes protobuf body."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic prefix")
    envelope = _message(_UNKNOWN, body[len(MAGIC) :])
    type_meta = envelope.get("typeMeta") or {}
    schema = KINDS.get(type_meta.get("kind", ""))
    if schema is None:
        raise ProtobufError(
            f"protobuf bodies of kind {type_meta.get('kind')!r} are not supported; send JSON"
        )
    obj = _message(schema, base64.b64decode(envelope.get("raw", "")))
    meta = obj.get("metadata") or {}
    if "creationTimestamp" in meta:
        meta["creationTimestamp"] = _time(meta["creationTimestamp"])
    # proto2 writes empty optional strings and zeros that JSON would omit
    obj["metadata"] = {k: v for k, v in meta.items() if v not in ("", 0, None)}
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": type_meta.get("kind", ""), **obj}
