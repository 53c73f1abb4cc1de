"""The RBAC authorizer: may this user do this verb on this resource, by the stored Roles and bindings?

Follows the apiserver's ``plugin/pkg/auth/authorizer/rbac``: ClusterRoleBindings
apply everywhere, RoleBindings in the request's namespace (to a Role there or a
ClusterRole); a rule allows when its verbs, apiGroups, resources (``res/sub``,
``*/sub``, ``*``) and resourceNames all match; nothing denies, so the first rule
that allows wins. ``system:masters`` (the emulator's own admin, ``user.ADMIN``)
bypasses RBAC as the apiserver's privileged-group authorizer does. The bootstrap roles every
authenticated user holds (``system:basic-user``, ``system:discovery``,
``system:public-info-viewer``) apply without being stored, so a fresh emulator still
lists no RBAC objects; a binding may name ``system:auth-delegator`` the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vela_emulator.apistatus import ApiStatus, qualified
from vela_emulator.selectors import (
    labels_match,
    parse_label_selector,
    selector_from_label_selector,
)
from vela_emulator.store import Obj, Store
from vela_emulator.user import AUTHENTICATED, UserInfo, service_account_user

GROUP = "rbac.authorization.k8s.io"


@dataclass(frozen=True, slots=True)
class Attributes:
    """One authorization question, as the apiserver's RequestInfo frames it."""

    user: UserInfo
    verb: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # non-resource requests (discovery, /version, /healthz)
    resource_request: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""  # "RBAC: allowed by ...", or why a binding could not be evaluated


# ----- bootstrap policy (never stored) ----------------------------------------------------------

# Held by every authenticated user, through bindings the apiserver bootstraps.
_AUTHENTICATED_ROLES: dict[str, list[Obj]] = {
    "system:basic-user": [
        {
            "verbs": ["create"],
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        },
        {
            "verbs": ["create"],
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["selfsubjectreviews"],
        },
    ],
    "system:discovery": [
        {
            "verbs": ["get"],
            "nonResourceURLs": [
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
        }
    ],
    "system:public-info-viewer": [
        {
            "verbs": ["get"],
            "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"],
        }
    ],
}


def _bootstrap_bindings() -> list[Obj]:
    return [
        {
            "metadata": {"name": name},
            "roleRef": {"apiGroup": GROUP, "kind": "ClusterRole", "name": name},
            "subjects": [{"apiGroup": GROUP, "kind": "Group", "name": AUTHENTICATED}],
        }
        for name in _AUTHENTICATED_ROLES
    ]


_BOOTSTRAP_BINDINGS = _bootstrap_bindings()

# Bootstrap ClusterRoles nobody holds until a binding names them: ``system:auth-delegator``
# is what a client that reviews tokens (kr8s's ``whoami``) or delegates authorization is bound to.
_BOOTSTRAP_ROLES: dict[str, list[Obj]] = {
    **_AUTHENTICATED_ROLES,
    "system:auth-delegator": [
        {
            "verbs": ["create"],
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["tokenreviews"],
        },
        {
            "verbs": ["create"],
            "apiGroups": ["authorization.k8s.io"],
            "resources": ["subjectaccessreviews"],
        },
    ],
}


# ----- rule matching -----------------------------------------------------------------------------


def _has(values: Sequence[str] | None, wanted: str) -> bool:
    return bool(values) and ("*" in values or wanted in values)  # type: ignore[operator]


def _resource_matches(rule: Mapping[str, Any], attrs: Attributes) -> bool:
    combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    for resource in rule.get("resources") or ():
        if resource in ("*", combined):
            return True
        if attrs.subresource and resource == f"*/{attrs.subresource}":
            return True
    return False


