"""Secret values never leave gitops-vela: masked in diffs, redacted from errors.

A diff still tells that a value changed, and which key, but never the value:
unchanged values show as ``***``, changed ones as ``*** (changed)``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
from collections.abc import Callable, Iterable

from gitops_vela.model.objects import Manifest

MASK = "***"
CHANGED = "*** (changed)"
_SECRET_FIELDS = ("data", "stringData")
_MIN_REDACT = 3  # shorter values would redact ordinary words from messages


def is_secret(obj: Manifest | None) -> bool:
    return bool(obj) and obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1"  # type: ignore[union-attr]


def mask_pair(
    live: Manifest | None, merged: Manifest | None
) -> tuple[Manifest | None, Manifest | None]:
    """Both sides of a Secret diff with values masked; keys and changes still visible."""
    if not (is_secret(live) or is_secret(merged)):
        return live, merged
    before = _values(live)
    after = _values(merged)
    return _masked(live, lambda _k: MASK), _masked(
        merged, lambda k: MASK if k not in before or before[k] == after.get(k) else CHANGED
    )


def mask(obj: Manifest) -> Manifest:
    """One Secret with every value masked (for printing a single object)."""
    return _masked(obj, lambda _k: MASK) or obj


def secret_values(objects: Iterable[Manifest | None]) -> frozenset[str]:
    """Every secret value in its stored and decoded forms, to redact from text."""
    found: set[str] = set()
    for obj in objects:
        if not is_secret(obj):
            continue
        for field in _SECRET_FIELDS:
            for value in (obj.get(field) or {}).values():  # type: ignore[union-attr]
                found.update(_forms(str(value), encoded=field == "data"))
    return frozenset(v for v in found if len(v) >= _MIN_REDACT)


def redact(text: str, values: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***`` (longest first)."""
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _values(obj: Manifest | None) -> dict[str, str]:
    """Key -> stored (base64) value, stringData folded into data as the server does."""
    if not obj:
        return {}
    values = {k: str(v) for k, v in (obj.get("data") or {}).items()}
    for key, value in (obj.get("stringData") or {}).items():
        values[key] = base64.b64encode(str(value).encode()).decode()
    return values


def _masked(obj: Manifest | None, label: Callable[[str], str]) -> Manifest | None:
    if obj is None:
        return None
    result = copy.deepcopy(obj)
    for field in _SECRET_FIELDS:
        section = result.get(field)
        if isinstance(section, dict):
            result[field] = {key: label(key) for key in section}
    return result


def _forms(value: str, *, encoded: bool) -> set[str]:
    forms = {value}
    if encoded:
        with contextlib.suppress(binascii.Error, UnicodeDecodeError):
            forms.add(base64.b64decode(value, validate=True).decode())
    else:
        forms.add(base64.b64encode(value.encode()).decode())
    return forms
