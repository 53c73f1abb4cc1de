"""The semantic modules the server calls, bound to a resource type.

Server-side apply and update tracking (``managedfields``), patches
(``patching``) and defaulting (``defaults``) are pure functions; this module
chooses the merge schema (``ListKeys``) for a type once and words their
failures as the apiserver does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from vela_emulator import defaults, managedfields, patching
from vela_emulator.apistatus import ApiStatus, bad_request
from vela_emulator.mergeschema import ListKeys
from vela_emulator.registry import ResourceType

Obj = dict[str, Any]
PatchError = patching.PatchError
apply_defaults = defaults.apply_defaults
merge_patch = patching.merge_patch
json_patch = patching.json_patch


@lru_cache(maxsize=512)
def list_keys(rtype: ResourceType) -> ListKeys:
    """How lists and maps of this type merge: Go types for built-ins, the schema for CRDs."""
    if rtype.crd:
        return ListKeys.from_openapi_schema(rtype.schema or {})
    return ListKeys.builtin(rtype.kind)


def apply(
    rtype: ResourceType,
    live: Obj | None,
    applied: Obj,
    *,
    manager: str,
    force: bool,
    now: str,
    subresource: str,
) -> Obj:
    """Server-side apply; conflicts and refusals become the apiserver's Status errors."""
    try:
        return managedfields.server_side_apply(
            live,
            applied,
            manager=manager,
            force=force,
            now=now,
            list_keys=list_keys(rtype),
            subresource=subresource,
            reset_status=rtype.status or not rtype.crd,
        )
    except managedfields.ApplyConflict as exc:
        causes = [
            {"reason": c["type"], "message": c["message"], "field": c["field"]} for c in exc.causes
        ]
        raise ApiStatus(409, "Conflict", str(exc), details={"causes": causes}) from exc
    except managedfields.ApplyInvalid as exc:
        raise bad_request(str(exc)) from exc


def record_update(
    rtype: ResourceType, old: Obj | None, new: Obj, *, manager: str, now: str, subresource: str = ""
) -> Obj:
    """``new`` with managedFields saying ``manager`` made this change (operation Update).

    A main-resource write of a type with a status subresource does not own
    ``status`` (the apiserver's reset fields), so status is left out of the diff.
    """
    keys = list_keys(rtype)
    if subresource or not rtype.status:
        return managedfields.record_update(
            old, new, manager=manager, now=now, list_keys=keys, subresource=subresource
        )
    tracked = managedfields.record_update(
        _without_status(old), _without_status(new) or {}, manager=manager, now=now, list_keys=keys
    )
    if "status" in new:
        tracked["status"] = new["status"]
    return tracked


def _without_status(obj: Obj | None) -> Obj | None:
    if obj is None:
        return None
    return {k: v for k, v in obj.items() if k != "status"}


def strategic_merge_patch(rtype: ResourceType, obj: Obj, patch: Obj) -> Obj:
    return patching.strategic_merge_patch(obj, patch, list_keys=list_keys(rtype))
