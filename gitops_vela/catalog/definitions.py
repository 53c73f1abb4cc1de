"""One WorkloadDefinition / TraitDefinition document -> a checked ``Definition``."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from gitops_vela.catalog.sandbox import PathRefused, confined_file, import_candidates, scan_imports
from gitops_vela.errors import DefinitionError
from gitops_vela.model.definitions import Definition, DefinitionKind
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.yamldoc import Document, KeyPath, YamlError, read_text

API_VERSION = "core.oam.dev/v1beta1"
DESCRIPTION = "definition.oam.dev/description"
EXAMPLE = "gitops-vela.dev/example"
MAX_SOURCE_BYTES = 1024 * 1024
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_KINDS = {kind.value: kind for kind in DefinitionKind}
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@dataclass(frozen=True)
class Roots:
    """Where found paths live on disk: namespace ("" or "<...>/") -> directory."""

    dirs: Mapping[str, Path]

    def read(self, found: str) -> str:
        for space, directory in self.dirs.items():
            rest = found[len(space) :]
            if found.startswith(space) and (space or not found.startswith("<")):
                file = confined_file(directory, rest)
                try:
                    return read_text(file, display=found, limit=MAX_SOURCE_BYTES)
                except YamlError as exc:
                    raise PathRefused(exc.diagnostic.message) from exc
        raise PathRefused(f"{found!r} is not in a known root")


def parse_definition(
    doc: Document, *, origin: str, space: str, roots: Roots, root: Path
) -> Definition:
    """Check one document and load its template with every file it imports."""
    problems: list[Diagnostic] = []
    if not isinstance(doc.value, dict):
        raise DefinitionError(doc.diagnostic((), "a definition must be a YAML mapping"))
    body: dict[str, Any] = doc.value
    kind = _kind(doc, body, problems)
    name = _name(doc, body, problems)
    spec = body.get("spec")
    if not isinstance(spec, dict):
        problems.append(doc.diagnostic(("spec",), "spec must be a mapping"))
        raise DefinitionError(problems)
    parameters = _parameters(doc, spec, problems)
    entry, sources = _template(doc, spec, name=name, space=space, roots=roots, problems=problems)
    applies = _strings(doc, spec, "appliesToWorkloads", problems) or ("*",)
    conflicts = _strings(doc, spec, "conflictsWith", problems)
    health_policy = _health_policy(doc, spec, problems)
    version = _version(doc, spec, problems)
    if problems or kind is None:
        raise DefinitionError(problems)
    return Definition(
        kind=kind,
        name=name,
        template=sources.get(entry, ""),
        template_path=entry,
        root=str(root),
        digest=_digest(doc.value, sources),
        origin=origin,
        path=doc.path,
        line=doc.line,
        description=_description(body),
        example=_annotation(body, EXAMPLE),
        example_line=doc.line_of(("metadata", "annotations", EXAMPLE)),
        applies_to=applies,
        conflicts_with=conflicts,
        definition_ref=_definition_ref(spec),
        parameters=parameters,
        health_policy=health_policy,
        version=version,
        imports=tuple(path for path in sources if path != entry),
        entry=entry,
        sources=sources,
    )


def _kind(doc: Document, body: dict[str, Any], problems: list[Diagnostic]) -> DefinitionKind | None:
    if body.get("apiVersion") != API_VERSION:
        problems.append(
            doc.diagnostic(
                ("apiVersion",), f"expected {API_VERSION!r}, got {body.get('apiVersion')!r}"
            )
        )
    kind = _KINDS.get(str(body.get("kind")))
    if kind is None:
        problems.append(
            doc.diagnostic(
                ("kind",),
                f"unsupported kind {body.get('kind')!r}",
                hint="expected WorkloadDefinition or TraitDefinition",
            )
        )
    return kind


def _name(doc: Document, body: dict[str, Any], problems: list[Diagnostic]) -> str:
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not _NAME.match(name) or len(name) > 63:
        problems.append(
            doc.diagnostic(
                ("metadata", "name"),
                f"name {name!r} is not a DNS-1123 label (lower case, digits, '-')",
            )
        )
        return str(name)
    return name


def _version(doc: Document, spec: dict[str, Any], problems: list[Diagnostic]) -> str:
    """``spec.version`` as written, checked now so a pin can later compare it without guessing."""
    version = spec.get("version")
    if version is None:
        return ""
    if not isinstance(version, str) or not _SEMVER.match(version):
        problems.append(
            doc.diagnostic(
                ("spec", "version"),
                f"version {version!r} is not a semantic version",
                hint='write MAJOR.MINOR.PATCH as a quoted string, e.g. "1.2.0"',
            )
        )
        return ""
    return version


def _description(body: dict[str, Any]) -> str:
    return _annotation(body, DESCRIPTION)


def _annotation(body: dict[str, Any], key: str) -> str:
    metadata = body.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    return str(annotations.get(key, "")) if isinstance(annotations, dict) else ""


def _definition_ref(spec: dict[str, Any]) -> str:
    ref = spec.get("definitionRef")
    return str(ref.get("name", "")) if isinstance(ref, dict) else ""


def _strings(
    doc: Document, spec: dict[str, Any], key: str, problems: list[Diagnostic]
) -> tuple[str, ...]:
    value = spec.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        problems.append(doc.diagnostic(("spec", key), "must be a list of strings"))
        return ()
    return tuple(value)


def _health_policy(doc: Document, spec: dict[str, Any], problems: list[Diagnostic]) -> str | None:
    status = spec.get("status")
    if status is None:
        return None
    policy = status.get("healthPolicy") if isinstance(status, dict) else None
    if policy is not None and not isinstance(policy, str):
        problems.append(doc.diagnostic(("spec", "status", "healthPolicy"), "must be a string"))
        return None
    return policy


def _parameters(doc: Document, spec: dict[str, Any], problems: list[Diagnostic]) -> dict[str, Any]:
    schema = spec.get("parameters")
    if schema is None:
        return {"type": "object"}
    if not isinstance(schema, dict):
        problems.append(doc.diagnostic(("spec", "parameters"), "must be a JSON Schema mapping"))
        return {}
    problem = _schema_problem(json.dumps(schema, sort_keys=True, default=str))
    if problem is not None:
        key: KeyPath = ("spec", "parameters", *problem[0])
        problems.append(doc.diagnostic(key, f"invalid JSON Schema: {problem[1]}"))
    if schema.get("type", "object") != "object":
        problems.append(doc.diagnostic(("spec", "parameters", "type"), "must be 'object'"))
    return schema


@functools.lru_cache(maxsize=1024)
def _schema_problem(schema_json: str) -> tuple[tuple[str | int, ...], str] | None:
    """Where a schema breaks the 2020-12 meta-schema, if it does.

    Checking against the meta-schema takes ~50 ms per schema; the same
    definitions are loaded on every poll, so results are kept per schema text.
    """
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as exc:
        return tuple(exc.path), exc.message
    return None


def _template(
    doc: Document,
    spec: dict[str, Any],
    *,
    name: str,
    space: str,
    roots: Roots,
    problems: list[Diagnostic],
) -> tuple[str, dict[str, str]]:
    schematic = spec.get("schematic")
    jsonnet = schematic.get("jsonnet") if isinstance(schematic, dict) else None
    if not isinstance(jsonnet, dict):
        other = sorted(schematic) if isinstance(schematic, dict) else []
        hint = f"found {', '.join(other)}; only jsonnet is supported" if other else ""
        problems.append(
            doc.diagnostic(
                ("spec", "schematic"), "needs jsonnet.template or jsonnet.file", hint=hint
            )
        )
        return "", {}
    template, file = jsonnet.get("template"), jsonnet.get("file")
    key: KeyPath = ("spec", "schematic", "jsonnet")
    if (template is None) == (file is None):
        problems.append(doc.diagnostic(key, "give exactly one of 'template' or 'file'"))
        return "", {}
    yaml_path = doc.path
    if template is not None:
        if not isinstance(template, str):
            problems.append(doc.diagnostic((*key, "template"), "must be a string"))
            return "", {}
        entry = f"{yaml_path}[{name}]"
        return entry, _closure(doc, entry, template, roots=roots, problems=problems, key=key)
    if not isinstance(file, str):
        problems.append(doc.diagnostic((*key, "file"), "must be a path string"))
        return "", {}
    try:
        entry = import_candidates(yaml_path, file)[0]
        source = roots.read(entry)
    except PathRefused as exc:
        problems.append(doc.diagnostic((*key, "file"), f"template file {exc}"))
        return "", {}
    return entry, _closure(doc, entry, source, roots=roots, problems=problems, key=key)


def _closure(
    doc: Document,
    entry: str,
    source: str,
    *,
    roots: Roots,
    problems: list[Diagnostic],
    key: KeyPath,
) -> dict[str, str]:
    """The template and every file it imports, transitively, read through the sandbox."""
    sources = {entry: source}
    queue = [entry]
    while queue:
        importer = queue.pop()
        for imported in scan_imports(sources[importer]):
            found = _resolve(importer, imported, roots, sources)
            if isinstance(found, str):
                problems.append(doc.diagnostic(key, f"{importer}: import {found}"))
            elif found[0] not in sources:
                sources[found[0]] = found[1]
                queue.append(found[0])
    return sources


def _resolve(
    importer: str, imported: str, roots: Roots, known: Mapping[str, str]
) -> tuple[str, str] | str:
    """(found path, source) of an import, or why it is refused."""
    try:
        candidates = import_candidates(importer, imported)
    except PathRefused as exc:
        return str(exc)
    reason = f"{imported!r} not found"
    for found in candidates:
        if found in known:
            return found, known[found]
        try:
            return found, roots.read(found)
        except PathRefused as exc:
            if "symlink" in str(exc) or "limit" in str(exc):
                reason = str(exc)
    return reason


def _digest(document: Any, sources: Mapping[str, str]) -> str:
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode())
    for path in sorted(sources):
        digest.update(b"\0" + path.encode() + b"\0" + sources[path].encode())
    return digest.hexdigest()
