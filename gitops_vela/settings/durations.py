"""Durations in settings and flags, written as Go and kubectl write them.

One parser for every flag and config key: a sequence of numbers with units
(``1h30m``, ``2m30s``, ``90s``, ``1.5h``, ``250ms``; units ``h m s ms us ns``,
as Go's ``time.ParseDuration``), or plain seconds (``90``), which kubectl-style
tools also take. Never negative.
"""

from __future__ import annotations

import re

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = r"(?:ns|us|µs|μs|ms|s|m|h)"
_PLAIN = re.compile(rf"{_NUMBER}")
_GO_FORM = re.compile(rf"(?:{_NUMBER}{_UNIT})+")
_PART = re.compile(rf"({_NUMBER})({_UNIT})")
_UNIT_SECONDS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,  # MICRO SIGN, as Go accepts
    "μs": 1e-6,  # GREEK SMALL LETTER MU
    "ns": 1e-9,
}


def parse_duration(text: str | int | float) -> float:
    """Seconds in ``1h30m``, ``90s``, ``5m``, ``250ms`` or plain seconds (``90``)."""
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"duration must not be negative: {text}")
        return float(text)
    value = text.strip()
    if _PLAIN.fullmatch(value):
        return float(value)
    if not _GO_FORM.fullmatch(value):
        raise ValueError(f"invalid duration {text!r}: use e.g. 30s, 5m, 1h or plain seconds")
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(value))
