"""``defs vet``: lint definitions for what loading them does not catch.

Errors (``validate`` reports them too, and they fail it):
- a ``default`` that its own schema rejects (an app leaving the parameter
  out gets a value the definition itself forbids);
- ``appliesToWorkloads``/``conflictsWith`` naming no definition (a typo
  that silently makes a trait apply nowhere, or conflict with nothing);
  patterns with a dot (``deployments.apps``, ``*.apps``) name resource
  kinds, not definitions, and are left alone;
- a template reading ``parameter.x`` the schema does not declare;
- a health policy that does not evaluate on the objects of the
  definition's example (a Jsonnet error, or no ``{healthy: bool}``).

Warnings: a parameter with no description, a parameter declared but never
read by the template, a definition with no description or no example.

Template reading is a scan of the Jsonnet source (comments stripped):
``parameter.x``, ``parameter['x']`` and calls like ``std.objectHas(parameter,
'x')`` or ``vela.opt(parameter, 'x')`` read ``x``. A template that passes
``parameter`` whole to a function may read anything, so "never read" is
only reported for templates that read their parameters field by field.
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from gitops_vela.catalog import Catalog
from gitops_vela.catalog.sandbox import LIBRARY
from gitops_vela.defcheck.cases import Case, CaseKind, collect_cases, home_of
from gitops_vela.defcheck.runner import render_cases
from gitops_vela.errors import GitopsVelaError, UserError
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.render.engine import call_function
from gitops_vela.settings.tree import RenderSettings
from gitops_vela.yamldoc import KeyPath, YamlError, key_text, load_documents, read_text

_COMMENTS = re.compile(
    r"/\*.*?\*/|//[^\n]*|#[^\n]*|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", re.S
)
_SIGNATURE = re.compile(r"\bfunction\s*\(\s*([A-Za-z_]\w*)")
_IDENT = r"[A-Za-z_]\w*"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem of one definition, with where it is (``file:line: key: message``)."""

    severity: Severity
    definition: str
    diagnostic: Diagnostic

    def __str__(self) -> str:
        return f"{self.severity}: {self.diagnostic}"


def vet_catalog(
    definitions: Sequence[Definition],
    catalog: Catalog,
    *,
    health: bool = True,
    settings: RenderSettings | None = None,
) -> list[Finding]:
    """Findings for ``definitions`` (checked against the whole ``catalog``), errors first.

    ``health``: also evaluate health policies on each definition's example (renders it).
    """
    findings: list[Finding] = []
    for definition in definitions:
        where = _locator(definition)
        findings.extend(_documentation(definition, where))
        findings.extend(_defaults(definition, where))
        findings.extend(_references(definition, catalog, where))
        findings.extend(_template_reads(definition, where))
    if health:
        findings.extend(_health_on_examples(definitions, catalog, settings))
    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    return sorted(findings, key=lambda f: order[f.severity])


Where = Callable[[KeyPath], int]


def _locator(definition: Definition) -> Where:
    """The line of a key path in the definition's document (its first line when unknown)."""
    directory, _ = home_of(definition)
    file = directory / definition.path.rpartition("/")[2]
    try:
        docs = load_documents(read_text(file, display=definition.path, limit=1 << 20), path="")
    except YamlError:
        docs = []
    for doc in docs:
        if doc.line == definition.line or (
            isinstance(doc.value, dict)
            and (doc.value.get("metadata") or {}).get("name") == definition.name
        ):
            return lambda key, doc=doc: doc.line_of(key)  # type: ignore[misc]
    return lambda _key: definition.line


def _finding(
    severity: Severity,
    definition: Definition,
    where: Where,
    key: KeyPath,
    message: str,
    hint: str = "",
) -> Finding:
    diagnostic = Diagnostic(definition.path, message, where(key), key_text(key), hint)
    return Finding(severity, definition.name, diagnostic)


# -- documentation -------------------------------------------------------------------------


