"""Comparing what gitops-vela applies with what is live (server noise stripped first).

The cheap comparison asks only "does every field we set have our value?"
(fields the server defaulted or others own are not drift). Values the server
normalises (``1`` vs ``"1"``, Secret ``stringData`` stored as ``data``) are
compared in their stored form so they do not look like drift on every poll.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson

from gitops_vela.model.masking import strip_server_fields
from gitops_vela.model.objects import Manifest


def is_subset(desired: Any, live: Any) -> bool:
    """True when every value in ``desired`` is present and equal in ``live``."""
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return False
        return all(
            value is None or (key in live and is_subset(value, live[key]))
            for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(is_subset(d, v) for d, v in zip(desired, live, strict=True))
        )
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live or desired == live
    if desired == live:
        return True
    if isinstance(desired, int | float | str) and isinstance(live, str):
        return _same_quantity(desired, live)  # cpu: 0.5 is stored as "500m"
    return False


def comparable(desired: Manifest) -> Manifest:
    """``desired`` in the form the server stores it (Secret stringData -> data)."""
    if desired.get("kind") != "Secret" or not desired.get("stringData"):
        return desired
    result = copy.deepcopy(desired)
    data = dict(result.get("data") or {})
    for key, value in (result.pop("stringData") or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    result["data"] = data
    return result


def same_object(a: Manifest, b: Manifest) -> bool:
    """Equal once server-owned fields and status are ignored."""
    return strip_server_fields(a) == strip_server_fields(b)


def digest(manifest: Any) -> str:
    """A stable content hash of a desired object (recorded in the inventory)."""
    return hashlib.sha256(orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$")
_SUFFIX = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}


# Kubernetes stores quantities in an int64 of milli-units: a larger exponent is no
# quantity (and ``23e8269628698407`` is a digest that looks like one).
_MAX_EXPONENT = 30


def _quantity(value: int | float | str) -> Decimal | None:
    """A Kubernetes quantity's value (``500m`` -> 0.5, ``1Gi`` -> 2**30), else None.

    Never raises: a value that cannot be a quantity is None (compared as text).
    """
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    suffix = match.group(2) or ""
    try:
        number = Decimal(match.group(1))
        if suffix[:1] in ("e", "E") and len(suffix) > 1:
            exponent = int(suffix[1:]) if len(suffix) <= 6 else _MAX_EXPONENT + 1
            if abs(exponent) > _MAX_EXPONENT:
                return None
            return number.scaleb(exponent)
        return number * _SUFFIX[suffix]
    except (ArithmeticError, ValueError):  # decimal signals, an over-long number
        return None


def _same_quantity(desired: int | float | str, live: str) -> bool:
    if isinstance(desired, bool):
        return False
    a, b = _quantity(desired), _quantity(live)
    return a is not None and a == b


def first_difference(desired: Any, live: Any) -> str:
    """The path of the first field in ``desired`` that ``live`` does not match."""
    return next(differences(desired, live), "")


def differences(desired: Any, live: Any, path: str = "") -> Iterator[str]:
    """The path of every field in ``desired`` that ``live`` does not match, in order."""
    if isinstance(desired, dict) and isinstance(live, dict):
        for key, value in desired.items():
            if value is None:
                continue
            child = f"{path}.{key}" if path else str(key)
            if key not in live:
                yield child
            else:
                yield from differences(value, live[key], child)
    elif isinstance(desired, list) and isinstance(live, list) and len(desired) == len(live):
        for index, (d, v) in enumerate(zip(desired, live, strict=True)):
            yield from differences(d, v, f"{path}[{index}]")
    elif not is_subset(desired, live):
        yield path or "(object)"
