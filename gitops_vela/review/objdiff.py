"""Per-object unified diffs between two renderings of one app (Secrets masked)."""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gitops_vela.model.masking import mask_pair
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.render import yamltext

MAX_DIFF_LINES = 400  # one object's diff past this is cut, with a note


class ObjectChange(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class RenderedObjectDiff:
    """How one rendered object differs between base and head (or live), as a unified diff."""

    ref: str  # ObjectRef as text: Kind.group/namespace/name
    change: ObjectChange
    diff: str
    explained: tuple[str, ...] = ()  # --explain: each changed field and what caused it


def diff_objects(
    before: Sequence[Manifest], after: Sequence[Manifest], *, context: int = 3
) -> tuple[RenderedObjectDiff, ...]:
    """Objects added, removed or changed, in head order then removed ones."""
    old = _by_ref(before)
    new = _by_ref(after)
    diffs: list[RenderedObjectDiff] = []
    for ref, obj in new.items():
        previous = old.get(ref)
        if previous is None:
            diffs.append(_diff(ref, None, obj, ObjectChange.ADDED, context))
        elif previous != obj:
            diffs.append(_diff(ref, previous, obj, ObjectChange.CHANGED, context))
    for ref, obj in old.items():
        if ref not in new:
            diffs.append(_diff(ref, obj, None, ObjectChange.REMOVED, context))
    return tuple(diffs)


def _by_ref(objects: Iterable[Manifest]) -> dict[ObjectRef, Manifest]:
    return {ObjectRef.from_manifest(obj): obj for obj in objects}


def _diff(
    ref: ObjectRef,
    before: Manifest | None,
    after: Manifest | None,
    change: ObjectChange,
    context: int,
) -> RenderedObjectDiff:
    masked_before, masked_after = mask_pair(before, after)
    lines = list(
        difflib.unified_diff(
            _yaml_lines(masked_before),
            _yaml_lines(masked_after),
            fromfile=f"base/{ref}" if before is not None else "/dev/null",
            tofile=f"head/{ref}" if after is not None else "/dev/null",
            n=context,
            lineterm="",
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        cut = len(lines) - MAX_DIFF_LINES
        lines = [*lines[:MAX_DIFF_LINES], f"... {cut} more diff lines not shown"]
    return RenderedObjectDiff(ref=str(ref), change=change, diff="\n".join(lines))


def _yaml_lines(obj: Manifest | None) -> list[str]:
    if obj is None:
        return []
    # both sides are rendered objects, already in kubectl's key order
    return yamltext.dump(obj, allow_unicode=True).splitlines()