def _documentation(definition: Definition, where: Where) -> Iterator[Finding]:
    annotations: KeyPath = ("metadata", "annotations")
    if not definition.description.strip():
        hint = "say what it renders in definition.oam.dev/description: defs list and show print it"
        yield _finding(Severity.WARNING, definition, where, annotations, "no description", hint)
    if not definition.example.strip():
        hint = "add gitops-vela.dev/example: services using it, which defs test renders"
        yield _finding(Severity.WARNING, definition, where, annotations, "no example", hint)
    for path, schema in _properties(definition.parameters, ("spec", "parameters")):
        if not str(schema.get("description") or "").strip():
            hint = "defs show prints it as the parameter's documentation"
            yield _finding(
                Severity.WARNING, definition, where, path, "parameter has no description", hint
            )


def _properties(schema: Any, path: KeyPath) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    """Every named parameter, nested ones (objects, items of arrays) included."""
    if not isinstance(schema, dict):
        return
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            here = (*path, "properties", name)
            yield here, sub
            yield from _properties(sub, here)
    items = schema.get("items")
    if isinstance(items, dict):
        yield from _properties(items, (*path, "items"))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from _properties(extra, (*path, "additionalProperties"))


# -- defaults ------------------------------------------------------------------------------


def _defaults(definition: Definition, where: Where) -> Iterator[Finding]:
    for path, schema in _with_defaults(definition.parameters, ("spec", "parameters")):
        rules = {k: v for k, v in schema.items() if k != "default"}
        errors = sorted(Draft202012Validator(rules).iter_errors(schema["default"]), key=str)
        if errors:
            value = json.dumps(schema["default"], default=str)
            message = f"default {value} is not valid for its own schema: {errors[0].message}"
            yield _finding(Severity.ERROR, definition, where, (*path, "default"), message)


def _with_defaults(schema: Any, path: KeyPath) -> Iterator[tuple[KeyPath, dict[str, Any]]]:
    if not isinstance(schema, dict):
        return
    if "default" in schema:
        yield path, schema
    for found_path, sub in _properties(schema, path):
        if "default" in sub:
            yield found_path, sub


# -- references to other definitions -------------------------------------------------------


def _references(definition: Definition, catalog: Catalog, where: Where) -> Iterator[Finding]:
    names = {d.name for d in catalog}
    workloads = {d.name for d in catalog.workloads}
    if definition.is_trait:
        for index, pattern in enumerate(definition.applies_to):
            if pattern != "*" and "." not in pattern and pattern not in workloads:
                message = f"appliesToWorkloads names {pattern!r}, which is no workload definition"
                hint = (
                    _did_you_mean(pattern, workloads)
                    or "name a workload, or a kind as <plural>.<group>"
                )
                yield _finding(
                    Severity.ERROR,
                    definition,
                    where,
                    ("spec", "appliesToWorkloads", index),
                    message,
                    hint,
                )
    for index, name in enumerate(definition.conflicts_with):
        if name not in names:
            message = f"conflictsWith names {name!r}, which is no definition"
            yield _finding(
                Severity.ERROR,
                definition,
                where,
                ("spec", "conflictsWith", index),
                message,
                _did_you_mean(name, names),
            )


