"""Two forms of one object as a unified diff: server fields dropped, Secret values masked.

Both sides drop server-owned metadata and status, and Secrets are masked
(``masking``) before the text diff is made, so no value can leak into it.
"""

from __future__ import annotations

import difflib

from gitops_vela.model.labels import DIGEST_ANNOTATION
from gitops_vela.model.masking import mask_pair, strip_server_fields
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.render import yamltext


def render_diff(ref: ObjectRef, live: Manifest | None, merged: Manifest | None) -> str:
    """A unified diff of two objects without server fields, Secret values masked."""
    before, after = mask_pair(_shown(live), _shown(merged))
    # keys sorted: the two sides come from the server and from Git, in different orders
    a = yamltext.dump(before, sort_keys=True).splitlines(keepends=True) if before else []
    b = yamltext.dump(after, sort_keys=True).splitlines(keepends=True) if after else []
    return "".join(difflib.unified_diff(a, b, fromfile=f"live/{ref}", tofile=f"git/{ref}"))


def _shown(obj: Manifest | None) -> Manifest | None:
    """An object as a diff shows it: no server fields, no bookkeeping annotation."""
    if obj is None:
        return None
    shown = strip_server_fields(obj)
    annotations = (shown.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(DIGEST_ANNOTATION, None)
        if not annotations:
            shown["metadata"].pop("annotations")
    return shown
