"""The files of the status branch (DESIGN §7): ``apps/<app>.yaml`` and ``README.md``.

Also ``carry_since(previous, new)``: ``since`` moves only when sync or health
change. What a commit is worth is ``status.delta``'s to decide.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import yaml

from gitops_vela.errors import StatusError
from gitops_vela.model.status import AppStatus, Health, ResourceStatus, SyncState
from gitops_vela.source import redact_text
from gitops_vela.yamldoc import DUMPER, YamlError, load

APPS_DIR = "apps"
README = "README.md"
_APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")
_MAX_MESSAGE = 500


ROLLOUT = "rollout.yaml"  # a repository's definition rollout, written by the daemon (YAML)


def app_path(app: str) -> str:
    """``apps/<app>.yaml``; refuses names that could leave ``apps/``."""
    if not _APP_NAME.match(app) or ".." in app:
        raise StatusError(f"app name {app!r} cannot be a status file name", retryable=False)
    return f"{APPS_DIR}/{app}.yaml"


def app_of_path(path: str) -> str | None:
    """The app a status file belongs to, or None for a file that is not ours."""
    if not path.startswith(f"{APPS_DIR}/") or not path.endswith(".yaml"):
        return None
    name = path[len(APPS_DIR) + 1 : -len(".yaml")]
    return name if _APP_NAME.match(name) and ".." not in name else None


def sanitise(status: AppStatus) -> AppStatus:
    """One-line, bounded, credential-free message and errors (defence in depth)."""
    message = " ".join(redact_text(status.message).split())
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    errors = tuple(redact_text(e) for e in status.errors)
    return _replace(status, message=message, errors=errors)


def carry_since(previous: AppStatus | None, new: AppStatus, *, now: str) -> AppStatus:
    """``new`` with ``since`` kept from ``previous`` unless sync or health changed."""
    if previous is not None and (previous.sync, previous.health) == (new.sync, new.health):
        return _replace(new, since=previous.since)
    if previous is not None or not new.since:
        return _replace(new, since=now)
    return new


def to_yaml(status: AppStatus) -> str:
    return str(
        yaml.dump(
            as_document(status), Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=10_000
        )
    )


def as_document(status: AppStatus) -> dict[str, Any]:
    """The app's status file as data (also ``gitops-vela status -o json|yaml``)."""
    return {
        "app": status.app,
        "revision": status.revision,
        "lastAppliedRevision": status.last_applied_revision,
        "sync": str(status.sync),
        "health": str(status.health),
        "message": status.message,
        "errors": list(status.errors),
        "resources": [
            {
                "kind": r.kind,
                "name": r.name,
                "namespace": r.namespace,
                "action": r.action,
                "health": str(r.health),
            }
            for r in status.resources
        ],
        "since": status.since,
        **(
            {"definitionsRevision": status.definitions_revision}
            if status.definitions_revision
            else {}
        ),
    }


def from_yaml(text: str, *, path: str) -> AppStatus:
    """Parse a status file; ``StatusError`` when it is not one."""
    try:
        doc = load(text, path=path)
    except YamlError as exc:
        raise StatusError(f"not a status file: {exc.diagnostic}", retryable=False) from exc
    try:
        if not isinstance(doc, dict):
            raise TypeError("not a mapping")
        return AppStatus(
            app=str(doc["app"]),
            revision=str(doc.get("revision") or ""),
            last_applied_revision=str(doc.get("lastAppliedRevision") or ""),
            sync=SyncState(doc["sync"]),
            health=Health(doc["health"]),
            message=str(doc.get("message") or ""),
            errors=tuple(str(e) for e in doc.get("errors") or ()),
            resources=tuple(_resource(r) for r in doc.get("resources") or ()),
            since=str(doc.get("since") or ""),
            definitions_revision=str(doc.get("definitionsRevision") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StatusError(f"{path}: not a status file: {exc}", retryable=False) from exc


def render_readme(statuses: Iterable[AppStatus], *, environment: str = "") -> str:
    """The table people read on the branch page; deterministic (no clock).

    ``environment``: the folder's environment, named in the title.
    """
    by = f"the daemon of environment `{environment}`" if environment else "gitops-vela"
    lines = [
        f"# gitops-vela status: {environment}" if environment else "# gitops-vela status",
        "",
        f"Written by {by}: `README.md` and `apps/*.yaml` are replaced on every update.",
        "",
        "| app | revision | sync | health | message | since |",
        "|---|---|---|---|---|---|",
    ]
    for s in sorted(statuses, key=lambda s: s.app):
        revision = f"`{s.revision[:7]}`" if s.revision else ""
        cells = [s.app, revision, str(s.sync), str(s.health), _cell(s.message), s.since]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _resource(raw: Any) -> ResourceStatus:
    return ResourceStatus(
        kind=str(raw["kind"]),
        name=str(raw["name"]),
        namespace=str(raw.get("namespace") or ""),
        action=str(raw.get("action") or ""),
        health=Health(raw.get("health") or Health.UNKNOWN),
    )


def _replace(status: AppStatus, **changes: Any) -> AppStatus:
    return dataclasses.replace(status, **changes)
