"""The one rule for credentials inside a repository URL, where settings are read.

A URL carries a credential when it has userinfo with a password, a bare
user name over HTTP(S) (almost always a token: ``https://<token>@github.com``),
or a query parameter named like one (``?access_token=``, ``?private_token=``,
``?password=``...). Git would keep it in process listings and its errors, and
names derived from the URL would carry it into logs, metrics and folders, so
such a URL is refused (``source/redact.py`` scrubs the same keys from text).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SECRET_KEY_WORDS = r"token|passw|secret|key|auth|sig|cred"
"""Parts of query keys that hold a secret: *token*, *password*, *secret*, *key*..."""
_SECRET_KEY = re.compile(rf"(?i){SECRET_KEY_WORDS}")
_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s]+@")


def credentials_in_url(url: str) -> str | None:
    """Where ``url`` carries a secret (``"userinfo"`` or ``"query"``), or None."""
    if "://" not in url:
        return None  # a local path, or scp-like SSH (git@host:path): no secret
    try:
        parts = urlsplit(url.strip())
        password, username = parts.password, parts.username
    except ValueError:  # a broken port or IPv6 host: judge the text
        return "userinfo" if _USERINFO.search(url) else None
    if password or (username and parts.scheme in ("http", "https")):
        return "userinfo"
    keys = (item.partition("=")[0] for item in parts.query.split("&"))
    return "query" if any(_SECRET_KEY.search(key) for key in keys if key) else None


def credentials_refusal(url: str) -> str | None:
    """Why ``url`` is refused, or None. The URL itself is not repeated: it holds the secret."""
    where = credentials_in_url(url)
    if where is None:
        return None
    place = "a user name or password" if where == "userinfo" else "a token in the query string"
    return (
        f"the URL carries credentials ({place}), which are not allowed there; "
        "put the token in a file and use credentials.tokenFile (--token-file) or sshKeyFile"
    )
