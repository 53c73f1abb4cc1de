"""The report as JSON for machines: the same content as the Markdown, never truncated."""

from __future__ import annotations

import json
from typing import Any

from gitops_vela.review.objdiff import RenderedObjectDiff
from gitops_vela.review.report import AppChange, ClusterDiff, DefinitionChange, Report

SCHEMA_VERSION = 1


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "ok": report.ok,
        "base": {"ref": report.base, "sha": report.base_sha},
        "head": {"ref": report.head, "sha": report.head_sha},
        "repositories": list(report.repos),
        "breaking": list(report.breaking),
        "catalogProblems": list(report.catalog_problems),
        "definitions": [_definition(d) for d in report.definitions],
        "environments": list(report.environments),
        "apps": [_app(a) for a in report.apps],
        "appsTotal": report.apps_total,
        "appsRendered": report.apps_rendered,
        "appsUnaffected": report.unaffected,
        "cluster": None if report.cluster is None else [_cluster(c) for c in report.cluster],
        "waves": {repo: [list(w) for w in waves] for repo, waves in report.waves},
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, sort_keys=False) + "\n"


def _definition(d: DefinitionChange) -> dict[str, Any]:
    return {
        "name": d.name,
        "kind": d.kind,
        "status": str(d.status),
        "path": d.path,
        "aspects": list(d.aspects),
        "breaking": d.breaks,
        "breakingSchema": d.breaking_schema,
        "schemaChanges": [
            {"path": c.path, "severity": str(c.severity), "message": c.message}
            for c in d.schema_changes
        ],
        "problems": list(d.problems),
        "usedBy": list(d.used_by),
    }


def _app(a: AppChange) -> dict[str, Any]:
    return {
        "repo": a.repo,
        "name": a.name,
        "path": a.path,
        "environment": a.environment,
        "status": str(a.status),
        "definitions": list(a.definitions),
        "errors": list(a.errors),
        "conflicts": list(a.conflicts),
        "objects": [_object(o) for o in a.objects],
    }


def _object(o: RenderedObjectDiff) -> dict[str, Any]:
    found: dict[str, Any] = {"ref": o.ref, "change": str(o.change), "diff": o.diff}
    if o.explained:
        found["explained"] = list(o.explained)
    return found


def _cluster(c: ClusterDiff) -> dict[str, Any]:
    return {"app": c.app, "error": c.error, "objects": [_object(o) for o in c.objects]}
