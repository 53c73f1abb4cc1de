"""The semantic modules the server calls (server-side apply, patches, defaults).

One import point so the HTTP layer does not care where they come from.
"""

from __future__ import annotations

from gitops_vela.testing._fallback import (
    ApplyConflict,
    PatchError,
    apply_defaults,
    json_patch,
    merge_patch,
    record_update,
    server_side_apply,
    strategic_merge_patch,
)

__all__ = [
    "ApplyConflict",
    "PatchError",
    "apply_defaults",
    "json_patch",
    "merge_patch",
    "record_update",
    "server_side_apply",
    "strategic_merge_patch",
]
