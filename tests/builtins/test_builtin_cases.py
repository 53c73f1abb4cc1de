"""The built-in catalog's own definition tests (``catalog/builtin/tests``) pass, and
every built-in definition has them: a case of its own and an invalid input."""

from __future__ import annotations

import pytest

from gitops_vela.catalog import load_catalog
from gitops_vela.defcheck import Case, CaseKind, Outcome, collect_cases, run_cases

CATALOG = load_catalog(None, origin="test")
CASES = collect_cases(list(CATALOG))


def test_every_builtin_has_a_case_file_and_an_error_case() -> None:
    names = {d.name for d in CATALOG}
    with_case = {c.definition for c in CASES if c.kind in (CaseKind.EXPECT, CaseKind.GOLDEN)}
    with_error = {c.definition for c in CASES if c.kind is CaseKind.ERROR}
    assert names - with_case == set()
    assert names - with_error == set()
    assert {c.definition for c in CASES if c.name == "example"} == names


@pytest.fixture(scope="module")
def results() -> dict[str, tuple[Outcome, str]]:
    return {r.case.id: (r.outcome, r.detail) for r in run_cases(CASES, CATALOG)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_builtin_case(case: Case, results: dict[str, tuple[Outcome, str]]) -> None:
    outcome, detail = results[case.id]
    assert outcome is Outcome.PASSED, detail
