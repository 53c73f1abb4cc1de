"""Markdown and JSON renderings of a report, from report values alone."""

from __future__ import annotations

import json

from gitops_vela.review.jsonout import render_json
from gitops_vela.review.markdown import MARKER, render_markdown
from gitops_vela.review.objdiff import ObjectChange, RenderedObjectDiff
from gitops_vela.review.report import (
    AppChange,
    AppChangeKind,
    DefinitionChange,
    DefinitionStatus,
    Report,
)
from gitops_vela.review.schemachanges import SchemaChange, Severity


def report(apps: int = 1, diff_lines: int = 3) -> Report:
    diff = "\n".join(["--- base/x", "+++ head/x", *(f"+line {i}" for i in range(diff_lines))])
    return Report(
        base="main",
        head="feature",
        base_sha="a" * 40,
        head_sha="b" * 40,
        repos=("platform",),
        definitions=(
            DefinitionChange(
                name="route",
                kind="TraitDefinition",
                status=DefinitionStatus.CHANGED,
                path="definitions/route.yaml",
                aspects=("template", "parameters"),
                schema_changes=(SchemaChange("path", Severity.BREAKING, "default '/' removed"),),
                used_by=tuple(f"platform/app{i}" for i in range(apps)),
            ),
        ),
        apps=tuple(
            AppChange(
                "platform",
                f"app{i}",
                f"apps/app{i}/vela.yaml",
                AppChangeKind.CHANGED,
                ("route",),
                objects=(
                    RenderedObjectDiff(
                        "Ingress.networking.k8s.io/ns/web", ObjectChange.CHANGED, diff
                    ),
                ),
            )
            for i in range(apps)
        ),
        apps_total=apps + 5,
        apps_rendered=apps,
    )


def test_summary_table_then_definitions_then_one_details_per_app() -> None:
    text = render_markdown(report(apps=2))
    assert text.startswith(MARKER)
    assert (
        text.index("| Apps changed | 2 |") < text.index("### Definitions") < text.index("<details>")
    )
    assert "| Apps unaffected | 5 |" in text
    assert (
        "| `route` | TraitDefinition | changed | template, parameters | **breaking** | 2 app(s) |"
        in text
    )
    assert "- **breaking**: `path`: default '/' removed" in text
    assert text.count("<details>") == 2 and text.count("</details>") == 2
    assert "```diff\n--- base/x" in text
    assert "Head is clean" in text


def test_broken_app_is_open_and_listed_under_what_breaks() -> None:
    broken = AppChange(
        "platform",
        "shop",
        "apps/shop/vela.yaml",
        AppChangeKind.BROKEN,
        ("route",),
        errors=("apps/shop/vela.yaml:9: services.web.route: 'domain' is a required property",),
    )
    base = report(apps=1)
    text = render_markdown(
        Report(
            **{
                **{f: getattr(base, f) for f in base.__dataclass_fields__},
                "apps": (broken, *base.apps),
            }
        )
    )
    assert "❌ **Head breaks 1 thing(s)**" in text
    assert "- app platform/shop: apps/shop/vela.yaml:9: services.web.route:" in text
    assert "<details open><summary><b>platform/shop</b>: broken (uses route)</summary>" in text
    assert text.index("platform/shop</b>") < text.index("platform/app0</b>")


def test_truncation_keeps_whole_sections_and_says_how_many_are_left() -> None:
    text = render_markdown(report(apps=300, diff_lines=40), limit=60_000)
    assert len(text) <= 60_000
    shown = text.count("<details>")
    assert 0 < shown < 300
    assert f"{300 - shown} more section(s) not shown" in text
    assert text.count("<details>") == text.count("</details>")


def test_backticks_in_a_diff_get_a_longer_fence() -> None:
    text = render_markdown(
        report(apps=1, diff_lines=0).__class__(
            **{
                **{f: getattr(report(), f) for f in Report.__dataclass_fields__},
                "apps": (
                    AppChange(
                        "p",
                        "a",
                        "x",
                        AppChangeKind.CHANGED,
                        objects=(RenderedObjectDiff("r", ObjectChange.CHANGED, "+ ```"),),
                    ),
                ),
            }
        )
    )
    assert "````diff\n+ ```\n````" in text


def test_json_carries_the_same_facts() -> None:
    data = json.loads(render_json(report(apps=2)))
    assert data["ok"] is True and data["appsUnaffected"] == 5 and data["appsRendered"] == 2
    assert data["definitions"][0]["schemaChanges"][0]["severity"] == "breaking"
    assert data["apps"][1]["objects"][0]["change"] == "changed"
    assert data["cluster"] is None


def test_cluster_section_has_a_heading_and_a_summary_row() -> None:
    from gitops_vela.review.report import ClusterDiff

    base = report(apps=1)
    fields = {f: getattr(base, f) for f in Report.__dataclass_fields__}
    live = ClusterDiff(
        "platform/app0",
        objects=(
            RenderedObjectDiff("Deployment.apps/ns/web", ObjectChange.CHANGED, "--- live\n+++ git"),
        ),
    )
    text = render_markdown(Report(**{**fields, "cluster": (live,)}))
    assert "| Apps differing from the live cluster | 1 |" in text
    assert text.index("### Against the live cluster") < text.index(
        "against the live cluster</summary>"
    )
    assert "Apps differing" not in render_markdown(base)
