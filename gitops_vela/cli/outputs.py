"""``-o json|yaml``: a command's result as one document a machine reads.

Every document is built from result values that already hold no secret
(diffs are masked upstream, errors redacted), so nothing is masked here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import AppFailure, RepositoryRender
from gitops_vela.render import yamltext
from gitops_vela.sync.diff import DiffResult

MACHINE = ("json", "yaml")


def emit(document: Any, output: str) -> None:
    """Print ``document`` as JSON or YAML on stdout."""
    if output == "json":
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(yamltext.dump(document))


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "path": diagnostic.path,
        "line": diagnostic.line,
        "key": diagnostic.key,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "text": str(diagnostic),
    }


def failures_json(failures: Sequence[AppFailure]) -> list[dict[str, Any]]:
    return [
        {"app": f.name, "path": f.path, "errors": [str(d) for d in f.diagnostics]} for f in failures
    ]


def validate_json(render: RepositoryRender) -> dict[str, Any]:
    errors = [
        *render.catalog_diagnostics,
        *(d for f in render.failures for d in f.diagnostics),
        *render.refusals,
    ]
    warnings = [w for app in render.apps for w in app.warnings]
    return {
        "ok": not errors,
        "apps": [app.name for app in render.apps],
        "errors": [diagnostic_json(d) for d in errors],
        "warnings": [diagnostic_json(w) for w in warnings],
    }


def diff_json(
    result: DiffResult,
    failures: Sequence[AppFailure] = (),
    *,
    explained: Mapping[tuple[str, ObjectRef], Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Per app, every object that differs (action, masked unified diff, and with ``--explain``
    each drifted field's origin and writer), and broken Appfiles."""
    return {
        "changed": result.changed,
        "ok": result.ok and not failures,
        "apps": [
            {
                "repo": app.repo,
                "app": app.app,
                "objects": [
                    {
                        "group": o.ref.group,
                        "kind": o.ref.kind,
                        "namespace": o.ref.namespace,
                        "name": o.ref.name,
                        "action": o.action.value,
                        "reason": o.reason,
                        "diff": o.text,
                    }
                    | (
                        {"explained": list(explained[(app.app, o.ref)])}
                        if explained and (app.app, o.ref) in explained
                        else {}
                    )
                    for o in app.changed
                ],
                "errors": list(app.errors),
            }
            for app in result.apps
        ],
        "failures": failures_json(failures),
    }
