"""Who a request acts as (``Impersonate-*`` headers), and the access reviews.

Authentication (who the bearer token is) is :mod:`vela_emulator.authn`'s; this
module takes the user it found. Impersonation follows the apiserver's
``WithImpersonation`` filter: the caller needs the ``impersonate`` verb on
``serviceaccounts`` (in the ServiceAccount's namespace), ``users``, ``groups``,
``uids`` or ``userextras/KEY``; an impersonated ServiceAccount gets
``system:serviceaccounts`` and ``system:serviceaccounts:NS`` unless groups are given,
every non-anonymous impersonated user gets ``system:authenticated``, and the uid and
extra values asked for are the impersonated user's (``kubectl auth whoami --as-uid``
shows them, a CertificateSigningRequest records them).

The reviews (SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview,
SelfSubjectRulesReview) are answered by the same authorizer, so
``kubectl auth can-i --as ...`` tells the truth.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from vela_emulator import rbac
from vela_emulator.apistatus import ApiStatus, bad_request
from vela_emulator.rbac import Attributes
from vela_emulator.store import Obj, Store
from vela_emulator.user import (
    ANONYMOUS,
    AUTHENTICATED,
    UNAUTHENTICATED,
    UserInfo,
    canonical_extra,
    service_account_groups,
    split_service_account,
)

# ----- impersonation -----------------------------------------------------------------------------

GetAll = Callable[[str], Sequence[str]]


def _impersonated_extras(get_all: GetAll, header_names: Sequence[str]) -> dict[str, list[str]]:
    """The ``Impersonate-Extra-KEY`` values by key, lower-cased and %-unescaped as the
    apiserver reads them: a Go client sends ``Impersonate-Extra-Scopes`` for ``scopes``,
    and a header name cannot hold the ``/`` of ``example.org/scope`` but ``%2F``."""
    prefix = "impersonate-extra-"
    extras: dict[str, list[str]] = {}
    for header in sorted({h for h in header_names if h.lower().startswith(prefix)}):
        key = unquote(header[len(prefix) :].lower())
        extras.setdefault(key, []).extend(get_all(header))
    return extras


def impersonate(
    store: Store, caller: UserInfo, get_all: GetAll, header_names: Sequence[str]
) -> UserInfo:
    """The user a request acts as; 403 when ``caller`` may not impersonate it."""
    users = [u for u in get_all("Impersonate-User") if u]
    groups = [g for g in get_all("Impersonate-Group") if g]
    uids = [u for u in get_all("Impersonate-Uid") if u]
    extras = _impersonated_extras(get_all, header_names)
    if not users:
        if groups or uids or extras:
            asked = [f"Group={g}" for g in groups] + [f"UID={u}" for u in uids]
            raise ApiStatus(
                500,
                "InternalError",
                f"Internal error occurred: requested [{' '.join(asked)}] without impersonating a user",
            )
        return caller
    if len(users) > 1:
        raise bad_request("only one Impersonate-User header may be given")
    username = users[0]
    checks = [_acting_as(caller, "groups", g) for g in groups]  # only the groups asked for
    service_account = split_service_account(username)
    if service_account is not None:
        namespace, name = service_account
        checks.insert(0, _acting_as(caller, "serviceaccounts", name, namespace=namespace))
        if not groups:  # a ServiceAccount's groups are a fixed mapping: nothing to check
            groups = list(service_account_groups(namespace))
    else:
        checks.insert(0, _acting_as(caller, "users", username))
    checks += [_acting_as(caller, "uids", u, group="authentication.k8s.io") for u in uids]
    for key, values in extras.items():
        for value in values:
            checks.append(
                _acting_as(
                    caller, "userextras", value, group="authentication.k8s.io", subresource=key
                )
            )
    with store.lock:
        for attrs in checks:
            decision = rbac.authorize(store, attrs)
            if not decision.allowed:
                raise rbac.forbidden(attrs, decision.reason)
    if username != ANONYMOUS and not {AUTHENTICATED, UNAUTHENTICATED} & set(groups):
        groups.append(AUTHENTICATED)
    uid = uids[-1] if uids else ""  # the apiserver keeps the last one it reads
    return UserInfo(username, tuple(groups), uid, canonical_extra(extras))


def _acting_as(
    caller: UserInfo,
    resource: str,
    name: str,
    *,
    namespace: str = "",
    group: str = "",
    subresource: str = "",
) -> Attributes:
    return Attributes(
        caller,
        "impersonate",
        group=group,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name=name,
    )


# ----- access reviews ----------------------------------------------------------------------------


def _review_attributes(user: UserInfo, spec: Mapping[str, Any], namespace: str = "") -> Attributes:
    resource = spec.get("resourceAttributes")
    if isinstance(resource, Mapping):
        return Attributes(
            user,
            str(resource.get("verb") or ""),
            group=str(resource.get("group") or ""),
            resource=str(resource.get("resource") or ""),
            subresource=str(resource.get("subresource") or ""),
            namespace=namespace or str(resource.get("namespace") or ""),
            name=str(resource.get("name") or ""),
        )
    non_resource = spec.get("nonResourceAttributes") or {}
    return Attributes(
        user,
        str(non_resource.get("verb") or ""),
        path=str(non_resource.get("path") or ""),
        resource_request=False,
    )


def _review_invalid(kind: str, field: str, message: str) -> ApiStatus:
    return ApiStatus(
        422,
        "Invalid",
        f'{kind}.authorization.k8s.io "" is invalid: {field}: {message}',
        details={
            "group": "authorization.k8s.io",
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}],
        },
    )


def _check_attributes(kind: str, spec: Mapping[str, Any]) -> None:
    has_resource = isinstance(spec.get("resourceAttributes"), Mapping)
    has_path = isinstance(spec.get("nonResourceAttributes"), Mapping)
    if has_resource == has_path:
        raise _review_invalid(
            kind,
            "spec.resourceAttributes",
            'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        )


def _decide(store: Store, attrs: Attributes) -> Obj:
    with store.lock:
        decision = rbac.authorize(store, attrs)
    status: Obj = {"allowed": decision.allowed}
    if decision.reason:
        status["reason"] = decision.reason
    return status


def _rules_review(store: Store, user: UserInfo, namespace: str) -> Obj:
    resource_rules: list[Obj] = []
    non_resource_rules: list[Obj] = []
    with store.lock:
        if user.privileged:
            resource_rules.append({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
            non_resource_rules.append({"verbs": ["*"], "nonResourceURLs": ["*"]})
        for grant in rbac.grants(store, user, namespace):
            if isinstance(grant, str):
                continue
            for rule in grant.rules:
                if rule.get("nonResourceURLs"):
                    non_resource_rules.append(
                        {
                            "verbs": rule.get("verbs") or [],
                            "nonResourceURLs": rule["nonResourceURLs"],
                        }
                    )
                    continue
                entry: Obj = {
                    "verbs": rule.get("verbs") or [],
                    "apiGroups": rule.get("apiGroups") or [],
                    "resources": rule.get("resources") or [],
                }
                if rule.get("resourceNames"):
                    entry["resourceNames"] = rule["resourceNames"]
                resource_rules.append(entry)
    return {
        "resourceRules": resource_rules,
        "nonResourceRules": non_resource_rules,
        "incomplete": False,
    }


def review(store: Store, kind: str, user: UserInfo, body: Obj, namespace: str) -> Obj:
    """The status of an access review of ``kind`` created by ``user`` (in ``namespace``
    for the namespaced LocalSubjectAccessReview)."""
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        spec = {}
    if kind == "SelfSubjectRulesReview":
        return _rules_review(store, user, str(spec.get("namespace") or ""))
    _check_attributes(kind, spec)
    if kind == "SelfSubjectAccessReview":
        return _decide(store, _review_attributes(user, spec))
    subject = UserInfo(str(spec.get("user") or ""), tuple(spec.get("groups") or ()))
    if not subject.name and not subject.groups:
        raise _review_invalid(
            kind, "spec.user", 'Invalid value: "": at least one of user or group must be specified'
        )
    if kind == "LocalSubjectAccessReview":
        asked = (spec.get("resourceAttributes") or {}).get("namespace")
        if asked != namespace:
            raise _review_invalid(
                kind,
                "spec.resourceAttributes.namespace",
                f'Invalid value: "{asked or ""}": must match metadata.namespace',
            )
        return _decide(store, _review_attributes(subject, spec, namespace))
    return _decide(store, _review_attributes(subject, spec))
