"""What a case expected against what rendered, as diffs a person reads.

``expect`` is a subset check: an expected object names the fields the case
is about, and the rendered object must hold them (maps may hold more keys;
lists must have the same items, each compared the same way). The diff shows
the rendered object cut to the expected one's shape, so only the fields
the case names appear in it (Secret values masked in it, compared as they
are). Golden output is the whole rendering, Secret values masked (golden
files live in Git), compared as text.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from gitops_vela.model.masking import mask
from gitops_vela.render.yamltext import dump


def expected_diff(
    expected: Sequence[Mapping[str, Any]], objects: Sequence[Mapping[str, Any]]
) -> str:
    """Nothing ("") when every expected object rendered with its fields, else what is wrong."""
    parts = []
    for want in expected:
        got = _find(want, objects)
        if got is None:
            rendered = ", ".join(_name(o) for o in objects) or "nothing"
            parts.append(f"{_name(want)} was not rendered (rendered: {rendered})")
            continue
        if shaped_like(want, got) != want:
            cut = shaped_like(want, mask(dict(got)))  # shown masked: a diff may be a log
            parts.append(
                text_diff(dump(dict(want)), dump(cut), f"expected {_name(want)}", "rendered")
            )
    return "\n".join(parts)


def shaped_like(expected: Any, actual: Any) -> Any:
    """``actual`` with only the keys ``expected`` names, at every level; list items
    beyond the expected ones are kept, so a longer list still differs."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {
            key: shaped_like(value, actual[key]) for key, value in expected.items() if key in actual
        }
    if isinstance(expected, list) and isinstance(actual, list):
        return [shaped_like(e, a) for e, a in zip(expected, actual, strict=False)] + actual[
            len(expected) :
        ]
    return actual


def golden_text(objects: Iterable[Mapping[str, Any]]) -> str:
    """The rendered objects as a YAML stream, in render order and kubectl key order."""
    return "".join(f"---\n{dump(mask(dict(obj)))}" for obj in objects)


def text_diff(before: str, after: str, before_name: str, after_name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), before_name, after_name
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines).rstrip("\n")


def _find(
    want: Mapping[str, Any], objects: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    for obj in objects:
        if obj.get("kind") == want.get("kind") and _meta_name(obj) == _meta_name(want):
            return obj
    return None


def _meta_name(obj: Mapping[str, Any]) -> Any:
    metadata = obj.get("metadata")
    return metadata.get("name") if isinstance(metadata, dict) else None


def _name(obj: Mapping[str, Any]) -> str:
    return f"{obj.get('kind')}/{_meta_name(obj)}"
