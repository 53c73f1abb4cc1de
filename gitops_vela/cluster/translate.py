"""Third-party failures -> the project's error tree, once, at this boundary."""

from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime
from typing import Any

from gitops_vela.errors import ApiError, ClusterUnreachable, ImmutableFieldError

_MAX_RETRY_AFTER = 60.0


def status_error(*, status: int, body: bytes, headers: Any, what: str) -> ApiError:
    """An ``ApiError`` (or ``ImmutableFieldError``) from a failure response."""
    message, api_reason = _status_message(body, status)
    retry_after = parse_retry_after(headers.get("Retry-After") if headers else None)
    text = f"{what}: {message}" if what else message
    if status == 422 and "field is immutable" in message:
        return ImmutableFieldError(text, status=status, api_reason=api_reason)
    return ApiError(text, status=status, api_reason=api_reason, retry_after=retry_after)


def unreachable(exc: BaseException, *, host: str) -> ClusterUnreachable:
    """Connection refused/reset, DNS, TLS or a timeout, without the URL's query."""
    return ClusterUnreachable(f"cannot reach the Kubernetes API at {host}: {_short(exc)}")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), capped."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        from datetime import UTC, datetime

        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _status_message(body: bytes, status: int) -> tuple[str, str]:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        text = body.decode("utf-8", "replace").strip()[:300]
        return (text or f"HTTP {status}", "")
    if not isinstance(payload, dict):
        return (f"HTTP {status}", "")
    message = str(payload.get("message") or f"HTTP {status}")
    return (message, str(payload.get("reason") or ""))


_NEW_CONNECTION = re.compile(r"^.*Failed to establish a new connection: (?:\[Errno -?\d+\] )?")


def _short(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    text = str(reason or exc) or type(exc).__name__
    # urllib3 says "HTTPConnection(host=..., port=...): Failed to establish a new
    # connection: [Errno 111] Connection refused": the host is already in our message.
    text = _NEW_CONNECTION.sub("", text.splitlines()[0])
    return text[:1].lower() + text[1:200]
