"""List options as the apiserver checks and serves them: resourceVersionMatch and freshness.

``ValidateListOptions`` refuses a ``resourceVersionMatch`` without a
``resourceVersion``, with ``continue``, of an unknown value, or ``Exact`` for
``"0"`` (422 ``ListOptions.meta.k8s.io``). A list not older than a
resourceVersion the store has not reached waits for it as the watch cache
does (up to 3 seconds), then fails 504 ``Too large resource version`` with
``retryAfterSeconds: 1``; ``Exact`` for a future version fails at once.
"""

from __future__ import annotations

import time

from vela_emulator import fielderrors
from vela_emulator.apistatus import ApiStatus, invalid
from vela_emulator.calls import Call
from vela_emulator.store import Store

FRESHNESS_WAIT = 3.0  # the watch cache's blockTimeout
_MATCHES = ["Exact", "NotOlderThan"]


def check(call: Call) -> None:
    """422 for list options the apiserver refuses."""
    rv = call.query.get("resourceVersion", "")
    match = call.query.get("resourceVersionMatch", "")
    if not match:
        return
    field = "resourceVersionMatch"
    causes = []
    if not rv:
        causes.append(
            fielderrors.forbidden(
                field, "resourceVersionMatch is forbidden unless resourceVersion is provided"
            )
        )
    if call.query.get("continue"):
        causes.append(
            fielderrors.forbidden(
                field, "resourceVersionMatch is forbidden when continue is provided"
            )
        )
    if match not in _MATCHES:
        causes.append(fielderrors.not_supported(field, match, _MATCHES))
    if match == "Exact" and rv == "0":
        causes.append(
            fielderrors.forbidden(
                field, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
            )
        )
    if causes:
        raise invalid("ListOptions", "meta.k8s.io", "", causes)


def too_large(wanted: int, current: int, *, retry: int) -> ApiStatus:
    """storage.NewTooLargeResourceVersionError: a 504 Timeout with its cause."""
    details: dict[str, object] = {
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}]
    }
    if retry:
        details["retryAfterSeconds"] = retry
    return ApiStatus(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {wanted}, current: {current}",
        details=details,
        headers={"Retry-After": str(retry)} if retry else None,
    )


def wait_until_fresh(store: Store, call: Call) -> None:
    """Block until the store reaches the list's resourceVersion, or fail as the apiserver does."""
    rv = call.query.get("resourceVersion", "")
    if not rv.isdigit() or rv == "0" or call.query.get("continue"):
        return
    wanted = int(rv)
    if call.query.get("resourceVersionMatch") == "Exact":
        if wanted > store.rv:
            raise too_large(wanted, store.rv, retry=0)
        return
    deadline = time.monotonic() + FRESHNESS_WAIT
    with store.changed:
        while store.rv < wanted:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise too_large(wanted, store.rv, retry=1)
            store.changed.wait(timeout=remaining)
