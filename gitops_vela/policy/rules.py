"""The policy rules as a table, like ``sync/health``: each rule looks at one object.

A rule returns a ``Violation`` (which key refused it, and why in words a tenant
can act on) or ``None``. ``check_object`` runs them all so one object reports
every broken rule at once, not only the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from gitops_vela.settings.tree import PolicySettings


@dataclass(frozen=True, slots=True)
class Violation:
    key: str  # the policy key that refused it: namespaces, clusterScoped, kinds.deny, kinds.allow
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    violations: tuple[Violation, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.violations

    def describe(self) -> str:
        return "; ".join(f"policy.{v.key}: {v.message}" for v in self.violations)


@dataclass(frozen=True, slots=True)
class _Subject:
    group_kind: str  # "rbac.authorization.k8s.io/ClusterRoleBinding", core kinds: "ConfigMap"
    kind: str
    name: str
    namespace: str | None  # None: cluster-scoped


def _subject(obj: Mapping[str, Any], *, namespaced: bool) -> _Subject:
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    kind = str(obj.get("kind", ""))
    meta = obj.get("metadata") or {}
    return _Subject(
        group_kind=f"{group}/{kind}" if group else kind,
        kind=kind,
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace") or "") if namespaced else None,
    )


def _matches(pattern: str, group_kind: str) -> bool:
    """``*`` anything; ``apps/*`` a group; ``Secret`` or ``/Secret`` a core kind."""
    if pattern == "*":
        return True
    return fnmatchcase(group_kind, pattern.removeprefix("/"))


def _namespaces(policy: PolicySettings, subject: _Subject) -> Violation | None:
    """Where a namespaced object goes; a Namespace object is judged by its own name,
    so a repository allowed Namespaces cannot make (and own) another team's."""
    place = subject.name if subject.group_kind == "Namespace" else subject.namespace
    if place is None:
        return None
    if any(fnmatchcase(place, glob) for glob in policy.namespaces):
        return None
    allowed = ", ".join(policy.namespaces) or "none"
    return Violation("namespaces", f"namespace {place!r} is not allowed (allowed: {allowed})")


def _cluster_scoped(policy: PolicySettings, subject: _Subject) -> Violation | None:
    allowed = policy.cluster_scoped
    if subject.namespace is not None or allowed is True:
        return None
    if allowed is not False and any(
        _matches(p, subject.group_kind) or p == subject.kind for p in allowed
    ):
        return None
    detail = "none are allowed" if allowed is False else f"allowed: {', '.join(allowed)}"
    return Violation(
        "clusterScoped", f"cluster-scoped {subject.group_kind} is not allowed ({detail})"
    )


def _kinds(policy: PolicySettings, subject: _Subject) -> Violation | None:
    denied = [p for p in policy.deny_kinds if _matches(p, subject.group_kind)]
    if denied:  # deny wins over allow
        return Violation("kinds.deny", f"{subject.group_kind} is denied (by {denied[0]!r})")
    if any(_matches(p, subject.group_kind) for p in policy.allow_kinds):
        return None
    return Violation("kinds.allow", f"{subject.group_kind} is not in the allowed kinds")


Rule = Callable[[PolicySettings, _Subject], Violation | None]
RULES: tuple[Rule, ...] = (_namespaces, _cluster_scoped, _kinds)


def check_object(
    policy: PolicySettings, obj: Mapping[str, Any], *, namespaced: bool = True
) -> Verdict:
    """Every rule's verdict on one rendered object; ``namespaced`` from discovery or the catalog."""
    subject = _subject(obj, namespaced=namespaced)
    found = (rule(policy, subject) for rule in RULES)
    return Verdict(tuple(v for v in found if v is not None))


def check_namespace(policy: PolicySettings, name: str) -> Verdict:
    """The verdict on an app's own namespace, which sync creates when it is missing.

    Only ``namespaces`` applies: creating it is the daemon's convenience for the app,
    not a cluster-scoped object the repository renders (so ``clusterScoped: false``
    does not refuse it), but it must not open a namespace outside the fence.
    """
    found = _namespaces(policy, _Subject("Namespace", "Namespace", name, None))
    return Verdict((found,) if found else ())
