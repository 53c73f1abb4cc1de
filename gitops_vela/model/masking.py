"""Make two versions of an object safe and quiet to diff (shared by ``diff`` and ``review``).

Secret values never appear in a diff: every value under ``data`` and
``stringData`` of a ``Secret`` becomes ``***``, and a value that differs
between the two versions becomes ``*** (changed)`` on the new side, so the
diff still says *that* it changed without saying *what* it is. Server-owned
fields (``managedFields``, ``status``, ``resourceVersion``, ...) are dropped
so a diff shows only what a person wrote. Pure functions over plain dicts;
inputs are never modified.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from gitops_vela.model.objects import Manifest

MASK = "***"
CHANGED_MASK = "*** (changed)"
SECRET_VALUE_FIELDS = ("data", "stringData")
# kubectl's client-side apply keeps a full copy of the object, values included
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# metadata fields the API server writes; never part of what a person declares
SERVER_METADATA_FIELDS = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
)


def is_secret(obj: Mapping[str, Any] | None) -> bool:
    return bool(obj) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"  # type: ignore[union-attr]


def mask_secret_pair(
    before: Manifest | None, after: Manifest | None
) -> tuple[Manifest | None, Manifest | None]:
    """Copies of ``before`` and ``after`` with Secret values masked.

    A value present on both sides and different is shown as ``***`` before and
    ``*** (changed)`` after; anything else as ``***``. Non-Secrets come back
    as unmodified copies.
    """
    if not is_secret(before) and not is_secret(after):
        return _copy(before), _copy(after)
    masked_before, masked_after = _copy(before), _copy(after)
    for field in SECRET_VALUE_FIELDS:
        old_values = _values(before, field)
        new_values = _values(after, field)
        if masked_before is not None and field in masked_before:
            masked_before[field] = _masked(old_values, {})
        if masked_after is not None and field in masked_after:
            masked_after[field] = _masked(new_values, old_values)
    for masked in (masked_before, masked_after):
        annotations = ((masked or {}).get("metadata") or {}).get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = MASK
    return masked_before, masked_after


def mask_secret(obj: Manifest | None) -> Manifest | None:
    """A copy of one object with its Secret values masked (no comparison)."""
    return mask_secret_pair(obj, None)[0]


def strip_server_fields(obj: Manifest) -> Manifest:
    """A copy without ``status`` and the metadata the API server maintains."""
    stripped = copy.deepcopy(obj)
    stripped.pop("status", None)
    metadata = stripped.get("metadata")
    if isinstance(metadata, dict):
        for name in SERVER_METADATA_FIELDS:
            metadata.pop(name, None)
        if not metadata.get("annotations"):
            metadata.pop("annotations", None)
    return stripped


def _copy(obj: Manifest | None) -> Manifest | None:
    return None if obj is None else copy.deepcopy(obj)


def _values(obj: Mapping[str, Any] | None, field: str) -> Mapping[str, Any]:
    values = (obj or {}).get(field)
    return values if isinstance(values, Mapping) else {}


def _masked(values: Mapping[str, Any], compare_to: Mapping[str, Any]) -> dict[str, str]:
    return {
        key: CHANGED_MASK if key in compare_to and compare_to[key] != value else MASK
        for key, value in values.items()
    }
