"""Read a status branch back (``gitops-vela status``): from a path or a URL.

Reading never needs a checkout: the branch alone is fetched (depth 1) into a
temporary bare repository. A local clone that does not carry the branch
itself is read through its ``origin`` remote.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_vela.errors import SourceError, StatusError
from gitops_vela.model.status import AppStatus
from gitops_vela.source import DEFAULT_TIMEOUT, GitRunner, RemoteCache
from gitops_vela.status.branch import Author, StatusBranch
from gitops_vela.status.document import ROLLOUT, app_of_path, from_yaml
from gitops_vela.status.writer import DEFAULT_BRANCH
from gitops_vela.yamldoc import YamlError, load


@dataclass(frozen=True, slots=True)
class StatusReport:
    """The status branch as read: where from (redacted), its commit, and every app."""

    url: str
    branch: str
    commit: str
    apps: tuple[AppStatus, ...]
    environment: str = ""  # the folder read ("" = the top of the branch)
    environments: tuple[str, ...] = ()  # every environment folder on the branch
    rollout: dict[str, Any] | None = None  # ``rollout.yaml``, when the repository rolls out


def read_status(
    target: str,
    *,
    branch: str = DEFAULT_BRANCH,
    timeout: float = DEFAULT_TIMEOUT,
    environment: str = "",
) -> StatusReport | None:
    """The status branch of ``target`` (a path or a URL); None when it has no such branch.

    ``environment``: read that environment's folder, written by its daemon.
    """
    report = _read_remote(target, branch=branch, timeout=timeout, environment=environment)
    if report is None and Path(target).is_dir():
        origin = _origin_url(Path(target), timeout=timeout)
        if origin is not None:
            report = _read_remote(origin, branch=branch, timeout=timeout, environment=environment)
    return report


def format_table(report: StatusReport) -> str:
    """A fixed-width table (app, sync, health, revision, message, since) and any errors."""
    header = ("APP", "SYNC", "HEALTH", "REVISION", "MESSAGE", "SINCE")
    rows = [
        (s.app, str(s.sync), str(s.health), s.revision[:7], s.message, s.since) for s in report.apps
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = [_row(header, widths)]
    for status, row in zip(report.apps, rows, strict=True):
        lines.append(_row(row, widths))
        lines += [f"    error: {e}" for e in status.errors if e != status.message]
    if report.rollout is not None:
        lines += ["", *rollout_lines(report.rollout)]
    return "\n".join(lines) + "\n"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
    return "  ".join([*padded, cells[-1]]).rstrip()


def _read_remote(url: str, *, branch: str, timeout: float, environment: str) -> StatusReport | None:
    with tempfile.TemporaryDirectory(prefix="gitops-vela-status-") as tmp:
        remote = RemoteCache(url, cache_dir=Path(tmp), timeout=timeout)
        status_branch = StatusBranch(remote, branch=branch, author=Author(), folder=environment)
        state = status_branch.fetch()
        if state.commit is None:
            return None
        paths = {path: sha for path, sha in state.files.items() if app_of_path(path)}
        rollout_sha = state.files.get(ROLLOUT)
        texts = status_branch.read_blobs([*paths.values(), *([rollout_sha] if rollout_sha else [])])
        apps = []
        for path, sha in sorted(paths.items()):
            try:
                apps.append(from_yaml(texts[sha], path=path))
            except StatusError:
                continue  # not a status file (another writer's): nothing to show
        return StatusReport(
            url=remote.display_url,
            branch=branch,
            commit=state.commit,
            apps=tuple(apps),
            environment=environment,
            environments=status_branch.environments(state.commit),
            rollout=_rollout(texts.get(rollout_sha or "")),
        )


def _rollout(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        found = load(text, path=ROLLOUT)
    except YamlError:
        return None  # not ours to understand: the daemon rewrites it
    return found if isinstance(found, dict) else None


def rollout_lines(rollout: dict[str, Any]) -> list[str]:
    """The rollout in a few lines under the table: where it is, why it halted, who runs what."""
    revision = str(rollout.get("revision", ""))[:7]
    waves = rollout.get("waves") or []
    lines = [
        f"rollout of the definitions of {revision}: {rollout.get('phase')}"
        f" at wave {rollout.get('wave')} of {len(waves)} (gate {rollout.get('gate')})"
    ]
    for failure in rollout.get("halted") or []:
        objects = "; ".join(str(o) for o in failure.get("objects") or [])
        lines.append(f"  halted on {failure.get('app')}: {objects}")
    by_revision = rollout.get("appsByDefinitionsRevision") or {}
    counts = ", ".join(f"{str(r)[:7]}: {len(apps)}" for r, apps in by_revision.items())
    lines.append(f"  apps by definitions revision: {counts}")
    if rollout.get("superseded"):
        lines.append(f"  superseded the rollout of {str(rollout['superseded'])[:7]}")
    return lines


def _origin_url(path: Path, *, timeout: float) -> str | None:
    runner = GitRunner(timeout=timeout)
    try:
        url = runner.run(["config", "--get", "remote.origin.url"], cwd=path).strip()
    except SourceError:
        return None
    if url and "://" not in url and not Path(url).is_absolute() and ":" not in url.split("/")[0]:
        url = str((path / url).resolve())  # a relative path is relative to the clone
    return url or None
