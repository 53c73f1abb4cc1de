"""Parameter values against a definition's JSON Schema: defaults, checks, file parameters."""

from __future__ import annotations

import copy
import difflib
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from gitops_vela.catalog.sandbox import PathRefused, normalize
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render.files import RepoFiles
from gitops_vela.yamldoc import Document, KeyPath, YamlError

FILES_MARKER = "x-gitops-vela-files"
_validators: dict[str, Draft202012Validator] = {}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def fill_defaults(value: Any, schema: Mapping[str, Any]) -> Any:
    """A copy of ``value`` with the schema's ``default``s filled in, recursively.

    Only objects (``properties``) and arrays (``items``) are walked: that is
    where defaults of a parameter schema live. A missing object whose
    properties have defaults is not created unless it has a default itself.
    """
    if isinstance(value, dict):
        result = dict(value)
        for name, sub in (schema.get("properties") or {}).items():
            if not isinstance(sub, dict):
                continue
            if name not in result and "default" in sub:
                result[name] = copy.deepcopy(sub["default"])
            if name in result:
                result[name] = fill_defaults(result[name], sub)
        return result
    items = schema.get("items")
    if isinstance(value, list) and isinstance(items, dict):
        return [fill_defaults(item, items) for item in value]
    return value


def check_values(
    values: Mapping[str, Any],
    definition: Definition,
    *,
    doc: Document,
    prefix: KeyPath,
    also_known: Sequence[str] = (),
) -> list[Diagnostic]:
    """Every schema violation of ``values``, pointing at the Appfile line of the offending key."""
    validator = _validators.get(definition.digest)
    if validator is None:
        if len(_validators) > 512:  # definitions changed many times: start over
            _validators.clear()
        validator = _validators[definition.digest] = Draft202012Validator(definition.parameters)
    problems: list[Diagnostic] = []
    for error in validator.iter_errors(values):
        problems.extend(_explain(error, definition, doc=doc, prefix=prefix, also_known=also_known))
    return sorted(problems, key=lambda d: (d.line, d.key))


def _explain(
    error: ValidationError,
    definition: Definition,
    *,
    doc: Document,
    prefix: KeyPath,
    also_known: Sequence[str],
) -> list[Diagnostic]:
    where: KeyPath = (*prefix, *error.absolute_path)
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return [doc.diagnostic(where, error.message)]
    schema = error.schema if isinstance(error.schema, dict) else {}
    known = list(schema.get("properties") or {})
    patterns = list(schema.get("patternProperties") or {})
    extras = [
        key
        for key in error.instance
        if key not in known and not any(re.search(p, key) for p in patterns)
    ]
    candidates = [*known, *also_known] if not error.absolute_path else known
    what = f"{definition.kind.value.removesuffix('Definition').lower()} {definition.name!r}"
    return [
        doc.diagnostic(
            (*where, key),
            f"unknown parameter {key!r} of {what}",
            hint=did_you_mean(key, candidates),
        )
        for key in extras
    ]


def expand_files(
    values: Mapping[str, Any],
    schema: Mapping[str, Any],
    *,
    doc: Document,
    prefix: KeyPath,
    files: RepoFiles,
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Replace each files parameter (``x-gitops-vela-files: true``) by the YAML documents it names.

    Paths are relative to the Appfile's directory and must stay inside the
    repository (no absolute paths, ``..`` escapes or symlinks leading out).
    """
    result = dict(values)
    problems: list[Diagnostic] = []
    for name, sub in (schema.get("properties") or {}).items():
        if not isinstance(sub, dict) or name not in result:
            continue
        key: KeyPath = (*prefix, name)
        if sub.get(FILES_MARKER) is True and isinstance(result[name], list):
            result[name] = _read_files(
                result[name], doc=doc, key=key, files=files, problems=problems
            )
        elif isinstance(result[name], dict):
            result[name], more = expand_files(result[name], sub, doc=doc, prefix=key, files=files)
            problems.extend(more)
    return result, problems


def _read_files(
    paths: list[Any], *, doc: Document, key: KeyPath, files: RepoFiles, problems: list[Diagnostic]
) -> list[Any]:
    documents: list[Any] = []
    base = posixpath.dirname(doc.path)
    for index, path in enumerate(paths):
        where: KeyPath = (*key, index)
        try:
            documents.extend(files.documents(_inside(base, str(path))))
        except PathRefused as exc:
            problems.append(doc.diagnostic(where, f"file {exc}"))
        except YamlError as exc:
            problems.append(doc.diagnostic(where, f"file {path!r} is not valid YAML: {exc}"))
    return documents


def _inside(base: str, path: str) -> str:
    """``path`` (relative to the Appfile's directory ``base``) relative to the repository root."""
    if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path):
        raise PathRefused(f"{path!r} is an absolute path: give it relative to the Appfile")
    try:
        return normalize(posixpath.join(base, path))
    except PathRefused as exc:
        raise PathRefused(f"{path!r} points outside the repository") from exc