def _url_matches(rule: Mapping[str, Any], path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url == "*" or url == path:
            return True
        if url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def rule_allows(rule: Mapping[str, Any], attrs: Attributes) -> bool:
    """RuleAllows: every list of the rule matches the request."""
    if not _has(rule.get("verbs"), attrs.verb):
        return False
    if not attrs.resource_request:
        return _url_matches(rule, attrs.path)
    names = rule.get("resourceNames") or ()
    return (
        _has(rule.get("apiGroups"), attrs.group)
        and _resource_matches(rule, attrs)
        and (not names or attrs.name in names)
    )


# ----- which bindings apply ----------------------------------------------------------------------


def _subject_applies(subject: Mapping[str, Any], user: UserInfo, namespace: str) -> bool:
    kind, name = subject.get("kind"), subject.get("name")
    if kind == "User":
        return bool(name == user.name)
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        # a RoleBinding may name a ServiceAccount of its own namespace without one
        sa_namespace = subject.get("namespace") or namespace
        return bool(sa_namespace) and user.name == service_account_user(sa_namespace, str(name))
    return False


def _describe_subject(subject: Mapping[str, Any], namespace: str) -> str:
    if subject.get("kind") == "ServiceAccount":
        return f'ServiceAccount "{subject.get("name")}/{subject.get("namespace") or namespace}"'
    return f'{subject.get("kind")} "{subject.get("name")}"'


def _aggregated(store: Store, role: Obj) -> list[Obj]:
    """A ClusterRole's rules; an aggregated one has those of the roles its selectors pick
    (what the clusterrole-aggregation controller would have written into it)."""
    selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors")
    if not selectors:
        return list(role.get("rules") or [])
    requirements = [parse_label_selector(selector_from_label_selector(s)) for s in selectors]
    rules: list[Obj] = []
    for other in store.items((GROUP, "clusterroles")):
        if other["metadata"]["name"] == role["metadata"]["name"]:
            continue
        labels = other["metadata"].get("labels") or {}
        if any(labels_match(r, labels) for r in requirements):
            rules.extend(other.get("rules") or [])
    return rules


def _cluster_role_rules(store: Store, name: str) -> list[Obj] | None:
    if name in _BOOTSTRAP_ROLES:
        return _BOOTSTRAP_ROLES[name]
    role = store.get((GROUP, "clusterroles"), "", name)
    return None if role is None else _aggregated(store, role)


def _role_rules(store: Store, ref: Mapping[str, Any], namespace: str) -> list[Obj] | str:
    """The rules a roleRef points at, or why they cannot be found (an RBAC evaluation error)."""
    name = str(ref.get("name") or "")
    if ref.get("kind") == "Role" and namespace:
        role = store.get((GROUP, "roles"), namespace, name)
        return list(role.get("rules") or []) if role else f'role.{GROUP} "{name}" not found'
    rules = _cluster_role_rules(store, name)
    return rules if rules is not None else f'clusterrole.{GROUP} "{name}" not found'


@dataclass(frozen=True, slots=True)
class Grant:
    """The rules one binding gives a user, and the binding in the apiserver's words."""

    source: str
    rules: list[Obj]


def grants(store: Store, user: UserInfo, namespace: str) -> Iterator[Grant | str]:
    """Every binding that applies to ``user`` in ``namespace`` ("" = cluster scope only),
    as its rules, or as an error string when its role is missing."""
    cluster_bindings = _BOOTSTRAP_BINDINGS + store.items((GROUP, "clusterrolebindings"))
    scopes: list[tuple[str, list[Obj]]] = [("", cluster_bindings)]
    if namespace:
        scopes.append((namespace, store.items((GROUP, "rolebindings"), namespace)))
    for scope, bindings in scopes:
        for binding in bindings:
            subject = next(
                (s for s in binding.get("subjects") or () if _subject_applies(s, user, scope)),
                None,
            )
            if subject is None:
                continue
            ref = binding.get("roleRef") or {}
            rules = _role_rules(store, ref, scope)
            if isinstance(rules, str):
                yield rules
                continue
            name = binding["metadata"]["name"]
            label = f'RoleBinding "{name}/{scope}"' if scope else f'ClusterRoleBinding "{name}"'
            source = (
                f'{label} of {ref.get("kind")} "{ref.get("name")}" to '
                f"{_describe_subject(subject, scope)}"
            )
            yield Grant(source, rules)


def authorize(store: Store, attrs: Attributes) -> Decision:
    """The RBAC decision (call under the store lock)."""
    if attrs.user.privileged:
        return Decision(True)
    errors: list[str] = []
    for grant in grants(store, attrs.user, attrs.namespace):
        if isinstance(grant, str):
            errors.append(grant)
            continue
        if any(rule_allows(rule, attrs) for rule in grant.rules):
            return Decision(True, f"RBAC: allowed by {grant.source}")
    if not errors:
        return Decision(False)
    joined = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
    return Decision(False, f"RBAC: {joined}")


# ----- the 403 -----------------------------------------------------------------------------------


def forbidden_message(attrs: Attributes) -> str:
    """responsewriters.forbiddenMessage."""
    who = attrs.user.name
    if not attrs.resource_request:
        return f'User "{who}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return (
        f'User "{who}" cannot {attrs.verb} resource "{resource}" in API group '
        f'"{attrs.group}" {where}'
    )


