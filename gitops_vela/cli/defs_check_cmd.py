"""``defs test`` and ``defs vet``: a repository's definitions, tested and linted.

``defs test`` prints a line per case, the way pytest does; ``defs vet`` a line
per finding. ``validate`` reports vet's errors too (``definition_errors``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.catalog.loader import DEFINITIONS_DIR
from gitops_vela.cli.common import add_output_arg, checkout, command_parser
from gitops_vela.cli.outputs import diagnostic_json, emit
from gitops_vela.defcheck import (
    CaseResult,
    Finding,
    Outcome,
    Severity,
    collect_cases,
    run_cases,
    vet_catalog,
)
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.settings import render_settings


def register(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    test = command_parser(
        verbs,
        "test",
        help="render every definition's examples and test cases, and check what comes out",
        example="gitops-vela defs test sample-repo",
    )
    test.add_argument("path", nargs="?", default=".", help="repository (default: .)")
    test.add_argument(
        "--update",
        action="store_true",
        help="rewrite the golden files that differ (or are missing)",
    )
    test.add_argument(
        "--builtins",
        action="store_true",
        help="also run the built-in catalog's own tests (those the repository does not override)",
    )
    test.add_argument(
        "--definition",
        action="append",
        default=[],
        metavar="NAME",
        dest="definitions",
        help="repeatable; only the cases of these definitions",
    )
    test.set_defaults(handler=_defs_test)
    vet = command_parser(
        verbs,
        "vet",
        help="lint definitions: descriptions, defaults, references, parameters read, health policies",
        example="gitops-vela defs vet sample-repo",
    )
    vet.add_argument("path", nargs="?", default=".", help="repository (default: .)")
    vet.add_argument(
        "--builtins",
        action="store_true",
        help="also the built-ins the repository does not override",
    )
    add_output_arg(vet, ("text", "json", "yaml"), help="a line per finding (default), or JSON/YAML")
    vet.set_defaults(handler=_defs_vet)


def _defs_test(args: argparse.Namespace) -> int:
    started = time.monotonic()
    root, repo = checkout(args.path)
    catalog = load_catalog(root, origin=repo)
    for problem in catalog.diagnostics:
        print(f"error: {problem}", file=sys.stderr)
    chosen = _chosen(catalog, repo, builtins=args.builtins, names=args.definitions)
    if isinstance(chosen, str):
        print(f"error: {chosen}", file=sys.stderr)
        return 2
    folders = [(root / DEFINITIONS_DIR, f"{DEFINITIONS_DIR}/")]
    cases = collect_cases(chosen, broken=catalog.broken, folders=folders)
    if args.definitions:
        cases = [c for c in cases if c.definition in args.definitions]
    if not cases:
        print(
            f"no definition tests in {args.path}: write definitions/tests/<name>/<case>.yaml,"
            " or a gitops-vela.dev/example annotation on a definition"
        )
        return 1 if catalog.diagnostics else 0
    results = run_cases(cases, catalog, update=args.update, settings=render_settings(os.environ))
    _print(results, problems=len(catalog.diagnostics), seconds=time.monotonic() - started)
    failed = any(not r.outcome.ok for r in results) or bool(catalog.diagnostics)
    return 1 if failed else 0


def _chosen(
    catalog: Catalog, repo: str, *, builtins: bool, names: Sequence[str]
) -> list[Definition] | str:
    """The definitions under test: the repository's own (and the built-ins it keeps)."""
    origins = {repo, "builtin"} if builtins else {repo}
    chosen = [d for d in catalog if d.origin in origins]
    unknown = sorted(set(names) - {d.name for d in chosen})
    if unknown:
        return f"--definition {', '.join(unknown)}: no such definition among those tested"
    return chosen


def _print(results: Sequence[CaseResult], *, problems: int, seconds: float) -> None:
    for result in results:
        print(result.line)
    failures = [r for r in results if not r.outcome.ok]
    if failures:
        print()
        print(" FAILURES ".center(72, "="))
        for result in failures:
            print(f" {result.case.id} ".center(72, "_"))
            print(result.detail)
            print()
    counts = Counter(r.outcome for r in results)
    parts = [f"{counts[o]} {o.lower()}" for o in Outcome if counts[o]]
    if problems:
        parts.append(f"{problems} definition {'error' if problems == 1 else 'errors'}")
    print(f" {', '.join(parts)} in {seconds:.2f}s ".center(72, "="))


def _defs_vet(args: argparse.Namespace) -> int:
    root, repo = checkout(args.path)
    catalog = load_catalog(root, origin=repo)
    chosen = _chosen(catalog, repo, builtins=args.builtins, names=())
    assert isinstance(chosen, list)  # no names asked for, so none can be unknown
    findings = vet_catalog(chosen, catalog, settings=render_settings(os.environ))
    errors = [
        *catalog.diagnostics,
        *(f.diagnostic for f in findings if f.severity is Severity.ERROR),
    ]
    warnings = [f.diagnostic for f in findings if f.severity is Severity.WARNING]
    if args.output != "text":
        document = {
            "ok": not errors,
            "definitions": [d.name for d in chosen],
            "errors": [diagnostic_json(d) for d in errors],
            "warnings": [diagnostic_json(d) for d in warnings],
        }
        emit(document, args.output)
        return 1 if errors else 0
    for problem in catalog.diagnostics:
        print(f"error: {problem}")
    for finding in findings:
        print(str(finding))
    print(_vet_summary(len(chosen), len(errors), len(warnings)))
    return 1 if errors else 0


def _vet_summary(definitions: int, errors: int, warnings: int) -> str:
    counts = f"{errors} {'error' if errors == 1 else 'errors'}, {warnings} {'warning' if warnings == 1 else 'warnings'}"
    return f"{definitions} definitions vetted: {counts}"


def definition_errors(root: Path, repo: str) -> tuple[Diagnostic, ...]:
    """Vet's errors for a repository's own definitions (``validate`` fails on them)."""
    catalog = load_catalog(root, origin=repo)
    own = [d for d in catalog if d.origin == repo]
    findings: list[Finding] = vet_catalog(own, catalog, settings=render_settings(os.environ))
    return tuple(f.diagnostic for f in findings if f.severity is Severity.ERROR)
