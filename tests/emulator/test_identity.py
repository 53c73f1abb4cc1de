"""One model of who a request is: a token added for a test, a ServiceAccount token the
emulator issued and an impersonated user are the same user to the request path, TokenReview,
SelfSubjectReview (whoami), RBAC and a CertificateSigningRequest's requester."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import pytest
from vela_emulator import Emulator, user
from vela_emulator.apistatus import ApiStatus
from vela_emulator.authn import ADMIN_TOKEN, AUDIENCES, Authenticator
from vela_emulator.user import ADMIN, UserInfo

from .test_api_surface import _CSR

AUTHN = "/apis/authentication.k8s.io/v1"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
BOT = {"kind": "ServiceAccount", "name": "bot", "namespace": "default"}
WHOAMI = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
SA_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated")


def _post(
    emu: Emulator, path: str, body: Any, headers: Sequence[tuple[str, str]] = ()
) -> tuple[int, Any]:
    """A POST with headers that may repeat (``Impersonate-Extra-*`` values), which urllib's
    Request cannot send."""
    data = json.dumps(body).encode()
    connection = http.client.HTTPConnection(urlsplit(emu.url).netloc, timeout=10)
    try:
        connection.putrequest("POST", path)
        for name, value in [("Content-Type", "application/json"), *headers]:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(data)))
        connection.endheaders(data)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("Authorization", f"Bearer {token}")]


def _token_review(emu: Emulator, token: str) -> Any:
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview"}
    status, review = _post(emu, f"{AUTHN}/tokenreviews", {**body, "spec": {"token": token}})
    assert status == 201, review
    return review["status"]


def _bind(emu: Emulator, name: str, role: str, subject: dict[str, Any]) -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }
    status, answer = _post(emu, f"{RBAC}/clusterrolebindings", binding)
    assert status == 201, answer


def _grant(emu: Emulator, name: str, subject: dict[str, Any], *rules: dict[str, Any]) -> None:
    """A ClusterRole ``name`` of ``rules``, bound to ``subject``."""
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole"}
    body = {**role, "metadata": {"name": name}, "rules": list(rules)}
    status, answer = _post(emu, f"{RBAC}/clusterroles", body)
    assert status == 201, answer
    _bind(emu, name, name, subject)


def _bot_token(emu: Emulator) -> tuple[str, str]:
    """A new ServiceAccount ``default/bot``'s uid and a token issued for it (``kubectl create token``)."""
    service_account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "bot"}}
    status, created = _post(emu, "/api/v1/namespaces/default/serviceaccounts", service_account)
    assert status == 201, created
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    path = "/api/v1/namespaces/default/serviceaccounts/bot/token"
    status, issued = _post(emu, path, request)
    assert status == 201, issued
    return created["metadata"]["uid"], issued["status"]["token"]


# ----- the authenticator -------------------------------------------------------------------------


def test_one_authenticator_knows_the_admin_added_and_issued_tokens() -> None:
    tokens = Authenticator()
    added = tokens.add("system:serviceaccount:default:deployer")
    deployer = UserInfo("system:serviceaccount:default:deployer", SA_GROUPS)
    assert tokens.review(added) == (deployer, AUDIENCES)
    bot = user.service_account("default", "bot", "uid-1")
    issued = tokens.issue(bot, {"aud": ["vault"], "jti": "1"}, time.time() + 60)
    expired = tokens.issue(bot, {"aud": ["vault"], "jti": "2"}, time.time() - 1)
    assert tokens.review(issued) == (bot, ("vault",))
    assert tokens.review(expired) is None
    assert tokens.authenticate(f"Bearer {added}") == deployer
    assert tokens.authenticate(f"bearer  {issued}") == bot
    assert tokens.authenticate("") == tokens.authenticate(f"Bearer {ADMIN_TOKEN}") == ADMIN
    for unknown in (expired, "not-a-token", ""):
        with pytest.raises(ApiStatus) as err:
            tokens.authenticate(f"Bearer {unknown}")
        assert err.value.code == 401
    tokens.clear()
    assert tokens.review(added) is None and tokens.review(issued) is None
    assert tokens.review(ADMIN_TOKEN) == (ADMIN, AUDIENCES)


def test_an_added_user_gets_authenticated_once_and_its_own_groups() -> None:
    tokens = Authenticator()
    carol = tokens.review(tokens.add("carol", ["devs", "system:authenticated"]))
    assert carol is not None and carol[0] == UserInfo("carol", ("devs", "system:authenticated"))
    assert ADMIN.privileged and not carol[0].privileged


# ----- through the HTTP API ----------------------------------------------------------------------


def test_token_review_knows_an_added_token(emulator: Emulator) -> None:
    token = emulator.users.add("carol", ["devs"])
    review = _token_review(emulator, token)
    assert review["authenticated"] is True
    assert review["user"] == {"username": "carol", "groups": ["devs", "system:authenticated"]}
    assert review["audiences"] == list(AUDIENCES)


