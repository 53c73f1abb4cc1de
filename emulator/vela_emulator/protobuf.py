"""Decode the protobuf request bodies kubectl's typed clients send.

kubectl 1.32 writes some built-in objects as ``application/vnd.kubernetes.protobuf``
(``kubectl create namespace|configmap|secret|serviceaccount|deployment|service|job|cronjob|
ingress|role|clusterrole|rolebinding|clusterrolebinding``). This reads
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
INLINE = ""  # as a field name: an embedded message whose fields JSON puts on the parent

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
_INT_OR_STRING: Schema = {
    1: ("type", "int", False),
    2: ("intVal", "int", False),
    3: ("strVal", "string", False),
}
_LABEL_SELECTOR: Schema = {
    1: ("matchLabels", "map:string", False),
    2: (
        "matchExpressions",
        {
            1: ("key", "string", False),
            2: ("operator", "string", False),
            3: ("values", "string", True),
        },
        False,
    ),
}
_CONTAINER: Schema = {
    1: ("name", "string", False),
    2: ("image", "string", False),
    3: ("command", "string", True),
    4: ("args", "string", True),
    5: ("workingDir", "string", False),
    6: (
        "ports",
        {
            1: ("name", "string", False),
            2: ("hostPort", "int", False),
            3: ("containerPort", "int", False),
            4: ("protocol", "string", False),
        },
        True,
    ),
    7: ("env", {1: ("name", "string", False), 2: ("value", "string", False)}, True),
    14: ("imagePullPolicy", "string", False),
}
_POD_TEMPLATE: Schema = {
    1: ("metadata", _META, False),
    2: (
        "spec",
        {
            2: ("containers", _CONTAINER, True),
            3: ("restartPolicy", "string", False),
            8: ("serviceAccountName", "string", False),
        },
        False,
    ),
}
_SERVICE_PORT: Schema = {
    1: ("name", "string", False),
    2: ("protocol", "string", False),
    3: ("port", "int", False),
    4: ("targetPort", _INT_OR_STRING, False),
    5: ("nodePort", "int", False),
}
_RESOURCE_ATTRIBUTES: Schema = {
    1: ("namespace", "string", False),
    2: ("verb", "string", False),
    3: ("group", "string", False),
    4: ("version", "string", False),
    5: ("resource", "string", False),
    6: ("subresource", "string", False),
    7: ("name", "string", False),
}
_POLICY_RULE: Schema = {
    1: ("verbs", "string", True),
    2: ("apiGroups", "string", True),
    3: ("resources", "string", True),
    4: ("resourceNames", "string", True),
    5: ("nonResourceURLs", "string", True),
}
_SUBJECT: Schema = {
    1: ("kind", "string", False),
    2: ("apiGroup", "string", False),
    3: ("name", "string", False),
    4: ("namespace", "string", False),
}
_ROLE_REF: Schema = {
    1: ("apiGroup", "string", False),
    2: ("kind", "string", False),
    3: ("name", "string", False),
}
_BINDING: Schema = {
    1: ("metadata", _META, False),
    2: ("subjects", _SUBJECT, True),
    3: ("roleRef", _ROLE_REF, False),
}
_JOB_SPEC: Schema = {
    1: ("parallelism", "int", False),
    2: ("completions", "int", False),
    3: ("activeDeadlineSeconds", "int", False),
    4: ("selector", _LABEL_SELECTOR, False),
    5: ("manualSelector", "bool", False),
    6: ("template", _POD_TEMPLATE, False),
    7: ("backoffLimit", "int", False),
    8: ("ttlSecondsAfterFinished", "int", False),
    9: ("completionMode", "string", False),
    10: ("suspend", "bool", False),
}
_INGRESS_BACKEND: Schema = {
    3: (
        "resource",
        {
            1: ("apiGroup", "string", False),
            2: ("kind", "string", False),
            3: ("name", "string", False),
        },
        False,
    ),
    4: (
        "service",
        {
            1: ("name", "string", False),
            2: ("port", {1: ("name", "string", False), 2: ("number", "int", False)}, False),
        },
        False,
    ),
}
_HTTP_PATH: Schema = {
    1: ("path", "string", False),
    2: ("backend", _INGRESS_BACKEND, False),
    3: ("pathType", "string", False),
}
_INGRESS_RULE: Schema = {
    1: ("host", "string", False),
    # IngressRuleValue is inlined in JSON (``json:",inline"``): its ``http`` sits on the rule
    2: (INLINE, {1: ("http", {1: ("paths", _HTTP_PATH, True)}, False)}, False),
}
KINDS: dict[str, Schema] = {
    "Role": {1: ("metadata", _META, False), 2: ("rules", _POLICY_RULE, True)},
    "ClusterRole": {
        1: ("metadata", _META, False),
        2: ("rules", _POLICY_RULE, True),
        3: ("aggregationRule", {1: ("clusterRoleSelectors", _LABEL_SELECTOR, True)}, False),
    },
    "RoleBinding": _BINDING,
    "ClusterRoleBinding": _BINDING,
    "Job": {1: ("metadata", _META, False), 2: ("spec", _JOB_SPEC, False)},
    # autoscaling/v1, what kubectl autoscale sends
    "HorizontalPodAutoscaler": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: (
                    "scaleTargetRef",
                    {
                        1: ("kind", "string", False),
                        2: ("name", "string", False),
                        3: ("apiVersion", "string", False),
                    },
                    False,
                ),
                2: ("minReplicas", "int", False),
                3: ("maxReplicas", "int", False),
                4: ("targetCPUUtilizationPercentage", "int", False),
            },
            False,
        ),
    },
    "CronJob": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("schedule", "string", False),
                2: ("startingDeadlineSeconds", "int", False),
                3: ("concurrencyPolicy", "string", False),
                4: ("suspend", "bool", False),
                5: (
                    "jobTemplate",
                    {1: ("metadata", _META, False), 2: ("spec", _JOB_SPEC, False)},
                    False,
                ),
                6: ("successfulJobsHistoryLimit", "int", False),
                7: ("failedJobsHistoryLimit", "int", False),
                8: ("timeZone", "string", False),
            },
            False,
        ),
    },
    "Ingress": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("defaultBackend", _INGRESS_BACKEND, False),
                2: (
                    "tls",
                    {1: ("hosts", "string", True), 2: ("secretName", "string", False)},
                    True,
                ),
                3: ("rules", _INGRESS_RULE, True),
                4: ("ingressClassName", "string", False),
            },
            False,
        ),
    },
    "SelfSubjectAccessReview": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("resourceAttributes", _RESOURCE_ATTRIBUTES, False),
                2: (
                    "nonResourceAttributes",
                    {1: ("path", "string", False), 2: ("verb", "string", False)},
                    False,
                ),
            },
            False,
        ),
    },
    "SelfSubjectReview": {1: ("metadata", _META, False)},  # kubectl auth whoami
    "TokenRequest": {  # kubectl create token
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("audiences", "string", True),
                3: (
                    "boundObjectRef",
                    {
                        1: ("kind", "string", False),
                        2: ("apiVersion", "string", False),
                        3: ("name", "string", False),
                        4: ("uid", "string", False),
                    },
                    False,
                ),
                4: ("expirationSeconds", "int", False),
            },
            False,
        ),
    },
    "SelfSubjectRulesReview": {
        1: ("metadata", _META, False),
        2: ("spec", {1: ("namespace", "string", False)}, False),
    },
    "Deployment": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("replicas", "int", False),
                2: ("selector", _LABEL_SELECTOR, False),
                3: ("template", _POD_TEMPLATE, False),
            },
            False,
        ),
    },
    "Service": {
        1: ("metadata", _META, False),
        2: (
            "spec",
            {
                1: ("ports", _SERVICE_PORT, True),
                2: ("selector", "map:string", False),
                3: ("clusterIP", "string", False),
                4: ("type", "string", False),
                10: ("externalName", "string", False),
            },
            False,
        ),
    },
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
    if not isinstance(raw, int):
        return 0
    # Kubernetes' int32/int64 fields are plain (not zigzag) varints: a negative value
    # arrives as its 64-bit two's complement, and must reach validation as negative.
    return raw - (1 << 64) if raw >= 1 << 63 else raw


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
        if name == INLINE and isinstance(value, dict):
            obj.update(value)
        elif repeated:
            obj.setdefault(name, []).append(value)
        else:
            obj[name] = value
    return obj


def _time(value: dict[str, Any]) -> str | None:
    seconds = value.get("seconds")
    if not seconds:
        return None
    return datetime.fromtimestamp(int(seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(value: Any) -> None:
    """IntOrString messages back to their JSON form (a number or a string)."""
    if isinstance(value, list):
        for item in value:
            _int_or_string(item)
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if isinstance(item, dict) and set(item) <= {"type", "intVal", "strVal"} and item:
            value[key] = item.get("strVal", "") if item.get("type") == 1 else item.get("intVal", 0)
        else:
            _int_or_string(item)


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
    _int_or_string(obj)
    cleaned = _omit_empty(obj)
    assert isinstance(cleaned, dict)
    return {
        "apiVersion": type_meta.get("apiVersion", ""),
        "kind": type_meta.get("kind", ""),
        **cleaned,
    }


# Pointer fields: a zero here was set on purpose and JSON keeps it.
_KEEP_ZERO = frozenset({"replicas"})


def _omit_empty(value: Any) -> Any:
    """Drop what Go's JSON ``omitempty`` would: proto2 writes empty strings and zeros."""
    if isinstance(value, list):
        return [_omit_empty(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for k, v in value.items():
        if k == "creationTimestamp" and isinstance(v, dict):
            v = _time(v)
        if v is None or (v in ("", 0) and not isinstance(v, bool) and k not in _KEEP_ZERO):
            continue
        out[k] = _omit_empty(v)
    return out
