"""Make objects safe to show: Secret values masked, server-owned fields dropped.

One implementation for every diff gitops-vela prints (``diff``, ``apply
--dry-run``, ``review``). A diff still tells *that* a Secret value changed,
and under which key, never *what* it is: unchanged values show as ``***``,
changed ones as ``*** (changed)`` on the new side. ``stringData`` is folded
into ``data`` for the comparison, as the API server does. Pure functions
over plain dicts; inputs are never modified.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from gitops_vela.model.objects import Manifest

MASK = "***"
CHANGED = "*** (changed)"
SECRET_FIELDS = ("data", "stringData")
# kubectl's client-side apply keeps a full copy of the object, values included
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# metadata the API server writes; never part of what a person declares
SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
)
_MIN_REDACT = 3  # shorter values would redact ordinary words from messages


def is_secret(obj: Mapping[str, Any] | None) -> bool:
    return obj is not None and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"


def mask_pair(
    before: Manifest | None, after: Manifest | None
) -> tuple[Manifest | None, Manifest | None]:
    """Both sides of a diff with Secret values masked; keys and changes stay visible.

    Objects that are not Secrets come back as they are.
    """
    if not (is_secret(before) or is_secret(after)):
        return before, after
    old, new = _values(before), _values(after)
    return _masked(before, lambda _k: MASK), _masked(
        after, lambda k: CHANGED if k in old and old[k] != new.get(k) else MASK
    )


def mask(obj: Manifest) -> Manifest:
    """One object with any Secret values masked (for printing it alone)."""
    return _masked(obj, lambda _k: MASK) if is_secret(obj) else obj  # type: ignore[return-value]


def strip_server_fields(obj: Manifest) -> Manifest:
    """A copy without ``status``, the metadata the API server maintains, and kubectl's
    last-applied copy (it may hold Secret values and is never what Git declares)."""
    stripped = copy.deepcopy(obj)
    stripped.pop("status", None)
    metadata = stripped.get("metadata")
    if isinstance(metadata, dict):
        for name in SERVER_METADATA:
            metadata.pop(name, None)
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict):
            annotations.pop(LAST_APPLIED, None)
        if not annotations:
            metadata.pop("annotations", None)
    return stripped


def secret_values(objects: Iterable[Manifest | None]) -> frozenset[str]:
    """Every Secret value in its stored and decoded forms, to redact from text."""
    found: set[str] = set()
    for obj in objects:
        if obj is None or not is_secret(obj):
            continue
        for field in SECRET_FIELDS:
            section = obj.get(field)
            for value in section.values() if isinstance(section, Mapping) else ():
                found.update(_forms(str(value), encoded=field == "data"))
    return frozenset(v for v in found if len(v) >= _MIN_REDACT)


def redact(text: str, values: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***`` (longest first)."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _values(obj: Manifest | None) -> dict[str, str]:
    """Key -> stored (base64) value, ``stringData`` folded into ``data``."""
    if not obj:
        return {}
    data, string_data = obj.get("data"), obj.get("stringData")
    values = {str(k): str(v) for k, v in (data.items() if isinstance(data, Mapping) else ())}
    for key, value in string_data.items() if isinstance(string_data, Mapping) else ():
        values[str(key)] = base64.b64encode(str(value).encode()).decode()
    return values


def _masked(obj: Manifest | None, label: Callable[[str], str]) -> Manifest | None:
    if obj is None:
        return None
    result = copy.deepcopy(obj)
    for field in SECRET_FIELDS:
        section = result.get(field)
        if isinstance(section, dict):
            result[field] = {key: label(str(key)) for key in section}
    annotations = (result.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict) and LAST_APPLIED in annotations:
        annotations[LAST_APPLIED] = MASK
    return result


def _forms(value: str, *, encoded: bool) -> set[str]:
    forms = {value}
    if encoded:
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            forms.add(base64.b64decode(value, validate=True).decode())
    else:
        forms.add(base64.b64encode(value.encode()).decode())
    return forms
