"""Authentication's API: TokenRequest, TokenReview and SelfSubjectReview.

* ``POST serviceaccounts/NAME/token`` (``kubectl create token``) issues a
  ServiceAccount token: a JWT with the claims the apiserver's issuer writes
  (``iss``, ``sub: system:serviceaccount:NS:NAME``, ``aud``, ``exp``, the
  ``kubernetes.io`` claim naming the ServiceAccount and its uid), signed with a
  key of this emulator (HMAC, not the apiserver's RSA: nobody outside verifies).
* ``TokenReview`` says who a token is: one this emulator issued and that has not
  expired, or the admin's.
* ``SelfSubjectReview`` (``kubectl auth whoami``) answers who the caller is: the
  emulator authenticates no one, so that is the admin of a kind cluster.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass

from vela_emulator import fielderrors
from vela_emulator.apistatus import bad_request, invalid
from vela_emulator.calls import Obj
from vela_emulator.lifecycle import now

ISSUER = "https://kubernetes.default.svc.cluster.local"
AUDIENCES = (ISSUER,)  # kind's --api-audiences
ADMIN_NAME = "kubernetes-admin"  # kind's kubeconfig user
ADMIN_GROUPS = ("system:masters", "system:authenticated")  # as the RBAC bypass sees it
ADMIN_TOKEN = "emulator"  # what Emulator.kubeconfig() writes
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
MAX_EXPIRATION = 1 << 32
KINDS = ("SelfSubjectReview", "TokenReview")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a token stands for (``authentication.k8s.io/v1`` UserInfo)."""

    username: str
    groups: tuple[str, ...]
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def user_info(self) -> Obj:
        info: Obj = {"username": self.username}
        if self.uid:
            info["uid"] = self.uid
        info["groups"] = list(self.groups)
        if self.extra:
            info["extra"] = {key: list(values) for key, values in self.extra}
        return info


ADMIN = Identity(ADMIN_NAME, ADMIN_GROUPS)


def service_account_identity(namespace: str, name: str, uid: str) -> Identity:
    """What a ServiceAccount token authenticates as (``serviceaccount.UserInfo``)."""
    return Identity(
        f"system:serviceaccount:{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"),
        uid,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(part: Obj) -> str:
    """A JWT segment: compact JSON, base64url without padding."""
    return _b64(json.dumps(part, separators=(",", ":")).encode())


class Tokens:
    """The ServiceAccount tokens this emulator issued, to review them later. Thread-safe."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._issued: dict[str, tuple[Identity, float, tuple[str, ...]]] = {}

    def issue(self, identity: Identity, claims: Obj, expires: float) -> str:
        header = {"alg": "HS256", "kid": hashlib.sha256(self._key).hexdigest()[:43]}
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{_b64(signature)}"
        with self._lock:
            self._issued[token] = (identity, expires, tuple(claims["aud"]))
        return token

    def review(self, token: str) -> tuple[Identity, tuple[str, ...]] | None:
        """The identity and audiences of a token, None when it is not (or no longer) valid."""
        if token == ADMIN_TOKEN:
            return ADMIN, AUDIENCES
        with self._lock:
            found = self._issued.get(token)
        if found is None or found[1] < time.time():
            return None
        return found[0], found[2]

    def clear(self) -> None:
        with self._lock:
            self._issued.clear()


def sign_as_requester(csr: Obj, requester: Identity) -> None:
    """A new CertificateSigningRequest names who asked (the CSR strategy's
    ``PrepareForCreate``): whatever the body said, and without a status."""
    spec = csr.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    for key in ("username", "uid", "groups", "extra"):
        spec.pop(key, None)
    info = requester.user_info()
    spec["username"] = info["username"]
    if "uid" in info:
        spec["uid"] = info["uid"]
    spec["groups"] = info["groups"]
    if "extra" in info:
        spec["extra"] = info["extra"]
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


def token_request(tokens: Tokens, service_account: Obj, body: Obj) -> Obj:
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
        "sub": f"system:serviceaccount:{namespace}:{name}",
    }
    identity = service_account_identity(namespace, name, uid)
    token = tokens.issue(identity, claims, issued + seconds)
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


def review(tokens: Tokens, kind: str, body: Obj, caller: Identity = ADMIN) -> Obj:
    """A SelfSubjectReview (who ``caller`` is) or TokenReview (who its token is)."""
    if kind == "SelfSubjectReview":
        return _answer(
            kind, {k: v for k, v in body.items() if k != "spec"}, {"userInfo": caller.user_info()}
        )
    spec = body.get("spec") or {}
    token = spec.get("token")
    if not isinstance(token, str) or not token:
        raise invalid(
            "TokenReview", "authentication.k8s.io", "", [fielderrors.required("spec.token")]
        )
    found = tokens.review(token)
    wanted = list(spec.get("audiences") or [])
    if found is None or (wanted and not set(wanted) & set(found[1])):
        return _answer(
            kind, body, {"user": {}, "error": "[invalid bearer token, token lookup failed]"}
        )
    identity, audiences = found
    status: Obj = {"authenticated": True, "user": identity.user_info()}
    status["audiences"] = [a for a in audiences if not wanted or a in wanted]
    return _answer(kind, body, status)
