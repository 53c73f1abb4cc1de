"""Whom a repository's requests act as: its ServiceAccount, impersonated.

With ``serviceAccountName`` every request made for the repository (discovery
aside) carries ``Impersonate-User: system:serviceaccount:NS:NAME``, so the API
server enforces that ServiceAccount's RBAC and a bug of ours cannot widen it.
Only ``Impersonate-User`` is sent: the API server adds a ServiceAccount's groups
itself (``system:serviceaccounts``, ``system:serviceaccounts:NS``,
``system:authenticated``), so the daemon needs ``impersonate`` on that
ServiceAccount and never on groups.

A refusal is worded for the person who owns the repository: who (the
ServiceAccount), what (the verb and the resource) and where (the namespace),
rather than the API server's sentence about an impersonated user.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from gitops_vela.errors import ApiError


@dataclass(frozen=True, slots=True)
class Identity:
    """A ServiceAccount impersonated for every request of one repository."""

    namespace: str
    name: str

    @property
    def username(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Impersonate-User": self.username}

    def __str__(self) -> str:
        return f"ServiceAccount {self.namespace}/{self.name}"


# responsewriters.forbiddenMessage, the part after "is forbidden: "
_CANNOT = re.compile(
    r'User "(?P<user>[^"]*)" cannot (?P<verb>\S+) resource "(?P<resource>[^"]+)"'
    r' in API group "(?P<group>[^"]*)"(?: in the namespace "(?P<namespace>[^"]*)")?'
)
_PATH_NAMESPACE = re.compile(r"/namespaces/([^/]+)/")
_METHOD_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "DELETE": "delete"}


def _status(body: bytes) -> tuple[str, dict[str, Any]]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return body.decode("utf-8", "replace")[:300], {}
    if not isinstance(payload, dict):
        return "", {}
    details = payload.get("details")
    return str(payload.get("message") or ""), details if isinstance(details, dict) else {}


def forbidden(identity: Identity, *, body: bytes, method: str, path: str) -> ApiError:
    """A 403 answered to ``identity``'s request, as "who may not what where"."""
    message, details = _status(body)
    found = _CANNOT.search(message)
    if found is not None:
        verb, resource = found["verb"], found["resource"]
        group, namespace = found["group"], found["namespace"] or ""
        if verb == "impersonate":  # the daemon itself was refused
            return ApiError(
                f"the daemon ({found['user']}) may not impersonate {identity}: grant it the"
                f" impersonate verb on serviceaccounts {identity.name!r} in namespace"
                f" {identity.namespace}",
                status=403,
                api_reason="Forbidden",
            )
    else:
        # an apply that would create is checked for "create" after "patch", and that
        # refusal carries only the resource (apiserver: create-on-update authorization)
        resource, group = str(details.get("kind") or ""), str(details.get("group") or "")
        verb = "create" if method == "PATCH" else _METHOD_VERBS.get(method, method.lower())
        in_path = _PATH_NAMESPACE.search(path)
        namespace = in_path.group(1) if in_path else ""
    qualified = f"{resource}.{group}" if group else resource
    where = f" in namespace {namespace}" if namespace else ""
    # no ``what`` prefix: the sentence names the resource, and callers name the object
    return ApiError(
        f"{identity} may not {verb} {qualified}{where}", status=403, api_reason="Forbidden"
    )
