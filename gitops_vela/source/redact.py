"""Keep credentials out of everything a person can read: logs, errors, status.

``redact_url`` is for one URL (the daemon's log lines reuse it); ``redact_text``
scrubs any URL userinfo and any known secret value out of free text such as
Git's stderr.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

REDACTED = "***"

# scheme://userinfo@host... anywhere in a text; userinfo has no '/', '@' or whitespace.
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
# Query keys that hold a secret: *token*, *password*, *secret*, *key*, *auth*, *sig*.
_SECRET_KEY = re.compile(r"(?i)token|passw|secret|key|auth|sig|cred")
_SECRET_QUERY = re.compile(
    r"(?i)(?P<key>[?&][^=&\s#]*(?:token|passw|secret|key|auth|sig|cred)[^=&\s#]*=)[^&\s#]+"
)


def redact_url(url: str) -> str:
    """``url`` without the password or token it may carry.

    ``https://user:tok@host/x.git`` -> ``https://***@host/x.git`` (the user name
    can be a token too, as in GitHub's ``https://<token>@github.com``).
    ``git@host:org/repo`` (scp-like SSH) and local paths carry no secret and are
    returned unchanged.
    """
    text = url.strip()
    if "://" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text)
    if "@" not in parts.netloc and not _SECRET_QUERY.search(text):
        return text
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{REDACTED}@{host}" if "@" in parts.netloc else host
    query = _SECRET_QUERY.sub(rf"\g<key>{REDACTED}", "?" + parts.query)[1:] if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str, *, secrets: Iterable[str] = ()) -> str:
    """``text`` with URL credentials and every value of ``secrets`` replaced by ``***``."""
    for secret in secrets:
        secret = secret.strip()
        if len(secret) >= 4:  # never "redact" single letters out of a message
            text = text.replace(secret, REDACTED)
    text = _URL_USERINFO.sub(rf"\g<scheme>{REDACTED}@", text)
    return _SECRET_QUERY.sub(rf"\g<key>{REDACTED}", text)


def credentials_in_url(url: str) -> str | None:
    """Where ``url`` carries a secret (``"userinfo"`` or ``"query"``), or None.

    Userinfo with a password, or a bare user name over HTTP(S) (almost always a
    token, as in ``https://<token>@github.com``); a query parameter named like
    a credential (``?access_token=``, ``?private_token=``, ``?password=`` ...).
    Git would keep either in process listings and its errors.
    """
    if "://" not in url:
        return None
    try:
        parts = urlsplit(url.strip())
        password, username = parts.password, parts.username
    except ValueError:  # a broken port or IPv6 host: judge the text
        return "userinfo" if _URL_USERINFO.search(url) else None
    if password or (username and parts.scheme in ("http", "https")):
        return "userinfo"
    keys = (key for key, _, _ in (item.partition("=") for item in parts.query.split("&")))
    return "query" if any(_SECRET_KEY.search(key) for key in keys if key) else None


def credentials_refusal(url: str) -> str | None:
    """Why ``url`` is refused (its credentials, redacted), or None when it is fine."""
    where = credentials_in_url(url)
    if where is None:
        return None
    place = "the user name or password" if where == "userinfo" else "the query string"
    return (
        f"{redact_url(url)}: credentials in the URL ({place}) are not allowed; "
        "put the token in a file and use credentials.tokenFile (--token-file) or sshKeyFile"
    )
