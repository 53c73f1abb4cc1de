"""Failure ``Status`` objects worded as kube-apiserver words them.

Every handler error is an :class:`ApiStatus` exception; the HTTP layer turns it
into the JSON ``Status`` body and code. Messages follow
``k8s.io/apimachinery/pkg/api/errors`` so clients that parse them (kubectl,
the Python client) behave as against a real cluster.
"""

from __future__ import annotations

from typing import Any


class ApiStatus(Exception):
    """A failure answer: HTTP code, ``reason`` and a message, plus optional details."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        # metav1.Status's field order, as json.Marshal writes it: clients compare bodies
        if self.reason:  # absent in the apiserver's answer to errors that are not a Status
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status


def qualified(resource: str, group: str) -> str:
    """``deployments.apps`` / ``configmaps``: how errors name a resource."""
    return f"{resource}.{group}" if group else resource


def _details(name: str, resource: str, group: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name}  # StatusDetails order: name, group, kind
    if group:
        details["group"] = group
    details["kind"] = resource
    return details


def not_found(resource: str, group: str, name: str) -> ApiStatus:
    return ApiStatus(
        404,
        "NotFound",
        f'{qualified(resource, group)} "{name}" not found',
        details=_details(name, resource, group),
    )


def already_exists(resource: str, group: str, name: str) -> ApiStatus:
    return ApiStatus(
        409,
        "AlreadyExists",
        f'{qualified(resource, group)} "{name}" already exists',
        details=_details(name, resource, group),
    )


def conflict(resource: str, group: str, name: str, why: str) -> ApiStatus:
    return ApiStatus(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}',
        details=_details(name, resource, group),
    )


STALE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str, str]]) -> ApiStatus:
    """422 Invalid; ``causes`` are (field, reason, message) like ``field.ErrorList``."""
    parts = [f"{field}: {message}" for field, _reason, message in causes]
    text = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiStatus(
        422,
        "Invalid",
        f'{qualified(kind, group)} "{name}" is invalid: {text}',
        details={
            **_details(name, kind, group),
            "causes": [
                {"reason": reason, "message": message, "field": field}
                for field, reason, message in causes
            ],
        },
    )


def bad_request(message: str) -> ApiStatus:
    return ApiStatus(400, "BadRequest", message)


def method_not_allowed() -> ApiStatus:
    return ApiStatus(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource"
    )


def unsupported_media_type(content_type: str, accepted: tuple[str, ...]) -> ApiStatus:
    return ApiStatus(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: "
        f"{', '.join(accepted)}",
        details={"causes": [{"reason": "UnsupportedMediaType", "message": content_type}]},
    )


def path_not_found() -> ApiStatus:
    # the apiserver's NotFound handler answers with empty details
    return ApiStatus(
        404, "NotFound", "the server could not find the requested resource", details={}
    )


def gone(message: str) -> ApiStatus:
    return ApiStatus(410, "Expired", message)


def forbidden(resource: str, group: str, name: str, why: str) -> ApiStatus:
    return ApiStatus(
        403,
        "Forbidden",
        f'{qualified(resource, group)} "{name}" is forbidden: {why}',
        details=_details(name, resource, group),
    )
