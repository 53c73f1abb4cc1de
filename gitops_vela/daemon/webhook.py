"""``POST /hooks/git``: who may trigger a poll, and which repositories it polls.

In order: the secret (read at each request, so a rotated Secret applies
without a restart; an empty one disables the webhook), the signature (401
missing, 403 wrong, neither triggers anything), the event (``ping`` answers,
other events are ignored), then the push payload picks the repositories by
URL and branch (404 when no watched repository has the URL). A push to a
capability center polls every repository.

A delivery id (``X-GitHub-Delivery``) seen before is answered 200 and polls
nothing: GitHub retries and redeliveries repeat it, and 200 copies of one
signed push must not mean 200 reconciles. Only signed (or, without a secret,
accepted) deliveries are remembered, and only the last ``Deliveries.size``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from gitops_vela.daemon.http import Reply
from gitops_vela.daemon.pushes import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    PayloadError,
    Signature,
    check_signature,
    match_push,
    parse_push,
)
from gitops_vela.errors import GitopsVelaError
from gitops_vela.logs import get_logger
from gitops_vela.settings import Settings, read_secret_file

log = get_logger("gitops_vela.daemon")
DELIVERY_HEADER = "X-GitHub-Delivery"


class Deliveries:
    """The last ``size`` delivery ids (bounded memory, thread-safe)."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, delivery: str) -> bool:
        """True the first time ``delivery`` is seen (and remembers it)."""
        with self._lock:
            if delivery in self._seen:
                self._seen.move_to_end(delivery)
                return False
            self._seen[delivery] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return True

    def forget(self, delivery: str) -> None:
        """A delivery that failed may be redelivered and must then count."""
        with self._lock:
            self._seen.pop(delivery, None)


def handle_hook(
    *,
    body: bytes,
    headers: Mapping[str, str],
    settings: Settings,
    trigger: Callable[[str], bool],
    on_center_push: Callable[[], None],
    deliveries: Deliveries | None = None,
) -> Reply:
    lowered = {k.lower(): v for k, v in headers.items()}
    secret_file = settings.server.webhook_secret_file
    try:
        secret = read_secret_file(secret_file) if secret_file else None
    except GitopsVelaError as exc:
        log.error("webhook secret unreadable", error=exc.message)
        return Reply(503, {"message": "the webhook secret cannot be read"})
    if secret is not None and not secret:
        return Reply(503, {"message": "webhook disabled: the webhook secret is empty"})
    verdict = check_signature(
        secret=secret, body=body, header=lowered.get(SIGNATURE_HEADER.lower())
    )
    if verdict is Signature.MISSING:
        log.warning("webhook rejected: no signature")
        return Reply(401, {"message": f"{SIGNATURE_HEADER} is required"})
    if verdict is Signature.INVALID:
        log.warning("webhook rejected: bad signature")
        return Reply(403, {"message": f"{SIGNATURE_HEADER} does not match"})
    delivery = lowered.get(DELIVERY_HEADER.lower(), "").strip()[:100]
    if delivery and deliveries is not None and not deliveries.first_time(delivery):
        log.info("webhook delivery repeated: ignored", delivery=delivery)
        return Reply(200, {"message": f"delivery {delivery} was handled already", "triggered": []})
    reply = _on_event(lowered, body, settings, trigger, on_center_push)
    if delivery and deliveries is not None and reply.status >= 400:
        deliveries.forget(delivery)
    return reply


def _on_event(
    lowered: Mapping[str, str],
    body: bytes,
    settings: Settings,
    trigger: Callable[[str], bool],
    on_center_push: Callable[[], None],
) -> Reply:
    event = lowered.get(EVENT_HEADER.lower(), "push")
    if event == "ping":
        return Reply(200, {"message": "pong"})
    if event != "push":
        return Reply(202, {"message": f"ignored: event {event!r}", "triggered": []})
    content_type = lowered.get("content-type", "application/json")
    return _on_push(body, content_type, settings, trigger, on_center_push)


def _on_push(
    body: bytes,
    content_type: str,
    settings: Settings,
    trigger: Callable[[str], bool],
    on_center_push: Callable[[], None],
) -> Reply:
    try:
        push = parse_push(body, content_type=content_type)
    except PayloadError as exc:
        return Reply(400, {"message": str(exc)})
    match = match_push(push, settings.repositories, settings.capability_centers)
    if match.center:
        on_center_push()
    triggered = [name for name in match.repositories if trigger(name)]
    log.info("webhook", branch=push.branch, triggered=triggered, message=match.message)
    if not match.known:
        return Reply(404, {"message": match.message, "triggered": []})
    return Reply(202, {"message": match.message, "triggered": triggered})
