"""Durations in settings and flags: ``30s``, ``5m``, ``1h``, ``250ms`` or plain seconds."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``30s``, ``5m``, ``1h``, ``250ms`` or plain seconds (``90``)."""
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"duration must not be negative: {text}")
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 5m, 1h or plain seconds")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
