"""``[]byte`` fields (Secret ``data``, ConfigMap ``binaryData``) must hold valid base64.

The apiserver decodes a request body into the Go type before anything else, and
Go's JSON decoding of ``[]byte`` is ``base64.StdEncoding``: padding required,
``\\r``/``\\n`` skipped, anything else refused. The request then fails with 400
``Secret in version "v1" cannot be handled as a Secret: illegal base64 data at
input byte N``; N is computed as Go's decoder computes it, so messages match.
"""

from __future__ import annotations

import string
from typing import Any

from vela_emulator.apistatus import bad_request
from vela_emulator.registry import ResourceType

_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/")
_NEWLINES = "\r\n"
_BYTE_FIELDS = {("", "Secret"): "data", ("", "ConfigMap"): "binaryData"}


def corrupt_offset(text: str) -> int | None:
    """Where ``base64.StdEncoding.DecodeString`` fails on ``text``, or None when it decodes."""
    si, size = 0, len(text)
    while True:
        j = 0
        while j < 4:
            if si == size:
                return None if j == 0 else si - j
            char = text[si]
            si += 1
            if char in _ALPHABET:
                j += 1
                continue
            if char in _NEWLINES:
                continue
            if char != "=" or j < 2:
                return si - 1
            return _after_padding(text, si, j)


def _after_padding(text: str, si: int, j: int) -> int | None:
    """Go's checks once a ``=`` ends a quantum: ``==`` when due, then only newlines."""
    size = len(text)
    if j == 2:
        while si < size and text[si] in _NEWLINES:
            si += 1
        if si == size:
            return size
        if text[si] != "=":
            return si - 1
        si += 1
    while si < size and text[si] in _NEWLINES:
        si += 1
    return si if si < size else None


def check_byte_fields(rtype: ResourceType, obj: Any) -> None:
    """Refuse a body whose ``[]byte`` map values do not decode, as the apiserver's decoder does."""
    field = _BYTE_FIELDS.get((rtype.group, rtype.kind))
    values = obj.get(field) if field and isinstance(obj, dict) else None
    if not isinstance(values, dict):
        return
    for value in values.values():
        if value is None:
            continue
        offset = corrupt_offset(value) if isinstance(value, str) else 0
        if offset is not None:
            kind = rtype.kind
            raise bad_request(
                f'{kind} in version "{rtype.version}" cannot be handled as a {kind}: '
                f"illegal base64 data at input byte {offset}"
            )
