"""Checks a platform engineer runs on definitions: ``defs test`` and ``defs vet``.

``cases`` finds the test cases of definitions (the example annotation, and
case files in ``tests/<name>/`` next to the definition files); ``runner``
renders them through the real renderer and compares; ``vet`` lints the
definitions themselves. Results are data; the CLI and the review print them.
"""

from gitops_vela.defcheck.cases import Case, CaseKind, collect_cases
from gitops_vela.defcheck.runner import CaseResult, Outcome, run_cases
from gitops_vela.defcheck.vet import Finding, Severity, vet_catalog

__all__ = [
    "Case",
    "CaseKind",
    "CaseResult",
    "Finding",
    "Outcome",
    "Severity",
    "collect_cases",
    "run_cases",
    "vet_catalog",
]
