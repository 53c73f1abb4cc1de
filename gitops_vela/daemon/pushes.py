"""GitHub-style push deliveries: signature check, payload, which repositories to poll.

Pure functions; the webhook endpoint (``daemon/webhook.py``) calls them. With a secret configured, the
``X-Hub-Signature-256`` header (``sha256=<hex HMAC-SHA256 of the raw body>``)
is required and compared in constant time: missing is 401, wrong is 403, and
neither triggers anything.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from gitops_vela.settings import CapabilityCenterSettings, RepositorySettings

SIGNATURE_HEADER = "X-Hub-Signature-256"
EVENT_HEADER = "X-GitHub-Event"
MAX_DEPTH = 64  # a push payload nests about 5 levels; json.loads recurses per level
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_STEPS = [0] * 256  # per byte: +1 opens a level, -1 closes one
_STEPS[ord("[")] = _STEPS[ord("{")] = 1
_STEPS[ord("]")] = _STEPS[ord("}")] = -1


class Signature(enum.Enum):
    OK = "ok"
    MISSING = "missing"
    INVALID = "invalid"


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def check_signature(*, secret: bytes | None, body: bytes, header: str | None) -> Signature:
    if secret is None:
        return Signature.OK
    if not header:
        return Signature.MISSING
    expected = sign(secret, body).encode()
    return (
        Signature.OK
        if hmac.compare_digest(expected, header.strip().encode())
        else Signature.INVALID
    )


class PayloadError(ValueError):
    """The body is not a push payload we can read."""


@dataclass(frozen=True, slots=True)
class Push:
    urls: frozenset[str]  # normalized (see ``normalize_url``)
    branch: str | None  # None for tags and other refs


def parse_push(body: bytes, *, content_type: str = "application/json") -> Push:
    """The repository URLs and branch of a push event (JSON or form-encoded)."""
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            body = parse_qs(body.decode())["payload"][0].encode()
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        raise PayloadError("the form-encoded body has no `payload` field") from exc
    if nesting_depth(body) > MAX_DEPTH:
        raise PayloadError(f"the payload nests deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # RecursionError: a guard, past MAX_DEPTH
        raise PayloadError("the body is not a JSON push payload") from exc
    repository = data.get("repository") if isinstance(data, dict) else None
    if not isinstance(repository, dict):
        raise PayloadError("the payload has no `repository` object")
    urls = {
        normalize_url(str(repository[key]))
        for key in ("clone_url", "ssh_url", "html_url", "git_url", "url")
        if isinstance(repository.get(key), str) and repository[key]
    }
    ref = str(data.get("ref") or "")
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
    return Push(urls=frozenset(urls), branch=branch)


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets in strings do not count)."""
    return max(accumulate(map(_STEPS.__getitem__, _STRINGS.sub(b"", body))), default=0)


def normalize_url(url: str) -> str:
    """One spelling for the many URLs of a repository.

    ``https://user@GitHub.com/acme/shop.git``, ``git@github.com:acme/shop``
    and ``ssh://git@github.com/acme/shop.git`` all become ``github.com/acme/shop``;
    ``file:///srv/shop.git`` and ``/srv/shop.git`` become ``/srv/shop``.
    """
    text = url.strip()
    scp = re.fullmatch(r"(?:[\w.-]+@)?([\w.-]+):(?!//)(.+)", text)
    if scp and "://" not in text and not text.startswith("/"):
        host, path = scp.group(1), scp.group(2)
    elif "://" in text:
        parts = urlsplit(text)
        if parts.scheme == "file":
            host, path = "", parts.path
        else:
            host, path = (parts.hostname or ""), parts.path
    else:
        host, path = "", str(Path(text).expanduser().resolve())
    path = path.rstrip("/").removesuffix(".git").rstrip("/")
    if host:
        return f"{host.lower()}/{path.lstrip('/')}"
    return path


@dataclass(frozen=True, slots=True)
class Match:
    """What a push asks for: repositories to poll now, and why others were not."""

    repositories: tuple[str, ...]
    message: str
    known: bool = True  # False: no watched repository or center has this URL
    center: bool = False  # a capability center was pushed to


def match_push(
    push: Push,
    repositories: Sequence[RepositorySettings],
    centers: Sequence[CapabilityCenterSettings] = (),
) -> Match:
    """Repositories watching the pushed branch; every repository for a capability center."""
    watching = [r for r in repositories if normalize_url(r.url) in push.urls]
    if any(normalize_url(c.url) in push.urls for c in centers):
        names = tuple(r.name for r in repositories if not r.suspend)
        return Match(
            names, f"capability center changed: polling {len(names)} repositories", center=True
        )
    if not watching:
        return Match((), "no watched repository has this URL", known=False)
    names = tuple(r.name for r in watching if r.branch == push.branch and not r.suspend)
    if not names:
        return Match((), f"ignored: branch {push.branch or '(not a branch)'} is not watched")
    return Match(names, f"polling {', '.join(names)}")
