"""Run definition test cases through the real renderer and judge each one.

Each definition's cases become the apps of one throwaway repository (the
app is named after the case, so golden output does not depend on which
other cases exist), rendered by ``render_repository`` with the catalog
under test: a case sees exactly what an Appfile in the repository would.
The repository name in ownership labels is fixed (``defs-test``) so
goldens are the same in every checkout.
"""

from __future__ import annotations

import enum
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_vela.catalog import Catalog
from gitops_vela.defcheck.cases import Case, CaseKind
from gitops_vela.defcheck.compare import expected_diff, golden_text, text_diff
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure, RenderedApp
from gitops_vela.render import render_repository
from gitops_vela.render.yamltext import dump
from gitops_vela.settings.tree import RenderSettings
from gitops_vela.yamldoc import YamlError, read_text

REPO = "defs-test"
_SUMMARY = 300
_APPS = "apps"


class Outcome(enum.StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    UPDATED = "UPDATED"  # --update wrote the golden file
    BROKEN = "BROKEN"  # the case itself could not be read

    @property
    def ok(self) -> bool:
        return self in (Outcome.PASSED, Outcome.UPDATED)


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How one case went; ``detail`` explains a failure (a diff, the errors seen)."""

    case: Case
    outcome: Outcome
    detail: str = ""

    @property
    def line(self) -> str:
        """``definitions/mysql.yaml::example PASSED``, one per case, as pytest prints."""
        return f"{self.case.id} {self.outcome}"

    @property
    def summary(self) -> str:
        """The failure on one line, for a review comment: the case, and what differs."""
        lines = [line.strip() for line in self.detail.splitlines()]
        wanted = [
            line
            for line in lines
            if line and not line.startswith(("---", "+++", "@@")) and not line.endswith(":")
        ]
        text = "; ".join(wanted)
        text = text if len(text) <= _SUMMARY else text[: _SUMMARY - 3] + "..."
        return f"test {self.case.id} {self.outcome.lower()}: {text}"


def run_cases(
    cases: Sequence[Case],
    catalog: Catalog,
    *,
    update: bool = False,
    settings: RenderSettings | None = None,
) -> list[CaseResult]:
    """A result per case, in the order given. ``update`` rewrites golden files that differ."""
    rendered = render_cases([c for c in cases if not c.broken], catalog, settings)
    return [
        CaseResult(case, Outcome.BROKEN, "\n".join(str(p) for p in case.problems))
        if case.broken
        else _judge(case, rendered[(case.definition, case.name)], update=update)
        for case in cases
    ]


Rendered = RenderedApp | AppFailure


def render_cases(
    cases: Sequence[Case], catalog: Catalog, settings: RenderSettings | None = None
) -> dict[tuple[str, str], Rendered]:
    """(definition, case name) -> what the case's services render to."""
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.definition, []).append(case)
    found: dict[tuple[str, str], Rendered] = {}
    for definition, group in groups.items():
        for name, rendered in _render(group, catalog, settings).items():
            found[(definition, name)] = rendered
    return found


def _render(
    cases: Sequence[Case], catalog: Catalog, settings: RenderSettings | None
) -> dict[str, Rendered]:
    """Case name -> what its services rendered to, all of one definition in one render."""
    with tempfile.TemporaryDirectory(prefix="gitops-vela-defs-test-") as tmp:
        root = Path(tmp)
        for case in cases:
            _write_app(root / _APPS / case.name, case)
        result = render_repository(
            root,
            repo=REPO,
            app_globs=(f"{_APPS}/*/vela.yaml",),
            catalog=catalog,
            settings=settings,
        )
    found: dict[str, Rendered] = {app.name: app for app in result.apps}
    for failure in result.failures:
        name = failure.path.split("/")[1] if failure.path.count("/") >= 2 else failure.name
        found.setdefault(name, failure)
    return found


def _write_app(folder: Path, case: Case) -> None:
    folder.mkdir(parents=True)
    for relative, text in case.files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text, encoding="utf-8")
    appfile = {"name": case.name, "services": dict(case.services)}
    (folder / "vela.yaml").write_text(dump(appfile), encoding="utf-8")


def _judge(case: Case, rendered: Rendered, *, update: bool) -> CaseResult:
    if isinstance(rendered, AppFailure):
        errors = error_lines(rendered.diagnostics, case)
        if case.kind is CaseKind.ERROR:
            return _judge_errors(case, errors)
        return CaseResult(case, Outcome.FAILED, "did not render:\n" + _indent(errors))
    if case.kind is CaseKind.ERROR:
        wanted = ", ".join(repr(t) for t in case.errors)
        detail = f"rendered {len(rendered.objects)} objects; expected an error containing {wanted}"
        return CaseResult(case, Outcome.FAILED, detail)
    if case.definition not in rendered.definitions:
        used = ", ".join(sorted(rendered.definitions)) or "none"
        detail = f"rendered, but does not use {case.definition!r} (uses: {used})"
        return CaseResult(case, Outcome.FAILED, detail)
    if case.kind is CaseKind.EXPECT:
        diff = expected_diff(case.expect, rendered.objects)
        return CaseResult(case, Outcome.FAILED, diff) if diff else CaseResult(case, Outcome.PASSED)
    if case.kind is CaseKind.GOLDEN:
        return _judge_golden(case, rendered.objects, update=update)
    return CaseResult(case, Outcome.PASSED)


def _judge_errors(case: Case, errors: Sequence[str]) -> CaseResult:
    text = "\n".join(errors)
    missing = [t for t in case.errors if t not in text]
    if not missing:
        return CaseResult(case, Outcome.PASSED)
    wanted = "\n".join(f"  {t}" for t in missing)
    detail = f"the errors do not contain:\n{wanted}\nthe errors were:\n{_indent(errors)}"
    return CaseResult(case, Outcome.FAILED, detail)


def _judge_golden(case: Case, objects: Iterable[Mapping[str, Any]], *, update: bool) -> CaseResult:
    assert case.golden_file is not None  # every golden case has its file
    actual = golden_text(objects)
    try:
        expected: str | None = read_text(case.golden_file, display=case.golden, limit=1 << 22)
    except YamlError:
        expected = None  # missing (or unreadable): --update writes it
    if expected == actual:
        return CaseResult(case, Outcome.PASSED)
    if update:
        case.golden_file.write_text(actual, encoding="utf-8")
        return CaseResult(case, Outcome.UPDATED, f"wrote {case.golden}")
    if expected is None:
        detail = f"no golden file {case.golden}: run defs test --update to write it"
        return CaseResult(case, Outcome.FAILED, detail)
    return CaseResult(case, Outcome.FAILED, text_diff(expected, actual, case.golden, "rendered"))


def error_lines(diagnostics: Iterable[Diagnostic], case: Case) -> list[str]:
    """Errors as the case's author reads them: a problem in the case's own services is
    named by its key (the Appfile it came from is a throwaway one), any other keeps its
    file and line (a template error points into the definition)."""
    appfile = f"{_APPS}/{case.name}/"
    lines = []
    for diagnostic in diagnostics:
        if diagnostic.path.startswith(appfile):
            text = (
                f"{diagnostic.key}: {diagnostic.message}" if diagnostic.key else diagnostic.message
            )
            lines.append(f"{text} ({diagnostic.hint})" if diagnostic.hint else text)
        else:
            lines.append(str(diagnostic))
    return lines


def _indent(lines: Iterable[str]) -> str:
    return "\n".join(f"  {line}" for line in lines)
