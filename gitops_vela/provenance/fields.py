"""Field paths inside an object: the leaves, and how people write them.

A path is a tuple of segments: a map key (``str``), a list index (``int``),
or a ``Named`` item of a list whose items are objects with distinct
``name``s (``containers[name=web]``). Leaves are keyed by *named* paths
wherever a list allows it: comparing two renders by index would blame a
parameter that inserts an item for every item after it; by name, only the
item that changed differs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class Named:
    """The item of a list whose ``name`` is ``value``."""

    value: str

    def __str__(self) -> str:
        return f"[name={self.value}]"


Segment = str | int | Named
FieldPath = tuple[Segment, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")


class FieldPathError(ValueError):
    """A FIELD argument that is not a path (``spec.replicas``, ``containers[name=web]``)."""


def named_items(items: list[Any]) -> bool:
    """Whether a list's items are objects with distinct string ``name``s (kubectl's merge key)."""
    names = [item.get("name") for item in items if isinstance(item, dict)]
    return (
        bool(items)
        and len(names) == len(items)
        and all(isinstance(name, str) for name in names)
        and len(set(names)) == len(names)
    )


def leaves(value: Any, prefix: FieldPath = ()) -> Iterator[tuple[FieldPath, Any]]:
    """(named path, value) of every scalar, and of every empty map or list, in document order."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*prefix, str(key)))
    elif isinstance(value, list) and value:
        named = named_items(value)
        for index, item in enumerate(value):
            yield from leaves(item, (*prefix, Named(item["name"]) if named else index))
    else:
        yield prefix, value


def flatten(value: Any) -> dict[FieldPath, Any]:
    return dict(leaves(value))


def flatten_both(value: Any) -> tuple[dict[FieldPath, Any], dict[FieldPath, Any]]:
    """Every leaf by its named path and by its path of list indexes, both in document order
    (the n-th entry of one is the n-th of the other)."""
    by_name: dict[FieldPath, Any] = {}
    by_index: dict[FieldPath, Any] = {}

    def walk(item: Any, named: FieldPath, indexed: FieldPath) -> None:
        if isinstance(item, dict) and item:
            for key, sub in item.items():
                walk(sub, (*named, str(key)), (*indexed, str(key)))
        elif isinstance(item, list) and item:
            by_names = named_items(item)
            for index, sub in enumerate(item):
                walk(sub, (*named, Named(sub["name"]) if by_names else index), (*indexed, index))
        else:
            by_name[named] = item
            by_index[indexed] = item

    walk(value, (), ())
    return by_name, by_index


def lookup_indexed(value: Any, path: FieldPath) -> Any:
    """The value at a path of keys and indexes (no ``Named``), or ``MISSING``."""
    for segment in path:
        value = MISSING if isinstance(segment, Named) else _child(value, segment)
        if value is MISSING:
            break
    return value


def lookup(value: Any, path: FieldPath) -> Any:
    """The value at ``path``, or ``MISSING``."""
    for segment in path:
        if isinstance(segment, Named):
            items = value if isinstance(value, list) else []
            found = [i for i in items if isinstance(i, dict) and i.get("name") == segment.value]
            value = found[0] if found else MISSING
        else:
            value = _child(value, segment)
        if value is MISSING:
            break
    return value


def _child(value: Any, segment: str | int) -> Any:
    if isinstance(segment, str):
        return value[segment] if isinstance(value, dict) and segment in value else MISSING
    if isinstance(value, list) and 0 <= segment < len(value):
        return value[segment]
    return MISSING


class _Missing:
    """A field absent from an object (``None`` is a value: YAML's null)."""

    def __repr__(self) -> str:
        return "<absent>"


MISSING: Any = _Missing()


def format_path(path: FieldPath) -> str:
    """``('spec', 'containers', Named('web'), 'image')`` -> ``spec.containers[name=web].image``."""
    text = ""
    for segment in path:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif isinstance(segment, Named):
            text += str(segment)
        elif _PLAIN_KEY.match(segment):
            text = f"{text}.{segment}" if text else segment
        else:
            text += f"[{json.dumps(segment)}]" if "'" in segment else f"['{segment}']"
    return text


_TOKEN = re.compile(
    r"""\.?(?P<key>[A-Za-z0-9_$/\x00-]+)"""  # a key; ``/`` and escaped dots (NUL here) allowed
    r"""|\[(?P<index>\d+)\]"""  # [3]
    r"""|\[name=(?P<name>[^\]]*)\]"""  # [name=web]
    r"""|\[(?P<quote>['"])(?P<quoted>.*?)(?P=quote)\]"""  # ['app.oam.dev/name']
)


def parse_path(text: str) -> FieldPath:
    """A FIELD as people write it: dots, ``[0]``, ``[name=web]``, ``['a.b/c']``, ``\\.`` escapes."""
    escaped = text.replace("\\.", "\0")
    path: list[Segment] = []
    position = 0
    while position < len(escaped):
        match = _TOKEN.match(escaped, position)
        if match is None or match.end() == position:
            raise FieldPathError(
                f"{text!r}: not a field path at {text[position:]!r}"
                " (write e.g. spec.replicas, spec.template.spec.containers[name=web].image,"
                " metadata.labels['app.oam.dev/name'])"
            )
        if match.group("key") is not None:
            path.append(match.group("key"))
        elif match.group("index") is not None:
            path.append(int(match.group("index")))
        elif match.group("name") is not None:
            path.append(Named(match.group("name")))
        else:
            path.append(match.group("quoted"))
        position = match.end()
    return tuple(s.replace("\0", ".") if isinstance(s, str) else s for s in path)


def resolve(obj: Any, wanted: FieldPath) -> FieldPath | None:
    """``wanted`` as the named path ``leaves`` uses (``containers[0]`` -> ``[name=web]``), or
    None when the object has no such field."""
    resolved: list[Segment] = []
    value = obj
    for segment in wanted:
        if isinstance(value, list) and isinstance(segment, int | Named):
            named = named_items(value)
            if isinstance(segment, int):
                if not 0 <= segment < len(value):
                    return None
                item = value[segment]
                resolved.append(Named(item["name"]) if named else segment)
            else:
                found = [i for i in value if isinstance(i, dict) and i.get("name") == segment.value]
                if not found:
                    return None
                item = found[0]
                resolved.append(segment if named else value.index(item))
            value = item
        elif isinstance(value, dict) and isinstance(segment, str) and segment in value:
            resolved.append(segment)
            value = value[segment]
        else:
            return None
    return tuple(resolved)


def under(path: FieldPath, prefix: FieldPath) -> bool:
    return path[: len(prefix)] == prefix


def scalar_text(value: Any) -> str:
    """A value as it reads in YAML flow style (``3``, ``true``, ``web``, ``{}``)."""
    if value is MISSING:
        return "(not set)"
    if isinstance(value, str):
        return json.dumps(value) if value == "" or "\n" in value else value
    return json.dumps(value)
