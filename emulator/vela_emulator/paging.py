"""``limit``/``continue`` paging: opaque continue tokens over the store's (namespace, name) order."""

from __future__ import annotations

import base64
import json

from vela_emulator.apistatus import bad_request, gone
from vela_emulator.calls import Obj
from vela_emulator.store import Store


def position(obj: Obj) -> tuple[str, str]:
    """Where an object sorts in a list: (namespace, name), the store's order."""
    meta = obj["metadata"]
    return (meta.get("namespace", ""), meta["name"])


def encode_continue(start: tuple[str, str], rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_continue(token: str, store: Store) -> tuple[tuple[str, str] | None, int]:
    if not token:
        return None, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, name = data["start"]
        start, rv = (str(namespace), str(name)), int(data["rv"])
    except (ValueError, KeyError, TypeError) as exc:
        raise bad_request(f"continue key is not valid: {exc}") from exc
    if rv < store.compacted:
        raise gone(
            "The provided continue parameter is too old to display a consistent list result. "
            "You can start a new list without the continue parameter, or use the continue token "
            "in this response to retrieve the remainder of the results. Continuing with the "
            "provided token results in an inconsistent list - objects that were created, modified, "
            "or deleted between the time the first chunk was returned and now may show up in the list."
        )
    return start, rv
