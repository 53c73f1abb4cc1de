"""Tenancy policy: may this repository's rendered object go to the cluster?

Pure checks of one object against a repository's ``policy:`` block. The API
server enforces the same fence through the tenant's ServiceAccount; we check
first so a refusal is early, names the rule, and shows up in PR review.
"""

from gitops_vela.policy.rules import RULES, Verdict, Violation, check_namespace, check_object

__all__ = ["RULES", "Verdict", "Violation", "check_namespace", "check_object"]
