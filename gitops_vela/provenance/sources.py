"""Inputs as places to edit: the Appfile line of a value, or the definition line of a default.

An environment's values are merged over the base before the templates see
them (``render.environments``); the merged document remembers, for every
key, the file and key where its value was written. So a value prod's block
(or ``vela.prod.yaml``) set is named there, an inherited one in the base.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

from gitops_vela.errors import UserError
from gitops_vela.model import labels
from gitops_vela.model.appfile import Appfile, Service
from gitops_vela.model.definitions import Definition
from gitops_vela.provenance.origins import Source, SourceKind
from gitops_vela.provenance.trace import Input, ParamPath
from gitops_vela.render.discover import find_overlays, parse_appfile, read_appfile_text
from gitops_vela.render.environments import environment_document
from gitops_vela.yamldoc import (
    Document,
    KeyPath,
    YamlError,
    key_text,
    load_document,
    load_documents,
)

# Labels finalize adds to every object, and the Appfile key each one comes from.
_OWN_LABELS = {
    labels.APP_NAME: ("name",),
    labels.COMPONENT: ("services", "{service}"),
    labels.WORKLOAD_TYPE: ("services", "{service}", "type"),
    labels.TRAIT_TYPE: ("services", "{service}", "{definition}"),
    labels.MANAGED_BY: (),
    labels.OWNER: ("name",),
}


class Sources:
    """Describes the inputs of one app's services (needs the Appfile's line-aware document)."""

    def __init__(
        self, app: Appfile, doc: Document, definitions: Mapping[str, Definition], *, namespace: str
    ) -> None:
        self.app = app
        self.doc = doc
        self.definitions = definitions
        self.namespace = namespace

    def describe(self, service: Service, item: Input) -> Source:
        if item.kind == "context":
            return self._context(str(item.path[0]), service)
        key: KeyPath = (
            "services",
            service.name,
            *((item.owner,) if item.owner else ()),
            *item.path,
        )
        line = self.doc.lines.get(key)
        if line:
            file, written = self.doc.source_of(key)
            return Source(SourceKind.APPFILE, key_text(written), file, line, appfile_key=key)
        name = item.owner or service.type
        definition = self.definitions.get(name)
        file, where = (
            (definition.path, _default_line(definition, item.path)) if definition else ("", 0)
        )
        return Source(
            SourceKind.DEFAULT,
            _parameter_text(item.path),
            file,
            where,
            definition=name,
            appfile_key=key,
        )

    def _context(self, name: str, service: Service) -> Source:
        key: KeyPath = {
            "appName": ("name",),
            "name": ("services", service.name),
            "namespace": ("namespace",),
        }.get(name, ())
        file, line = self._where(key)
        where = key if name in ("appName", "namespace") else ()  # values written in the Appfile
        return Source(SourceKind.CONTEXT, name, file, line, appfile_key=where)

    def constant(self, definition: str) -> Source:
        found = self.definitions.get(definition)
        return Source(
            SourceKind.CONSTANT, file=found.template_path if found else "", definition=definition
        )

    def label(self, name: str, service: Service, definition: str) -> Source:
        parts = _OWN_LABELS.get(name, ())
        key: KeyPath = tuple(p.format(service=service.name, definition=definition) for p in parts)
        file, line = self._where(key)
        return Source(SourceKind.GITOPS_VELA, f"label {name}", file, line)

    def namespace_source(self) -> Source:
        file, line = self._where(("namespace",))
        if line:
            return Source(SourceKind.GITOPS_VELA, "namespace of the app", file, line)
        return Source(
            SourceKind.GITOPS_VELA,
            f"namespace {self.namespace!r} of the repository (the Appfile names none)",
        )

    def _where(self, key: KeyPath) -> tuple[str, int]:
        """The file and line where the Appfile key's value was written; ("", 0) if nowhere."""
        line = self.doc.lines.get(key, 0) if key else 0
        return (self.doc.source_of(key)[0], line) if line else ("", 0)


def appfile_document(root: Path, path: str, environment: str = "") -> Document | None:
    """The Appfile at ``path`` as ``environment`` sees it (its block and overlay file merged in,
    the same merge the render does), with each key's file and line; None when it no longer
    parses as the render saw it (changed under us): then there is nothing exact to say."""
    try:
        doc = parse_appfile(read_appfile_text(root, path), path)
        if doc is None or not environment:
            return doc if doc is None else environment_document(doc)
        overlay_path = find_overlays(root, path).get(environment, "")
        overlay = (
            load_document(read_appfile_text(root, overlay_path), path=overlay_path)
            if overlay_path
            else None
        )
        return environment_document(doc, environment, overlay)
    except (OSError, YamlError, UserError):
        return None


def is_own_label(name: str) -> bool:
    return name in _OWN_LABELS


def template_of(definitions: Mapping[str, Definition], name: str) -> str:
    found = definitions.get(name)
    return found.template_path if found else ""


def _parameter_text(path: ParamPath) -> str:
    return key_text(tuple("[]" if isinstance(p, int) else p for p in path)).replace(".[]", "[]")


def _schema_key(path: ParamPath) -> KeyPath:
    """Where a parameter's ``default`` sits in the definition document."""
    key: list[str | int] = ["spec", "parameters"]
    for part in path:
        key.extend(("items",) if isinstance(part, int) else ("properties", part))
    return (*key, "default")


def _default_line(definition: Definition, path: ParamPath) -> int:
    doc = _definition_document(definition.root, definition.path, definition.line)
    if doc is None:
        return definition.line
    return doc.line_of(_schema_key(path))


@functools.lru_cache(maxsize=256)
def _definition_document(root: str, path: str, line: int) -> Document | None:
    """The definition's YAML document, re-read for line numbers (provenance only, never the
    render: definitions keep no line map)."""
    relative = path.split(">/", 1)[1] if path.startswith("<") else path
    try:
        text = (Path(root) / relative).read_text(encoding="utf-8")
        documents = load_documents(text, path=path)
    except (OSError, UnicodeDecodeError, YamlError):
        return None
    return next((d for d in documents if d.line == line), documents[0] if documents else None)
