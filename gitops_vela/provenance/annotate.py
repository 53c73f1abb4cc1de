"""YAML with a trailing comment on every leaf naming its origin (``render --explain``).

PyYAML cannot attach comments, so objects are written here, block style as
``render`` writes them, one leaf per line: a scalar (or an empty map or list)
ends its line, and the comment follows it. Scalars and keys are quoted by
PyYAML's own emitter (so ``"3"``, ``yes`` and ``null``-like strings stay
strings); strings spanning lines are written double-quoted, which keeps the
leaf on one line. Reading the output back gives the object unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from gitops_vela.provenance.fields import FieldPath, Named, named_items
from gitops_vela.yamldoc import DUMPER

Comment = Callable[[FieldPath], str]


def dump(obj: Any, comments: Mapping[FieldPath, str] | Comment) -> str:
    """One YAML document of ``obj``; each leaf's line ends with its comment (by named path, as
    ``fields.leaves`` gives them; none when missing or "")."""
    comment = comments if callable(comments) else (lambda path: comments.get(path, ""))
    return "".join(line + "\n" for line in _lines(obj, (), comment))


def _lines(value: Any, path: FieldPath, comment: Comment) -> list[str]:
    if isinstance(value, dict) and value:
        lines: list[str] = []
        for key, item in value.items():
            head = f"{_scalar(str(key))}:"
            lines.extend(_nested(head, item, (*path, str(key)), comment, indent="  "))
        return lines
    if isinstance(value, list) and value:
        named = named_items(value)
        lines = []
        for index, item in enumerate(value):
            segment = Named(item["name"]) if named else index
            lines.extend(_item(item, (*path, segment), comment))
        return lines
    return [_with_comment(_scalar(value), comment(path))]


def _nested(head: str, value: Any, path: FieldPath, comment: Comment, *, indent: str) -> list[str]:
    """``key:`` followed by the value: on the same line when a leaf, else indented below
    (a list under a key is not indented further, as kubectl writes it)."""
    if _is_leaf(value):
        return [_with_comment(f"{head} {_scalar(value)}", comment(path))]
    pad = "" if isinstance(value, list) else indent
    return [head, *(pad + line for line in _lines(value, path, comment))]


def _item(value: Any, path: FieldPath, comment: Comment) -> list[str]:
    """``- `` and the item: its first line after the dash, the rest indented under it."""
    if _is_leaf(value):
        return [_with_comment(f"- {_scalar(value)}", comment(path))]
    inner = _lines(value, path, comment)
    return [f"- {inner[0]}", *("  " + line for line in inner[1:])]


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list) or not value


def _scalar(value: Any) -> str:
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        return json.dumps(value)  # a JSON string is a YAML double-quoted scalar
    text = str(yaml.dump(value, Dumper=DUMPER, default_flow_style=True, width=1 << 30))
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _with_comment(line: str, text: str) -> str:
    return f"{line}  # {text}" if text else line
