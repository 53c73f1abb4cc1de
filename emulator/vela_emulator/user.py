"""Who a request is: the one user type every part of the emulator speaks.

Mirrors ``k8s.io/apiserver/pkg/authentication/user``: an authenticated request
carries a name, a uid, groups and extra values, whether it came from a bearer
token (``authn``), a ServiceAccount token the emulator issued, or ``Impersonate-*``
headers; the RBAC authorizer, the reviews (TokenReview, SelfSubjectReview, the
access reviews) and a CertificateSigningRequest's requester all read this one
type, so none of them converts between models of a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
SA_PREFIX = "system:serviceaccount:"
SA_GROUP = "system:serviceaccounts"

Extra = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class UserInfo:
    """Who a request acts as (after impersonation): ``user.Info``.

    ``extra`` is sorted pairs, not a dict, so a user stays hashable and two equal
    users compare equal whatever order their headers came in."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Extra = ()

    @property
    def privileged(self) -> bool:
        """In ``system:masters``: the apiserver's privileged-group authorizer lets it do anything."""
        return MASTERS in self.groups

    def to_api(self) -> dict[str, Any]:
        """As ``authentication.k8s.io/v1`` UserInfo (TokenReview, SelfSubjectReview), the
        empty uid and extra left out as the apiserver's ``omitempty`` leaves them."""
        info: dict[str, Any] = {"username": self.name}
        if self.uid:
            info["uid"] = self.uid
        info["groups"] = list(self.groups)
        if self.extra:
            info["extra"] = {key: list(values) for key, values in self.extra}
        return info


def canonical_extra(values: Mapping[str, Sequence[str]]) -> Extra:
    """``extra`` in its canonical (sorted) form."""
    return tuple(sorted((key, tuple(found)) for key, found in values.items()))


ADMIN = UserInfo("kubernetes-admin", (MASTERS, AUTHENTICATED))  # kind's kubeconfig user


def service_account_user(namespace: str, name: str) -> str:
    return f"{SA_PREFIX}{namespace}:{name}"


def split_service_account(username: str) -> tuple[str, str] | None:
    """(namespace, name) of ``system:serviceaccount:NS:NAME``, else None."""
    if not username.startswith(SA_PREFIX):
        return None
    parts = username[len(SA_PREFIX) :].split(":")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def service_account_groups(namespace: str) -> tuple[str, ...]:
    return (SA_GROUP, f"{SA_GROUP}:{namespace}")


def service_account(namespace: str, name: str, uid: str = "") -> UserInfo:
    """What a ServiceAccount token authenticates as (``serviceaccount.UserInfo``)."""
    return UserInfo(
        service_account_user(namespace, name),
        (*service_account_groups(namespace), AUTHENTICATED),
        uid,
    )
