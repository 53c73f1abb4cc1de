"""ObjectMeta rules of ``apimachinery/pkg/api/validation``: labels and annotations.

Label keys are qualified names, values valid label values; annotation keys are
qualified names (case-insensitive) and keys plus values may total at most
256 KiB. Go walks maps in random order; causes here come sorted by key.
"""

from __future__ import annotations

from typing import Any

from vela_emulator.fielderrors import (
    Cause,
    invalid,
    is_qualified_name,
    is_valid_label_value,
    too_long,
)

TOTAL_ANNOTATION_SIZE = 256 * 1024


def label_causes(labels: Any, field: str) -> list[Cause]:
    """ValidateLabels: every key a qualified name, every value a label value."""
    if not isinstance(labels, dict):
        return []
    causes: list[Cause] = []
    for key in sorted(labels):
        value = labels[key]
        causes.extend(invalid(field, key, msg) for msg in is_qualified_name(key))
        if isinstance(value, str):
            causes.extend(invalid(field, value, msg) for msg in is_valid_label_value(value))
    return causes


def annotation_causes(annotations: Any, field: str) -> list[Cause]:
    """ValidateAnnotations: qualified keys (any case) and the total size limit."""
    if not isinstance(annotations, dict):
        return []
    causes: list[Cause] = []
    size = 0
    for key in sorted(annotations):
        causes.extend(invalid(field, key, msg) for msg in is_qualified_name(key.lower()))
        size += len(key.encode()) + len(str(annotations[key] or "").encode())
    if size > TOTAL_ANNOTATION_SIZE:
        causes.append(too_long(field, TOTAL_ANNOTATION_SIZE))
    return causes


def meta_causes(meta: Any, field: str = "metadata") -> list[Cause]:
    """The labels and annotations of an object's (or a template's) metadata."""
    if not isinstance(meta, dict):
        return []
    return label_causes(meta.get("labels"), f"{field}.labels") + annotation_causes(
        meta.get("annotations"), f"{field}.annotations"
    )
