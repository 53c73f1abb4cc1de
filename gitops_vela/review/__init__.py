"""Pull-request report: what a definition change does to every app.

Public API::

    review(ReviewRequest(path, base, head, apps_repos=...)) -> Report
    render_markdown(report, limit=60_000) -> str     the PR comment
    render_json(report) -> str                       the same, for machines
    classify_schema_change(old, new) -> (SchemaChange, ...)
"""

from gitops_vela.review.jsonout import render_json, report_to_dict
from gitops_vela.review.markdown import render_markdown
from gitops_vela.review.report import AppChange, AppChangeKind, DefinitionChange, Report
from gitops_vela.review.reviewer import ReviewRequest, review
from gitops_vela.review.schemachanges import SchemaChange, Severity, classify_schema_change

__all__ = [
    "AppChange",
    "AppChangeKind",
    "DefinitionChange",
    "Report",
    "ReviewRequest",
    "SchemaChange",
    "Severity",
    "classify_schema_change",
    "render_json",
    "render_markdown",
    "report_to_dict",
    "review",
]