def test_an_issued_token_is_its_service_account_everywhere(emulator: Emulator) -> None:
    """whoami, TokenReview, RBAC and a CSR's requester see one user, uid included."""
    uid, token = _bot_token(emulator)
    expected = {
        "username": "system:serviceaccount:default:bot",
        "uid": uid,
        "groups": list(SA_GROUPS),
    }
    status, whoami = _post(emulator, f"{AUTHN}/selfsubjectreviews", WHOAMI, _bearer(token))
    assert status == 201, whoami
    assert whoami["status"]["userInfo"] == expected
    assert _token_review(emulator, token)["user"] == expected
    csr = {
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": "bot"},
        "spec": {"request": _CSR, "signerName": "example.com/test", "usages": ["client auth"]},
    }
    csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
    status, denied = _post(emulator, csrs, csr, _bearer(token))
    assert status == 403 and 'User "system:serviceaccount:default:bot"' in denied["message"]
    rule = {
        "verbs": ["create"],
        "apiGroups": ["certificates.k8s.io"],
        "resources": ["certificatesigningrequests"],
    }
    _grant(emulator, "bot-csr", BOT, rule)
    status, signed = _post(emulator, csrs, csr, _bearer(token))
    assert status == 201, signed
    spec = signed["spec"]
    assert {k: spec[k] for k in ("username", "uid", "groups")} == expected


def test_an_impersonated_uid_and_extras_are_the_users(emulator: Emulator) -> None:
    """The apiserver's user.Info of an impersonated request carries the uid and extra values
    asked for; an extra's key is read lower-cased and %-unescaped."""
    headers = [
        ("Impersonate-User", "alice"),
        ("Impersonate-Uid", "alice-uid"),
        ("Impersonate-Extra-Scopes", "read"),
        ("Impersonate-Extra-Scopes", "write"),
        ("Impersonate-Extra-example.org%2Fteam", "a"),
    ]
    status, whoami = _post(emulator, f"{AUTHN}/selfsubjectreviews", WHOAMI, headers)
    assert status == 201, whoami
    assert whoami["status"]["userInfo"] == {
        "username": "alice",
        "uid": "alice-uid",
        "groups": ["system:authenticated"],
        "extra": {"example.org/team": ["a"], "scopes": ["read", "write"]},
    }


def test_impersonating_an_extra_is_authorized_under_its_key(emulator: Emulator) -> None:
    """``userextras/scopes`` allows ``Impersonate-Extra-Scopes`` (a Go client's spelling)."""
    token = emulator.users.add("carol")
    _grant(
        emulator,
        "carol-impersonates",
        {"kind": "User", "name": "carol"},
        {"verbs": ["impersonate"], "apiGroups": [""], "resources": ["users"]},
        {
            "verbs": ["impersonate"],
            "apiGroups": ["authentication.k8s.io"],
            "resources": ["userextras/scopes"],
        },
    )
    as_alice = [*_bearer(token), ("Impersonate-User", "alice")]
    status, whoami = _post(
        emulator,
        f"{AUTHN}/selfsubjectreviews",
        WHOAMI,
        [*as_alice, ("Impersonate-Extra-Scopes", "read")],
    )
    assert status == 201, whoami
    assert whoami["status"]["userInfo"]["extra"] == {"scopes": ["read"]}
    status, denied = _post(
        emulator,
        f"{AUTHN}/selfsubjectreviews",
        WHOAMI,
        [*as_alice, ("Impersonate-Extra-Team", "a")],
    )
    assert (status, denied["message"]) == (
        403,
        'userextras.authentication.k8s.io "a" is forbidden: User "carol" cannot impersonate '
        'resource "userextras/team" in API group "authentication.k8s.io" at the cluster scope',
    )


def test_reset_forgets_added_and_issued_tokens(emulator: Emulator) -> None:
    added = emulator.users.add("carol")
    issued = _bot_token(emulator)[1]
    for token in (added, issued):
        assert _post(emulator, f"{AUTHN}/selfsubjectreviews", WHOAMI, _bearer(token))[0] == 201
    emulator.reset()
    for token in (added, issued):
        status, answer = _post(emulator, f"{AUTHN}/selfsubjectreviews", WHOAMI, _bearer(token))
        assert (status, answer["reason"]) == (401, "Unauthorized")
        assert _token_review(emulator, token)["user"] == {}


def test_a_service_account_bound_to_auth_delegator_reviews_tokens(emulator: Emulator) -> None:
    """kr8s's ``whoami``: a ServiceAccount reviews its own token, as kind's bootstrap
    ClusterRole ``system:auth-delegator`` (never stored, like the other bootstrap roles) allows."""
    token = _bot_token(emulator)[1]
    review = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenReview",
        "spec": {"token": token},
    }
    status, denied = _post(emulator, f"{AUTHN}/tokenreviews", review, _bearer(token))
    assert status == 403 and 'cannot create resource "tokenreviews"' in denied["message"]
    _bind(emulator, "bot-reviews", "system:auth-delegator", BOT)
    status, answer = _post(emulator, f"{AUTHN}/tokenreviews", review, _bearer(token))
    assert status == 201, answer
    assert answer["status"]["user"]["username"] == "system:serviceaccount:default:bot"