def _did_you_mean(name: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return f"did you mean {close[0]!r}?" if close else ""


# -- what the template reads ---------------------------------------------------------------


def _template_reads(definition: Definition, where: Where) -> Iterator[Finding]:
    # the built-in library's helpers take ``parameter`` too: only the definition's own files
    own = [
        text
        for path, text in definition.sources.items()
        if path == definition.entry or not path.startswith(LIBRARY)
    ]
    entry = definition.sources.get(definition.entry, definition.template)
    signature = _SIGNATURE.search(_code(entry))
    if signature is None:
        return
    reads, whole = _reads(own, signature.group(1))
    schema = definition.parameters
    declared = set((schema.get("properties") or {}).keys())
    open_schema = schema.get("additionalProperties", True) is not False and not declared
    key: KeyPath = ("spec", "schematic")
    for name in sorted(reads - declared) if not open_schema else ():
        message = f"the template reads parameter {name!r}, which spec.parameters does not declare"
        hint = _did_you_mean(name, declared) or "declare it (with a description) or stop reading it"
        yield _finding(Severity.ERROR, definition, where, key, message, hint)
    for name in sorted(declared - reads) if not whole else ():
        message = f"parameter {name!r} is declared but the template never reads it"
        path: KeyPath = ("spec", "parameters", "properties", name)
        yield _finding(Severity.WARNING, definition, where, path, message, "remove it, or use it")


def _code(source: str) -> str:
    """The source with comments blanked out (strings kept: they hold field names)."""
    return _COMMENTS.sub(lambda m: m.group(0) if m.group(0)[0] in "'\"" else " ", source)


def _reads(sources: Iterable[str], name: str) -> tuple[set[str], bool]:
    """Fields of ``name`` read in ``sources``, and whether ``name`` is used whole somewhere."""
    field = re.compile(rf"(?<![\w.]){name}\s*(?:\.\s*({_IDENT})|\[\s*['\"]([^'\"]+)['\"]\s*\])")
    by_name = re.compile(rf"\(\s*{name}\s*,\s*['\"]([^'\"]+)['\"]")
    every = re.compile(rf"(?<![\w.]){name}(?!\w)")
    reads: set[str] = set()
    whole = False
    for source in sources:
        code = _code(source)
        spans: set[int] = set()
        for match in field.finditer(code):
            reads.add(match.group(1) or match.group(2))
            spans.add(match.start())
        for match in by_name.finditer(code):
            reads.add(match.group(1))
            spans.add(match.start() + code[match.start() :].index(name))
        signatures = {m.start(1) for m in _SIGNATURE.finditer(code)}
        whole = whole or any(m.start() not in spans | signatures for m in every.finditer(code))
    return reads, whole


# -- health policies on the example --------------------------------------------------------


def _health_on_examples(
    definitions: Sequence[Definition], catalog: Catalog, settings: RenderSettings | None
) -> Iterator[Finding]:
    """Render each definition's example (or first case) and run the Jsonnet health
    policy of every object it renders, as the daemon would right after applying it."""
    samples = _samples(definitions)
    rendered = render_cases(list(samples.values()), catalog, settings)
    by_name = {d.name: d for d in definitions}
    for name, case in samples.items():
        app = rendered.get((case.definition, case.name))
        if not isinstance(app, RenderedApp):
            continue  # defs test reports a case that does not render
        for ref, policy in sorted(app.health_policies.items(), key=lambda item: str(item[0])):
            problem = _policy_problem(policy, _object(app, ref), ref)
            if problem:
                definition = by_name[name]
                where = _locator(definition)
                key: KeyPath = (
                    ("spec", "status", "healthPolicy") if policy == definition.health_policy else ()
                )
                yield _finding(Severity.ERROR, definition, where, key, problem)


def _samples(definitions: Iterable[Definition]) -> dict[str, Case]:
    """Per definition, the case whose objects health policies run on: the example, or
    else the first case file that is meant to render."""
    samples: dict[str, Case] = {}
    for case in collect_cases(definitions):
        usable = not case.broken and case.kind is not CaseKind.ERROR
        if usable and (case.name == "example" or case.definition not in samples):
            samples[case.definition] = case
    return samples


def _object(app: RenderedApp, ref: ObjectRef) -> Mapping[str, Any]:
    return next(o for o in app.objects if ObjectRef.from_manifest(o) == ref)


def _policy_problem(policy: str, obj: Mapping[str, Any], ref: ObjectRef) -> str:
    where = f"the health policy of {obj.get('kind')} {ref.name} (rendered by the example)"
    try:
        verdict = call_function(policy, args={"object": obj}, name=where)
    except UserError as exc:
        # a Jsonnet error's first line says what; the rest is a stack trace into the policy
        reason = "; ".join(d.message.strip().splitlines()[0] for d in exc.diagnostics if d.message)
        return f"{where} does not evaluate on it: {reason}"
    except GitopsVelaError as exc:
        return f"{where} does not evaluate on it: {exc.message}"
    if not isinstance(verdict, dict) or not isinstance(verdict.get("healthy"), bool):
        return f"{where} must return {{healthy: bool, message: string}}, got {json.dumps(verdict)[:120]}"
    return ""
