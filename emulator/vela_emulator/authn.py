"""Authentication: the one authenticator, and its API (TokenRequest, TokenReview, SelfSubjectReview).

:class:`Authenticator` is the apiserver's authenticator chain in one table: the
kubeconfig's token ``emulator`` (or no token at all) is the admin, a token added
with :meth:`Authenticator.add` stands for another user (a daemon's
ServiceAccount, as a static token file would), and a token the emulator issued
for a ServiceAccount acts as it until it expires; anything else is ``401
Unauthorized``. Requests, TokenReview and SelfSubjectReview all ask it, so a
token means the same user everywhere.

* ``POST serviceaccounts/NAME/token`` (``kubectl create token``) issues a
  ServiceAccount token: a JWT with the claims the apiserver's issuer writes
  (``iss``, ``sub: system:serviceaccount:NS:NAME``, ``aud``, ``exp``, the
  ``kubernetes.io`` claim naming the ServiceAccount and its uid), signed with a
  key of this emulator (HMAC, not the apiserver's RSA: nobody outside verifies).
* ``TokenReview`` says who a token is, as a request bearing it would be.
* ``SelfSubjectReview`` (``kubectl auth whoami``) answers who the caller is
  (after impersonation): by default the admin of a kind cluster.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from vela_emulator import fielderrors, user
from vela_emulator.apistatus import ApiStatus, bad_request, invalid
from vela_emulator.calls import Obj
from vela_emulator.lifecycle import now
from vela_emulator.user import ADMIN, UserInfo

ISSUER = "https://kubernetes.default.svc.cluster.local"
AUDIENCES = (ISSUER,)  # kind's --api-audiences
ADMIN_TOKEN = "emulator"  # what Emulator.kubeconfig() writes
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32
KINDS = ("SelfSubjectReview", "TokenReview")


@dataclass(frozen=True, slots=True)
class _Token:
    user: UserInfo
    audiences: tuple[str, ...]
    expires: float | None  # None: an added (static) token, valid until the emulator resets


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(part: Obj) -> str:
    """A JWT segment: compact JSON, base64url without padding."""
    return _b64(json.dumps(part, separators=(",", ":")).encode())


class Authenticator:
    """Every bearer token the emulator accepts and who it stands for. Thread-safe."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._tokens: dict[str, _Token] = {}

    def add(self, name: str, groups: Sequence[str] = ()) -> str:
        """A new token for ``name``; a ServiceAccount name gets its groups, everyone
        ``system:authenticated`` (as a token authenticator reports them)."""
        found = user.split_service_account(name)
        all_groups = list(groups) or (list(user.service_account_groups(found[0])) if found else [])
        if user.AUTHENTICATED not in all_groups:
            all_groups.append(user.AUTHENTICATED)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = _Token(UserInfo(name, tuple(all_groups)), AUDIENCES, None)
        return token

    def issue(self, subject: UserInfo, claims: Obj, expires: float) -> str:
        """A signed JWT of ``claims`` that authenticates as ``subject`` until ``expires``."""
        header = {"alg": "HS256", "kid": hashlib.sha256(self._key).hexdigest()[:43]}
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64(signature)}"
        with self._lock:
            self._tokens[token] = _Token(subject, tuple(claims["aud"]), expires)
        return token

    def review(self, token: str) -> tuple[UserInfo, tuple[str, ...]] | None:
        """The user and audiences of a token, None when it is not (or no longer) valid."""
        if token == ADMIN_TOKEN:
            return ADMIN, AUDIENCES
        with self._lock:
            found = self._tokens.get(token)
        if found is None or (found.expires is not None and found.expires < time.time()):
            return None
        return found.user, found.audiences

    def authenticate(self, authorization: str) -> UserInfo:
        """The user of a request's ``Authorization`` header; 401 for a token nobody knows."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return ADMIN  # no credentials, basic auth and the like: the tests' admin
        found = self.review(token.strip())
        if found is None:  # a new exception per request: each carries its own traceback
            raise ApiStatus(401, "Unauthorized", "Unauthorized")
        return found[0]

    def clear(self) -> None:
        """Forget every added and issued token (the signing key stays)."""
        with self._lock:
            self._tokens.clear()


def sign_as_requester(csr: Obj, requester: UserInfo) -> None:
    """A new CertificateSigningRequest names who asked (the CSR strategy's
    ``PrepareForCreate``): whatever the body said, and without a status."""
    spec = csr.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    for key in ("username", "uid", "groups", "extra"):
        spec.pop(key, None)
    spec.update(requester.to_api())
    csr.pop("status", None)


def _expiration(name: str, spec: Obj) -> int:
    seconds = spec.get("expirationSeconds", DEFAULT_EXPIRATION)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise bad_request(
            'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot '
            "unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64"
        )
    if seconds < MIN_EXPIRATION:
        problem = "may not specify a duration less than 10 minutes"
    elif seconds > MAX_EXPIRATION:
        problem = "may not specify a duration larger than 2^32 seconds"
    else:
        return seconds
    cause = fielderrors.invalid("spec.expirationSeconds", seconds, problem)
    raise invalid("TokenRequest", "authentication.k8s.io", name, [cause])


def token_request(authenticator: Authenticator, service_account: Obj, body: Obj) -> Obj:
    """The answer to ``POST serviceaccounts/NAME/token``: the request with its token."""
    meta = service_account["metadata"]
    name, namespace, uid = meta["name"], meta.get("namespace", ""), meta.get("uid", "")
    spec = dict(body.get("spec") or {})
    seconds = _expiration(name, spec)
    audiences = list(spec.get("audiences") or AUDIENCES)
    issued = int(time.time())
    claims: Obj = {
        "aud": audiences,
        "exp": issued + seconds,
        "iat": issued,
        "iss": ISSUER,
        "jti": secrets.token_hex(16),
        "kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": name, "uid": uid}},
        "nbf": issued,
        "sub": user.service_account_user(namespace, name),
    }
    subject = user.service_account(namespace, name, uid)
    token = authenticator.issue(subject, claims, issued + seconds)
    spec["audiences"], spec["expirationSeconds"] = audiences, seconds
    spec.setdefault("boundObjectRef", None)
    return {
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": name, "namespace": namespace, "creationTimestamp": None},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": now(after=seconds)},
    }


def _answer(kind: str, body: Obj, status: Obj) -> Obj:
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k != "managedFields"}
    return {
        "kind": kind,
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": {**meta, "creationTimestamp": None},
        **({"spec": body["spec"]} if "spec" in body else {}),
        "status": status,
    }


def review(authenticator: Authenticator, kind: str, body: Obj, caller: UserInfo = ADMIN) -> Obj:
    """A SelfSubjectReview (who ``caller`` is) or TokenReview (who its token is)."""
    if kind == "SelfSubjectReview":
        return _answer(
            kind, {k: v for k, v in body.items() if k != "spec"}, {"userInfo": caller.to_api()}
        )
    spec = body.get("spec") or {}
    token = spec.get("token")
    if not isinstance(token, str) or not token:
        raise invalid(
            "TokenReview", "authentication.k8s.io", "", [fielderrors.required("spec.token")]
        )
    found = authenticator.review(token)
    wanted = list(spec.get("audiences") or [])
    if found is None or (wanted and not set(wanted) & set(found[1])):
        return _answer(
            kind, body, {"user": {}, "error": "[invalid bearer token, token lookup failed]"}
        )
    subject, audiences = found
    status: Obj = {"authenticated": True, "user": subject.to_api()}
    status["audiences"] = [a for a in audiences if not wanted or a in wanted]
    return _answer(kind, body, status)
