"""What changed between two objects, as field sets (structured-merge-diff's Compare).

``compare`` walks two JSON-like objects by the kind's merge schema
(``mergeschema.ListKeys``) and returns the field paths (``fieldsets``) the
second one added, modified and removed. Server-side apply uses it to find
conflicts and the fields that change hands; update tracking uses it to give
a writer the fields it changed.

What a write changed includes every node it added or removed, so Update
entries show ``.`` on new maps (``f:data: {.: {}}``); fields of non-pointer Go
structs (``spec``, ``template``, ``status``, ``resources``) count as present in
an empty built-in object, as they are on a real server. A list whose items do
not decode (``elements_or_none`` gives None) compares as one value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vela_emulator.fieldsets import FieldSet, FieldSetError, Path, list_elements
from vela_emulator.mergeschema import JSON, ListKeys, Node

__all__ = ["Comparison", "compare", "elements_or_none"]


@dataclass
class Comparison:
    """What changed between two objects, as field sets (structured-merge-diff's Compare)."""

    added: FieldSet = field(default_factory=set)
    modified: FieldSet = field(default_factory=set)
    removed: FieldSet = field(default_factory=set)


def compare(old: JSON, new: JSON, list_keys: ListKeys) -> Comparison:
    result = Comparison()
    _compare(old, new, list_keys.root, (), result)
    return result


def _subtree(value: JSON, node: Node, path: Path, out: FieldSet) -> None:
    out.add(path)
    if isinstance(value, dict) and not node.atomic_map:
        for name, sub in value.items():
            _subtree(sub, node.child(name), (*path, "f:" + name), out)
    elif isinstance(value, list):
        elements = elements_or_none(value, node, path)
        if elements is not None and node.list_type == "map":
            for element, item in zip(elements, value, strict=True):
                _subtree(item, node.item(), (*path, element), out)
        elif elements is not None:
            out.update((*path, e) for e in elements)


def elements_or_none(value: list[JSON], node: Node, path: Path) -> list[str] | None:
    # Updates are tracked even when a list is malformed; it is then owned whole.
    try:
        return list_elements(value, node, path)
    except FieldSetError:
        return None


def _compare(old: JSON, new: JSON, node: Node, path: Path, out: Comparison) -> None:
    if isinstance(old, dict) and isinstance(new, dict) and not node.atomic_map:
        for name in {**old, **new}:
            child, sub = node.child(name), (*path, "f:" + name)
            if name in old and name in new:
                _compare(old[name], new[name], child, sub, out)
            elif name in new:
                _compare_one_sided(new[name], child, sub, out.added, out)
            else:
                _compare_one_sided(old[name], child, sub, out.removed, out, new_side=False)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_el, new_el = elements_or_none(old, node, path), elements_or_none(new, node, path)
        if old_el is not None and new_el is not None:
            _compare_lists(
                dict(zip(old_el, old, strict=True)),
                dict(zip(new_el, new, strict=True)),
                node,
                path,
                out,
            )
            return
    if old != new:
        out.modified.add(path)


def _compare_one_sided(
    value: JSON, node: Node, path: Path, into: FieldSet, out: Comparison, *, new_side: bool = True
) -> None:
    # A non-pointer Go struct exists (empty) on both sides, so only its content changes.
    if node.always and isinstance(value, dict | list):
        empty: JSON = {} if isinstance(value, dict) else []
        _compare(empty, value, node, path, out) if new_side else _compare(
            value, empty, node, path, out
        )
    else:
        _subtree(value, node, path, into)


def _compare_lists(
    old: dict[str, JSON], new: dict[str, JSON], node: Node, path: Path, out: Comparison
) -> None:
    for element in {**old, **new}:
        sub = (*path, element)
        if element in old and element in new:
            if node.list_type == "map":
                _compare(old[element], new[element], node.item(), sub, out)
        elif element in new:
            _subtree(
                new[element], node.item(), sub, out.added
            ) if node.list_type == "map" else out.added.add(sub)
        else:
            _subtree(
                old[element], node.item(), sub, out.removed
            ) if node.list_type == "map" else out.removed.add(sub)
