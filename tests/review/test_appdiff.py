"""Comparing an app's two renderings: changed, added, removed, broken, fixed, unaffected."""

from __future__ import annotations

from typing import Any

from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.review.appdiff import compare_apps
from gitops_vela.review.report import AppChangeKind


def app(name: str, replicas: int, *, uses: frozenset[str] = frozenset({"tiny"})) -> RenderedApp:
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"replicas": replicas},
    }
    return RenderedApp(
        "r", name, "default", f"apps/{name}.yaml", (obj,), f"d{replicas}", definitions=uses
    )


def failure(name: str, *messages: tuple[int, str]) -> AppFailure:
    diags = tuple(
        Diagnostic(f"apps/{name}.yaml", msg, line, "services.web") for line, msg in messages
    )
    return AppFailure("r", name, f"apps/{name}.yaml", diags)


def statuses(base: RepositoryRender, head: RepositoryRender) -> dict[str, AppChangeKind]:
    changes = compare_apps(base, head, repo="r", changed_definitions={"tiny"})
    return {c.name: c.status for c in changes}


def test_each_outcome() -> None:
    base = RepositoryRender(
        apps=(app("same", 1), app("grows", 1), app("gone", 1), app("breaks", 1)),
        failures=(failure("healed", (3, "bad")),),
    )
    head = RepositoryRender(
        apps=(app("same", 1), app("grows", 2), app("new", 1), app("healed", 1)),
        failures=(failure("breaks", (4, "'team' is a required property")),),
    )
    assert statuses(base, head) == {
        "grows": AppChangeKind.CHANGED,
        "gone": AppChangeKind.REMOVED,
        "new": AppChangeKind.ADDED,
        "healed": AppChangeKind.FIXED,
        "breaks": AppChangeKind.BROKEN,
    }


def test_broken_app_keeps_file_line_errors_and_names_definitions_used() -> None:
    base = RepositoryRender(apps=(app("shop", 1, uses=frozenset({"tiny", "route"})),))
    head = RepositoryRender(
        apps=(), failures=(failure("shop", (9, "trait 'route' conflicts with trait 'expose'")),)
    )
    (change,) = compare_apps(base, head, repo="r", changed_definitions={"route"})
    assert change.errors == (
        "apps/shop.yaml:9: services.web: trait 'route' conflicts with trait 'expose'",
    )
    assert change.conflicts == change.errors
    assert change.definitions == ("route",)
    assert change.breaks


def test_a_failure_already_there_at_base_is_not_new_even_when_its_line_moved() -> None:
    base = RepositoryRender(apps=(), failures=(failure("old", (3, "bad port")),))
    head = RepositoryRender(apps=(), failures=(failure("old", (5, "bad port")),))
    assert statuses(base, head) == {}
    worse = RepositoryRender(
        apps=(), failures=(failure("old", (5, "bad port"), (6, "unknown trait")),)
    )
    (change,) = compare_apps(base, worse, repo="r", changed_definitions=set())
    assert change.errors == ("apps/old.yaml:6: services.web: unknown trait",)


def test_definitions_fall_back_to_the_index_references() -> None:
    head = RepositoryRender(apps=(), failures=(failure("x", (1, "boom")),))
    (change,) = compare_apps(
        RepositoryRender(apps=()),
        head,
        repo="r",
        changed_definitions={"tiny", "route"},
        references={"x": frozenset({"route", "port"})},
    )
    assert change.definitions == ("route",)


def test_an_error_that_only_moved_line_or_column_is_not_new() -> None:
    moved = Diagnostic("definitions/lib.libsonnet", "syntax error: Unexpected", 2, column=5)
    before = AppFailure("r", "old", "apps/old.yaml", (moved,))
    after = AppFailure(
        "r",
        "old",
        "apps/old.yaml",
        (
            Diagnostic("definitions/lib.libsonnet", "syntax error: Unexpected", 4, column=9),
            Diagnostic("apps/old.yaml", "unknown trait", 6, "services.web"),
        ),
    )
    base = RepositoryRender(apps=(), failures=(before,))
    head = RepositoryRender(apps=(), failures=(after,))
    (change,) = compare_apps(base, head, repo="r", changed_definitions={"tiny"})
    assert change.errors == ("apps/old.yaml:6: services.web: unknown trait",)
