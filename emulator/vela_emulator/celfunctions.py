"""The Kubernetes CEL library functions that CRD rules use most, for ``celrules``.

The ``common-expression-language`` package implements the CEL specification;
Kubernetes adds cel-go's strings extension and its own list library to the
environment of ``x-kubernetes-validations``. These are those functions (called
method-style, ``self.name.lowerAscii()``, the receiver first), plus the typed
values of :mod:`.celvalues` (quantity, URL, IP, CIDR); regex ``find`` is not
among them.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from vela_emulator import celvalues


def _index_of(receiver: Any, item: Any, start: int = 0) -> int:
    if isinstance(receiver, str):
        return receiver.find(item, start)
    return next((i for i, v in enumerate(receiver) if v == item and i >= start), -1)


def _last_index_of(receiver: Any, item: Any) -> int:
    if isinstance(receiver, str):
        return receiver.rfind(item)
    return max((i for i, v in enumerate(receiver) if v == item), default=-1)


def _split(text: str, separator: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    return text.split(separator, limit - 1 if limit > 0 else -1)


def _replace(text: str, old: str, new: str, limit: int = -1) -> str:
    return text.replace(old, new, limit)


def _substring(text: str, start: int, end: int | None = None) -> str:
    stop = len(text) if end is None else end
    if not 0 <= start <= stop <= len(text):
        raise IndexError(f"index out of range: {stop if start <= stop else start}")
    return text[start:stop]


def _char_at(text: str, index: int) -> str:
    if not 0 <= index <= len(text):
        raise IndexError(f"index out of range: {index}")
    return text[index : index + 1]


def _join(items: list[str], separator: str = "") -> str:
    return separator.join(items)


def _is_sorted(items: list[Any]) -> bool:
    return all(a <= b for a, b in pairwise(items))


def _sum(items: list[Any]) -> Any:
    return sum(items) if items else 0


def _min(items: list[Any]) -> Any:
    if not items:
        raise ValueError("min called on empty list")
    return min(items)


def _max(items: list[Any]) -> Any:
    if not items:
        raise ValueError("max called on empty list")
    return max(items)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "charAt": _char_at,
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "lowerAscii": lambda text: text.lower() if text.isascii() else text,
    "upperAscii": lambda text: text.upper() if text.isascii() else text,
    "replace": _replace,
    "split": _split,
    "substring": _substring,
    "trim": lambda text: text.strip(),
    "join": _join,
    "reverse": lambda value: value[::-1],
    "isSorted": _is_sorted,
    "sum": _sum,
    "min": _min,
    "max": _max,
    **celvalues.FUNCTIONS,
}
