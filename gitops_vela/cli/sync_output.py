"""diff and apply results as text a person reads, or JSON a machine reads (the terminal
is the CLI's business, not sync's). No secret ever gets here:
changes carry only names, actions and reasons, and diffs are masked upstream."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitops_vela.model.changes import Action
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import AppFailure
from gitops_vela.sync.diff import DiffResult
from gitops_vela.sync.results import AppResult, SyncResult

_COLORS = {"red": "\033[31m", "green": "\033[32m", "yellow": "\033[33m", "cyan": "\033[36m"}
_RESET = "\033[0m"
_ACTION_COLOR = {
    Action.CREATED: "green",
    Action.CONFIGURED: "yellow",
    Action.DELETED: "red",
    Action.FAILED: "red",
}


def paint(text: str, color: str | None, *, enabled: bool) -> str:
    return f"{_COLORS[color]}{text}{_RESET}" if enabled and color else text


def apply_text(
    result: SyncResult, failures: Sequence[AppFailure] = (), *, color: bool = False
) -> str:
    """One line per object (action, kind/namespace/name, health), then a summary per app."""
    lines: list[str] = []
    for app in result.apps:
        lines.extend(_app_lines(app, color=color))
    lines.extend(_broken_appfiles(failures, "applied", color=color))
    failed = sum(1 for a in result.apps if not a.ok) + len(failures)
    lines.append(f"{len(result.apps) + len(failures)} app(s): {failed} failed")
    return "\n".join(lines) + "\n"


def _app_lines(app: AppResult, *, color: bool) -> list[str]:
    lines = [f"app {app.app}:"]
    width = max((len(str(c.ref)) for c in app.changes.changes), default=0)
    for change in app.changes.changes:
        action = paint(
            f"{change.action.value:<10}", _ACTION_COLOR.get(change.action), enabled=color
        )
        health = (
            ""
            if change.action in (Action.DELETED, Action.SKIPPED, Action.FAILED)
            else change.health.value
        )
        note = f"  ({change.reason})" if change.reason else ""
        lines.append(f"  {action} {change.ref!s:<{width}}  {health}{note}".rstrip())
    counts = (
        ", ".join(f"{app.count(action)} {action.value}" for action in Action if app.count(action))
        or "nothing to do"
    )
    verdict = "ok" if app.ok else paint(f"failed ({app.reason.value})", "red", enabled=color)
    lines.append(f"  {app.app}: {counts}; health {app.health.health.value}; {verdict}")
    if app.prune_skipped:
        lines.append(f"  not pruned: {app.prune_skipped}")
    lines.extend(f"  not pruned: {reason}" for reason in app.kept)
    lines.extend(f"  error: {e}" for e in app.errors)
    return lines


def apply_json(result: SyncResult, failures: Sequence[AppFailure] = ()) -> dict[str, Any]:
    return {
        "ok": result.ok and not failures,
        "apps": [_app_json(app) for app in result.apps],
        "failures": [
            {"app": f.name, "path": f.path, "errors": [str(d) for d in f.diagnostics]}
            for f in failures
        ],
        "requests": dict(result.requests),
    }


def _app_json(app: AppResult) -> dict[str, Any]:
    return {
        "repo": app.repo,
        "app": app.app,
        "sync": app.sync.value,
        "health": app.health.health.value,
        "reason": app.reason.value,
        "message": app.message,
        "errors": list(app.errors),
        "pruneSkipped": app.prune_skipped,
        "kept": list(app.kept),
        "resources": [
            {
                "group": c.ref.group,
                "kind": c.ref.kind,
                "namespace": c.ref.namespace,
                "name": c.ref.name,
                "action": c.action.value,
                "reason": c.reason,
                "health": c.health.value,
            }
            for c in app.changes.changes
        ],
    }


def diff_text(
    result: DiffResult,
    failures: Sequence[AppFailure] = (),
    *,
    color: bool = False,
    explained: Mapping[tuple[str, ObjectRef], Sequence[str]] | None = None,
) -> str:
    lines: list[str] = []
    for app in result.apps:
        for obj in app.changed:
            note = f" ({obj.reason})" if obj.reason else ""
            lines.append(paint(f"{obj.action.value} {obj.ref}{note}", "cyan", enabled=color))
            lines.extend(_diff_line(line, color=color) for line in obj.text.splitlines())
            lines.extend(f"  why: {line}" for line in (explained or {}).get((app.app, obj.ref), ()))
        lines.extend(paint(f"error: {e}", "red", enabled=color) for e in app.errors)
    lines.extend(_broken_appfiles(failures, "diffed", color=color))
    changed = sum(len(app.changed) for app in result.apps)
    lines.append(f"{changed} object(s) differ in {sum(1 for a in result.apps if a.changed)} app(s)")
    return "\n".join(lines) + "\n"


def _diff_line(line: str, *, color: bool) -> str:
    if line.startswith(("+++", "---")):
        return paint(line, None, enabled=color)
    if line.startswith("+"):
        return paint(line, "green", enabled=color)
    if line.startswith("-"):
        return paint(line, "red", enabled=color)
    if line.startswith("@@"):
        return paint(line, "cyan", enabled=color)
    return line


def _broken_appfiles(failures: Sequence[AppFailure], verb: str, *, color: bool) -> list[str]:
    """Each app whose Appfile did not load or render, and why (file:line: key: message)."""
    lines: list[str] = []
    for failure in failures:
        text = f"app {failure.name or failure.path}: not {verb}, its Appfile is broken"
        lines.append(paint(text, "red", enabled=color))
        lines.extend(f"  {d}" for d in failure.diagnostics)
    return lines
