"""Why a field changed between two revisions (``review --explain``, ``diff --explain``).

Each changed leaf of a rendered object is explained at the revision where it
exists (head, or base for a removed field): the inputs it is carried from and
the templates that set it. A cause is what differs between the revisions
among those:

- an Appfile value feeding it (the key's value differs, or it appeared or went
  away and the default now applies): ``apps/shop/vela.yaml:18
  services.frontend.scaler.replicas: 2 -> 3``;
- a definition it comes from that changed (its template set the field, or its
  schema gave the default): ``definition scaler changed (<builtin>/scaler.jsonnet)``.

When neither applies (a context value, say), the field's sources at head are
given as they are, so the line always says where the value comes from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog
from gitops_vela.model.masking import is_secret, redact, secret_values
from gitops_vela.model.objects import ObjectRef
from gitops_vela.provenance.explain import explain_checkout
from gitops_vela.provenance.fields import (
    MISSING,
    FieldPath,
    flatten,
    format_path,
    lookup_indexed,
    scalar_text,
)
from gitops_vela.provenance.origins import FieldOrigin, ObjectOrigin, Source, SourceKind
from gitops_vela.provenance.sources import appfile_document
from gitops_vela.settings.tree import RenderSettings
from gitops_vela.yamldoc import Document, key_text

MAX_FIELDS = 40  # explained fields per object; a rewrite of a whole object says so once


@dataclasses.dataclass(frozen=True, slots=True)
class Revision:
    """One side of a comparison: a checkout as the review or diff rendered it."""

    root: Path
    repo: str
    revision: str
    catalog: Catalog
    app_globs: tuple[str, ...]
    namespace: str = "default"
    environment: str = ""  # whose values the Appfiles take ("" = the base)


def explain_changes(
    base: Revision,
    head: Revision,
    *,
    apps: Collection[str],
    changed_definitions: Collection[str],
    settings: RenderSettings,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """``(app, object ref text) -> one line per changed field``, for objects in both revisions.

    Objects only one side renders are not explained field by field (the diff
    shows them whole).
    """
    before = _explained(base, apps, settings)
    after = _explained(head, apps, settings)
    docs = AppfileValues(base.root, head.root, environment=head.environment)
    explained: dict[tuple[str, str], tuple[str, ...]] = {}
    for key, new in after.items():
        old = before.get(key)
        if old is None or old.object == new.object:
            continue
        lines = changed_fields(old, new, docs=docs, changed=set(changed_definitions))
        if lines:
            explained[key] = lines
    return explained


def _explained(
    side: Revision, apps: Collection[str], settings: RenderSettings
) -> dict[tuple[str, str], ObjectOrigin]:
    result = explain_checkout(
        side.root,
        repo=side.repo,
        revision=side.revision,
        default_namespace=side.namespace,
        app_globs=side.app_globs,
        apps=apps,
        catalog=side.catalog,
        settings=settings,
        environment=side.environment,
    )
    return {(o.app, str(ObjectRef.from_manifest(o.object))): o for o in result.objects}


def changed_fields(
    old: ObjectOrigin, new: ObjectOrigin, *, docs: AppfileValues, changed: set[str]
) -> tuple[str, ...]:
    """``field: before -> after  (cause; cause)`` for every leaf that differs."""
    before, after = flatten(old.object), flatten(new.object)
    origins_old = {f.path: f for f in old.fields}
    origins_new = {f.path: f for f in new.fields}
    paths = [p for p in after if before.get(p, MISSING) != after[p]]
    paths.extend(p for p in before if p not in after)
    lines: list[str] = []
    for path in paths[:MAX_FIELDS]:
        origin = origins_new.get(path) or origins_old.get(path)
        causes = _causes(path, origin, new.appfile, docs=docs, changed=changed)
        value = (
            f"{scalar_text(before.get(path, MISSING))} -> {scalar_text(after.get(path, MISSING))}"
        )
        lines.append(f"{format_path(path)}: {value}  ({'; '.join(causes) or 'unknown'})")
    if len(paths) > MAX_FIELDS:
        lines.append(f"... and {len(paths) - MAX_FIELDS} more fields")
    if is_secret(old.object) or is_secret(new.object):
        # a Secret's values (and the Appfile values that became them) never leave unmasked
        hidden = secret_values([old.object, new.object])
        lines = [redact(line, hidden) for line in lines]
    return tuple(lines)


def _causes(
    path: FieldPath,
    origin: FieldOrigin | None,
    appfile: str,
    *,
    docs: AppfileValues,
    changed: set[str],
) -> list[str]:
    if origin is None:
        return []
    found: list[str] = []
    for source in (*origin.sources, *origin.depends):
        if source.appfile_key:
            edit = docs.change(appfile, source)
            if edit:
                found.append(edit)
        if (
            source.kind in (SourceKind.DEFAULT, SourceKind.CONSTANT)
            and source.definition in changed
        ):
            found.append(f"definition {source.definition} changed ({source.file})")
    for step in origin.steps:
        if step.definition in changed:
            found.append(f"definition {step.definition} changed ({step.template})")
    if not found:
        found = [f"from {source}" for source in origin.sources[:2]]
    return list(dict.fromkeys(found))


class AppfileValues:
    """The Appfiles at base and head as one environment sees them (blocks and overlays merged
    in), read once each, to compare a key's value."""

    def __init__(self, base: Path, head: Path, *, environment: str = "") -> None:
        self.roots = {"base": base, "head": head}
        self.environment = environment
        self.cache: dict[tuple[str, str], Document | None] = {}

    def change(self, appfile: str, source: Source) -> str:
        """``file:line key: old -> new`` when the Appfile key's value differs, else "".

        The values compared are the merged ones (what the templates saw); the place
        named is where head writes the value: the base, an environment block or an
        overlay file (when head no longer sets it: its nearest key that is written)."""
        key = source.appfile_key
        old = _value(self._doc("base", appfile), key)
        new = _value(self._doc("head", appfile), key)
        if old == new:
            return ""
        doc = self._doc("head", appfile)
        line, (file, written) = (
            (doc.line_of(key), doc.source_of(key)) if doc is not None else (0, (appfile, key))
        )
        what = f"{file}:{line} {key_text(written)}" if line else f"{file} {key_text(written)}"
        return f"{what}: {_shown(old)} -> {_shown(new)}"

    def _doc(self, side: str, path: str) -> Document | None:
        if (side, path) not in self.cache:
            self.cache[(side, path)] = appfile_document(self.roots[side], path, self.environment)
        return self.cache[(side, path)]


def _value(doc: Document | None, key: Sequence[str | int]) -> Any:
    return MISSING if doc is None else lookup_indexed(doc.value, tuple(key))


def _shown(value: Any) -> str:
    return "(not set: the default applies)" if value is MISSING else scalar_text(value)


def explain_live(origin: ObjectOrigin, live: Mapping[str, Any] | None) -> tuple[str, ...]:
    """``diff --explain``: each field whose live value differs, its origin, and who wrote it."""
    lines: list[str] = []
    for field in origin.fields:
        if field.live is None or not field.live.drifted:
            continue
        now = scalar_text(field.live.value)
        where = ", ".join(str(s) for s in field.sources[:2])
        setter = f" ({field.set_by})" if field.set_by else ""
        writers = ", ".join(str(o) for o in field.live.owners[:2]) or "no manager recorded"
        lines.append(
            f"{field.field}: live {now}, rendered {field.value_text()}  "
            f"(from {where}{setter}; live written by {writers})"
        )
    if is_secret(origin.object):
        hidden = secret_values([origin.object, dict(live) if live else None])
        lines = [redact(line, hidden) for line in lines]
    return tuple(lines[:MAX_FIELDS])
