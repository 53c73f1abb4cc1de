"""The report as a GitHub pull-request comment: a summary table first, then one
collapsible ``<details>`` section per app, kept under GitHub's comment limit.

GitHub rejects comments over 65,536 characters; past ``limit`` (60,000 by
default) app sections are left out whole and a note says how many, so the
comment always posts and always ends cleanly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gitops_vela.review.objdiff import RenderedObjectDiff
from gitops_vela.review.report import (
    AppChange,
    AppChangeKind,
    ClusterDiff,
    DefinitionChange,
    Report,
)

DEFAULT_LIMIT = 60_000
MARKER = "<!-- gitops-vela-review -->"  # lets CI find and update its own comment
MAX_BREAKING_LINES = 50
MAX_TABLE_ROWS = 200
MAX_WAVE_APPS = 30  # names shown per wave; the JSON report has them all

_STATUS_ORDER = {
    AppChangeKind.BROKEN: 0,
    AppChangeKind.REMOVED: 1,
    AppChangeKind.CHANGED: 2,
    AppChangeKind.ADDED: 3,
    AppChangeKind.FIXED: 4,
}


def render_markdown(report: Report, *, limit: int = DEFAULT_LIMIT) -> str:
    """The whole comment, at most about ``limit`` characters.

    With environments, each has its own section: its table, then its apps' diffs.
    """
    head = "\n".join([*_header(report), *_breaking(report), *_definitions(report), *_waves(report)])
    groups = _by_environment(report)
    tables = ["\n".join(_app_table(apps, env)) for env, apps in groups]
    footer = "\n".join(_footer(report))
    sections = [[_app_section(app) for app in apps] for _, apps in groups]
    if report.cluster is not None:
        sections[-1].append("### Against the live cluster (server-side dry run)\n")
        sections[-1].extend(_cluster_section(c) for c in report.cluster)
        if not report.cluster:
            sections[-1].append("No affected app to compare.\n")
    budget = limit - len(head) - sum(map(len, tables)) - len(footer) - 400  # room for the note
    parts, left = [head], 0
    for table, group in zip(tables, sections, strict=True):
        parts.append(table)
        for section in group:
            if left or len(section) > budget:
                left += 1  # past the budget: this one and every later one left out
                continue
            parts.append(section)
            budget -= len(section) + 1
    if left:
        parts.append(_truncation_note(left, limit))
    parts.append(footer)
    return "\n".join(p for p in parts if p) + "\n"


def _waves(report: Report) -> list[str]:
    """The waves a daemon with ``rollout:`` would take the definition change through."""
    if not report.waves:
        return []
    out = ["### Rollout waves", ""]
    for repo, waves in report.waves:
        total = sum(len(w) for w in waves)
        out.append(f"`{repo}`: {total} apps in {len(waves)} waves")
        out.append("")
        for number, apps in enumerate(waves, start=1):
            shown = ", ".join(f"`{a}`" for a in apps[:MAX_WAVE_APPS])
            more = f" and {len(apps) - MAX_WAVE_APPS} more" if len(apps) > MAX_WAVE_APPS else ""
            out.append(f"{number}. {shown}{more}")
        out.append("")
    return out


def _header(report: Report) -> list[str]:
    verdict = (
        "✅ **Head is clean**: nothing breaks."
        if report.ok
        else f"❌ **Head breaks {len(report.breaking)} thing(s)**."
    )
    count = _count_by_status(report)
    return [
        MARKER,
        f"## gitops-vela review: `{report.base}` → `{report.head}`",
        "",
        verdict,
        "",
        "| | |",
        "|---|---:|",
        f"| Definitions added | {_defs_with(report, 'added')} |",
        f"| Definitions removed | {_defs_with(report, 'removed')} |",
        f"| Definitions changed | {_defs_with(report, 'changed')} |",
        f"| Breaking parameter changes | {sum(d.breaking_schema for d in report.definitions)} |",
        f"| Apps changed | {count[AppChangeKind.CHANGED]} |",
        f"| Apps broken at head | {count[AppChangeKind.BROKEN]} |",
        f"| Trait conflicts / appliesTo violations introduced | "
        f"{sum(len(a.conflicts) for a in report.apps)} |",
        f"| Apps added / removed / fixed | {count[AppChangeKind.ADDED]} / "
        f"{count[AppChangeKind.REMOVED]} / {count[AppChangeKind.FIXED]} |",
        f"| Apps unaffected | {report.unaffected} |",
        *_live_row(report),
        "",
    ]


def _live_row(report: Report) -> list[str]:
    if report.cluster is None:
        return []
    differing = sum(1 for c in report.cluster if c.objects or c.error)
    return [f"| Apps differing from the live cluster | {differing} |"]


def _count_by_status(report: Report) -> dict[AppChangeKind, int]:
    return {status: len(report.with_status(status)) for status in AppChangeKind}


def _defs_with(report: Report, status: str) -> str:
    names = [d.name for d in report.definitions if d.status == status]
    if not names:
        return "0"
    shown = ", ".join(f"`{n}`" for n in names[:10])
    more = f" and {len(names) - 10} more" if len(names) > 10 else ""
    return f"{len(names)}: {shown}{more}"


def _breaking(report: Report) -> list[str]:
    lines = report.breaking
    if not lines:
        return []
    out = ["### What breaks", ""]
    out.extend(f"- {_inline(line)}" for line in lines[:MAX_BREAKING_LINES])
    if len(lines) > MAX_BREAKING_LINES:
        out.append(f"- ... and {len(lines) - MAX_BREAKING_LINES} more")
    return [*out, ""]


def _definitions(report: Report) -> list[str]:
    if not report.definitions:
        return []
    out = [
        "### Definitions",
        "",
        "| Definition | Kind | Change | What changed | Parameters | Used by |",
        "|---|---|---|---|---|---|",
    ]
    out.extend(_definition_row(d) for d in report.definitions)
    out.append("")
    for d in report.definitions:
        out.extend(_definition_details(d))
    return out


def _definition_row(d: DefinitionChange) -> str:
    if not d.schema_changes:
        params = "unchanged" if d.status == "changed" else ""
    elif d.breaking_schema:
        params = "**breaking**"
    else:
        params = "compatible"
    used = f"{len(d.used_by)} app(s)" if d.used_by else "no app"
    state = f"{d.status} ❌" if d.breaks else str(d.status)
    cells = [f"`{d.name}`", d.kind, state, ", ".join(d.aspects), params, used]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def _definition_details(d: DefinitionChange) -> list[str]:
    if not d.schema_changes and not d.problems:
        return []
    out = [f"#### `{d.name}`" + (f" ({d.path})" if d.path else ""), ""]
    for change in d.schema_changes:
        label = "**breaking**" if change.breaking else "compatible"
        out.append(f"- {label}: `{change.path or '(parameters)'}`: {_inline(change.message)}")
    out.extend(f"- ❌ {_inline(p)}" for p in d.problems)
    return [*out, ""]


def _by_environment(report: Report) -> list[tuple[str, list[AppChange]]]:
    """The apps in report order, one group per reviewed environment (one group without)."""

    def order(a: AppChange) -> tuple[int, str]:
        return (_STATUS_ORDER[a.status], a.key)

    if not report.environments:
        return [("", sorted(report.apps, key=order))]
    return [
        (env, sorted((a for a in report.apps if a.environment == env), key=order))
        for env in report.environments
    ]


def _app_table(apps: list[AppChange], environment: str = "") -> list[str]:
    where = f" in environment `{environment}`" if environment else ""
    heading = [f"## Environment `{environment}`", ""] if environment else []
    if not apps:
        return [*heading, f"No app renders differently{where}.", ""]
    out = [
        *heading,
        f"### Apps affected{where}",
        "",
        "| App | File | Status | Objects | Uses changed |",
        "|---|---|---|---|---|",
    ]
    for app in apps[:MAX_TABLE_ROWS]:
        objects = _object_counts(app.objects) if app.objects else "-"
        uses = ", ".join(f"`{n}`" for n in app.definitions) or "-"
        status = f"{app.status} ❌" if app.breaks else str(app.status)
        cells = [f"`{app.key}`", f"`{app.path}`", status, objects, uses]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    if len(apps) > MAX_TABLE_ROWS:
        out.append(f"\n... and {len(apps) - MAX_TABLE_ROWS} more apps (see the JSON report)")
    return [*out, ""]


def _object_counts(objects: Iterable[RenderedObjectDiff]) -> str:
    counts: dict[str, int] = {}
    for obj in objects:
        counts[obj.change] = counts.get(obj.change, 0) + 1
    return ", ".join(f"{n} {change}" for change, n in sorted(counts.items()))


def _app_section(app: AppChange) -> str:
    opened = " open" if app.breaks else ""
    title = f"<b>{_html(app.where)}</b>: {app.status}"
    if app.definitions:
        title += " (uses " + ", ".join(_html(n) for n in app.definitions) + ")"
    out = [f"<details{opened}><summary>{title}</summary>", "", f"`{app.path}`", ""]
    if app.errors:
        out.extend(["Errors at head:", "", *_fenced("\n".join(app.errors), "text"), ""])
    if app.conflicts:
        out.extend(f"- conflict / appliesTo: {_inline(c)}" for c in app.conflicts)
        out.append("")
    for obj in app.objects:
        out.extend([f"**{obj.change}** `{obj.ref}`", "", *_fenced(obj.diff, "diff"), ""])
        if obj.explained:  # --explain
            out.extend(["Why:", "", *(f"- {_inline(line)}" for line in obj.explained), ""])
    out.append("</details>")
    return "\n".join(out)


def _cluster_section(diff: ClusterDiff) -> str:
    out = [f"<details><summary><b>{_html(diff.app)}</b>: against the live cluster</summary>", ""]
    if diff.error:
        out.extend([f"Could not diff: {_inline(diff.error)}", ""])
    elif not diff.objects:
        out.extend(["Live objects already match head.", ""])
    for obj in diff.objects:
        out.extend([f"**{obj.change}** `{obj.ref}`", "", *_fenced(obj.diff, "diff"), ""])
    out.append("</details>")
    return "\n".join(out)


def _truncation_note(left: int, limit: int) -> str:
    return (
        f"\n> **Truncated:** {left} more section(s) not shown to stay under "
        f"{limit:,} characters (GitHub's comment limit). "
        "Run `gitops-vela review ... --format json` for the full report.\n"
    )


def _footer(report: Report) -> list[str]:
    repos = ", ".join(f"`{r}`" for r in report.repos)
    return [
        "",
        f"<sub>base `{report.base_sha[:12]}` · head `{report.head_sha[:12]}` · "
        f"repositories {repos} · {report.apps_rendered} of {report.apps_total} apps "
        "re-rendered (the others use no changed definition)</sub>",
    ]


def _fenced(text: str, lang: str) -> list[str]:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", text, fence]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _inline(text: str) -> str:
    return text.replace("\n", " ")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