def forbidden_status(resource: str, group: str, name: str, why: str) -> ApiStatus:
    """apierrors.NewForbidden: ``RESOURCE[.GROUP] ["NAME"] is forbidden: WHY``."""
    what = qualified(resource, group)
    message = f'{what} "{name}" is forbidden: {why}' if name else f"{what} is forbidden: {why}"
    details: dict[str, Any] = {"name": name} if name else {}
    if group:
        details["group"] = group
    details["kind"] = resource
    return ApiStatus(403, "Forbidden", message, details=details)


def forbidden(attrs: Attributes, reason: str) -> ApiStatus:
    """The authorization filter's 403 for a denied request."""
    why = forbidden_message(attrs)
    if reason:
        why = f"{why}: {reason}"
    if not attrs.resource_request:
        return ApiStatus(403, "Forbidden", f"forbidden: {why}", details={})
    return forbidden_status(attrs.resource, attrs.group, attrs.name, why)


# ----- escalation prevention ---------------------------------------------------------------------

_ROLE_KINDS = {"Role": "roles", "ClusterRole": "clusterroles"}
_BINDING_KINDS = {"RoleBinding": "rolebindings", "ClusterRoleBinding": "clusterrolebindings"}


def _atoms(rule: Mapping[str, Any]) -> Iterator[tuple[str, str, str, str, str]]:
    """A rule as (verb, group, resource, subresource, name) atoms; URLs as (verb, path)."""
    for verb in rule.get("verbs") or ():
        for url in rule.get("nonResourceURLs") or ():
            yield verb, "", "", "", url
        for group in rule.get("apiGroups") or ():
            for resource in rule.get("resources") or ():
                base, _, sub = str(resource).partition("/")
                for name in rule.get("resourceNames") or ("",):
                    yield verb, group, base, sub, name


def _not_held(
    store: Store, user: UserInfo, rules: Sequence[Mapping[str, Any]], namespace: str
) -> list[str]:
    missing = []
    for rule in rules:
        for verb, group, resource, sub, name in _atoms(rule):
            if rule.get("nonResourceURLs"):
                attrs = Attributes(user, verb, path=name, resource_request=False)
            else:
                attrs = Attributes(user, verb, group, resource, sub, namespace, name)
            if not authorize(store, attrs).allowed:
                missing.append(_describe_rule(rule))
                break
    return missing


def _describe_rule(rule: Mapping[str, Any]) -> str:
    """PolicyRule.CompactString: ``{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}``."""
    parts = []
    for key, label in (
        ("apiGroups", "APIGroups"),
        ("resources", "Resources"),
        ("resourceNames", "ResourceNames"),
        ("nonResourceURLs", "NonResourceURLs"),
        ("verbs", "Verbs"),
    ):
        if rule.get(key):
            parts.append(f"{label}:[" + " ".join(f'"{v}"' for v in rule[key]) + "]")
    return "{" + ", ".join(parts) + "}"


def escalation(store: Store, user: UserInfo, kind: str, obj: Obj) -> ApiStatus | None:
    """The 403 for a Role or binding that would grant more than ``user`` holds (call under
    the store lock): RBAC's escalation check, waived by ``escalate`` on the role kind or
    ``bind`` on the bound role, as in the apiserver."""
    if user.privileged or not (kind in _ROLE_KINDS or kind in _BINDING_KINDS):
        return None
    meta = obj.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name") or "")
    if kind in _ROLE_KINDS:
        waiver = Attributes(user, "escalate", GROUP, _ROLE_KINDS[kind], "", namespace, name)
        rules: list[Obj] = list(obj.get("rules") or [])
        resource = _ROLE_KINDS[kind]
    else:
        ref = obj.get("roleRef") or {}
        ref_kind = str(ref.get("kind") or "")
        waiver = Attributes(
            user, "bind", GROUP, _ROLE_KINDS.get(ref_kind, ""), "", namespace, str(ref.get("name"))
        )
        found = _role_rules(store, ref, namespace)
        rules = found if isinstance(found, list) else []
        resource = _BINDING_KINDS[kind]
    if authorize(store, waiver).allowed:
        return None
    missing = _not_held(store, user, rules, namespace)
    if not missing:
        return None
    groups = " ".join(f'"{g}"' for g in user.groups)
    why = (
        f'user "{user.name}" (groups=[{groups}]) is attempting to grant RBAC permissions not '
        "currently held:\n" + "\n".join(missing)
    )
    return forbidden_status(resource, GROUP, name, why)
