"""Validate an added or changed definition on its own, before any app renders it.

The catalog already checks the document and its parameter schema (its
problems come back as catalog diagnostics). Here: the template compiles and
is a function, and the healthPolicy compiles and is a function; a definition
no app uses yet still gets its typo caught. Rendering the apps that use it is
the last check, done by the review itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render.engine import Job, JobResult, evaluate
from gitops_vela.render.library import library_files

_DIR = "<review>/"
_CHECK = f"{_DIR}check.jsonnet"
_POLICY = f"{_DIR}healthPolicy.jsonnet"
_KIND = re.compile(r"^(RUNTIME|STATIC) ERROR: ")
_WHERE = re.compile(r"^(\S+?):(\d+):[\d:()-]+")


def validate_definitions(definitions: Sequence[Definition]) -> dict[str, tuple[str, ...]]:
    """Problems per definition ref (only refs with problems), all compiled in one batch."""
    checks = [(d, what, job) for d in definitions for what, job in _jobs(d)]
    outcomes = evaluate([job for _, _, job in checks]) if checks else []
    problems: dict[str, list[str]] = {}
    for (definition, what, _), outcome in zip(checks, outcomes, strict=True):
        problem = _problem(definition, what, outcome)
        if problem is not None:
            problems.setdefault(definition.ref, []).append(str(problem))
    return {name: tuple(found) for name, found in problems.items()}


def _jobs(definition: Definition) -> list[tuple[str, Job]]:
    jobs = []
    if definition.entry:
        jobs.append(
            (
                "template",
                Job(
                    filename=_CHECK,
                    source="std.type(import 'template')",
                    files={**library_files(), **definition.sources},
                    entries={"template": definition.entry},
                ),
            )
        )
    if definition.health_policy:
        jobs.append(
            (
                "healthPolicy",
                Job(
                    filename=_CHECK,
                    source="std.type(import 'healthPolicy.jsonnet')",
                    files={**library_files(), _POLICY: definition.health_policy},
                ),
            )
        )
    return jobs


def _problem(definition: Definition, what: str, outcome: JobResult) -> Diagnostic | None:
    path = (definition.template_path if what == "template" else "") or definition.path
    line = definition.line if path == definition.path else 0
    if not outcome.ok:
        path, line, detail = _locate(outcome, default=(path, line))
        return Diagnostic(path, f"{what} does not compile: {detail}", line)
    kind = outcome.text.strip().strip('"')
    if kind != "function":
        expected = "function(parameter, context)" if what == "template" else "function(object)"
        article = "an" if kind[:1] in ("a", "e", "i", "o", "u") else "a"
        return Diagnostic(path, f"{what} must evaluate to {expected}, not {article} {kind}", line)
    return None


def _locate(outcome: JobResult, *, default: tuple[str, int]) -> tuple[str, int, str]:
    """(file, line, message) from a Jsonnet error's first line, e.g.
    ``STATIC ERROR: definitions/x.jsonnet:15:13-14 Unexpected: ","``."""
    if outcome.timed_out:
        return (*default, "did not finish in time (endless recursion?)")
    if outcome.crashed:
        return (*default, "crashed the Jsonnet engine (endless recursion?)")
    first = outcome.text.strip().splitlines()[0] if outcome.text.strip() else "evaluation failed"
    first = _KIND.sub("", first)
    match = _WHERE.match(first)
    if match is None or match.group(1).startswith(_DIR):
        return (*default, first)
    return match.group(1), int(match.group(2)), first[match.end() :].strip()
