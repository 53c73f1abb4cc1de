"""Run the tests of the definitions a pull request touches (``defs test`` in a review).

A definition is touched when it changed (its document, template or an
imported file: the catalog diff says so) or when one of its test files did
(``definitions/tests/<name>/``). Its cases run at head with head's catalog;
a failing or broken case is a problem of that definition, so the review
exits 1, as for a template that does not compile.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from gitops_vela.catalog import Catalog
from gitops_vela.catalog.loader import DEFINITIONS_DIR
from gitops_vela.defcheck import collect_cases, run_cases
from gitops_vela.defcheck.cases import TESTS_DIR
from gitops_vela.settings import RenderSettings

TESTS_PREFIX = f"{DEFINITIONS_DIR}/{TESTS_DIR}/"


def changed_test_folders(base: Mapping[str, object], head: Mapping[str, object]) -> set[str]:
    """Names of ``definitions/tests/<name>/`` folders whose files differ (file -> blob id)."""
    names = set()
    for path in base.keys() | head.keys():
        if path.startswith(TESTS_PREFIX) and base.get(path) != head.get(path):
            name = path[len(TESTS_PREFIX) :].partition("/")[0]
            names.add(name)
    return names


def failing_tests(
    root: Path,
    catalog: Catalog,
    *,
    repo: str,
    names: Collection[str],
    settings: RenderSettings,
) -> dict[str, tuple[str, ...]]:
    """Failing cases, one line each, per definition among ``names`` (only those failing)."""
    if not names:
        return {}
    own = [d for d in catalog if d.origin == repo]
    folders = [(root / DEFINITIONS_DIR, f"{DEFINITIONS_DIR}/")]
    cases = [
        c
        for c in collect_cases(own, broken=catalog.broken, folders=folders)
        if c.definition in names
    ]
    failures: dict[str, list[str]] = {}
    for result in run_cases(cases, catalog, settings=settings):
        if not result.outcome.ok:
            failures.setdefault(result.case.definition, []).append(result.summary)
    return {name: tuple(lines) for name, lines in failures.items()}
