"""Resource quantities parsed as ``k8s.io/apimachinery/pkg/api/resource.ParseQuantity`` does.

Decoding a body fails with the parser's own words (``quantities must match the
regular expression ...``) before anything is validated; validation compares
values (requests <= limits, not negative). Values are exact fractions.
"""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
NUMERIC = "unable to parse numeric part of quantity"
SUFFIX = "unable to parse quantity's suffix"

_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class QuantityError(ValueError):
    """The text is no quantity; the message is the apiserver's."""


def _scan(text: str) -> tuple[str, str]:
    """Split into number and suffix the way parseQuantityString walks the text."""
    pos, end = 0, len(text)
    if text[0] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos] in _DIGITS:
            pos += 1
    number, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(FORMAT_WRONG)
    return number, text[suffix_start:]


def _scale(suffix: str) -> Fraction:
    if suffix in _BINARY:
        return Fraction(2) ** _BINARY[suffix]
    if suffix in _DECIMAL:
        return Fraction(10) ** _DECIMAL[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            return Fraction(10) ** int(suffix[1:])
        except ValueError:
            pass
    raise QuantityError(SUFFIX)


def parse(value: str | int | float) -> Fraction:
    """The exact value of a quantity (a JSON number or a string like ``500m``, ``2Gi``)."""
    if isinstance(value, bool):
        raise QuantityError(FORMAT_WRONG)
    if isinstance(value, int | float):
        return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    return _parse_text(value)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> Fraction:
    # quantities repeat ("100m", "64Mi"): parsing once per text keeps writes cheap
    if not value:
        raise QuantityError(FORMAT_WRONG)
    number, suffix = _scan(value)
    digits = number.lstrip("+-")
    if digits in ("", "."):
        raise QuantityError(NUMERIC)
    sign = -1 if number.startswith("-") else 1
    return sign * Fraction(digits) * _scale(suffix)


def error(value: object) -> str | None:
    """The parse error of ``value`` (None when it is a quantity)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return FORMAT_WRONG
    if not isinstance(value, str):
        return None
    try:
        _parse_text(value)
    except QuantityError as exc:
        return str(exc)
    return None
