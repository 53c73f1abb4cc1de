"""What an app wants, one object at a time, stamped with its ownership label."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from gitops_vela.model.labels import DIGEST_ANNOTATION, OWNER, RECREATE_ANNOTATION, owner_value
from gitops_vela.model.objects import Manifest, ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.sync.fields import digest


@dataclass(frozen=True, slots=True)
class Desired:
    """One object an app renders, as it will be applied."""

    app: RenderedApp
    manifest: Manifest
    ref: ObjectRef
    digest: str

    @property
    def owner(self) -> str:
        return owner_value(self.app.repo, self.app.name)

    @property
    def api_version(self) -> str:
        return str(self.manifest["apiVersion"])

    @property
    def recreate_allowed(self) -> bool:
        """Delete-and-recreate on immutable fields, opted into by the object or its app."""
        annotations = (self.manifest.get("metadata") or {}).get("annotations") or {}
        wanted = (
            annotations.get(RECREATE_ANNOTATION),
            self.app.annotations.get(RECREATE_ANNOTATION),
        )
        return "enabled" in wanted


def desired_objects(apps: Iterable[RenderedApp]) -> list[Desired]:
    """Every object of every app, with the ownership label set (prune relies on it) and
    the digest annotation that lets the next run see, with no request, that Git did
    not change it."""
    found: list[Desired] = []
    for app in apps:
        owner = owner_value(app.repo, app.name)
        for obj in app.objects:
            # Only metadata is changed: copy down to it, share the rest (never mutated).
            manifest = dict(obj)
            meta = manifest["metadata"] = dict(obj.get("metadata") or {})
            meta["labels"] = {**(meta.get("labels") or {}), OWNER: owner}
            annotations = meta["annotations"] = dict(meta.get("annotations") or {})
            annotations.pop(DIGEST_ANNOTATION, None)
            stamp = digest(manifest)
            annotations[DIGEST_ANNOTATION] = stamp
            found.append(Desired(app, manifest, ObjectRef.from_manifest(manifest), stamp))
    return found


def applied_digest(live: Manifest) -> str | None:
    """The digest gitops-vela stamped on a live object when it last applied it."""
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(DIGEST_ANNOTATION)
    return str(value) if value else None
