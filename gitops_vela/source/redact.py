"""Keep credentials out of everything a person can read: logs, errors, status.

``redact_url`` is for one URL (the daemon's log lines reuse it); ``redact_text``
scrubs any URL userinfo and any known secret value out of free text such as
Git's stderr.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from gitops_vela.settings.urlcredentials import SECRET_KEY_WORDS
from gitops_vela.settings.urlcredentials import credentials_refusal as url_refusal

REDACTED = "***"

# scheme://userinfo@host... anywhere in a text; userinfo has no '/', '@' or whitespace.
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")
_SECRET_QUERY = re.compile(rf"(?i)(?P<key>[?&][^=&\s#]*(?:{SECRET_KEY_WORDS})[^=&\s#]*=)[^&\s#]+")


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


def credentials_refusal(url: str) -> str | None:
    """Why ``url`` is refused (the settings' rule), naming it redacted; None when it is fine."""
    reason = url_refusal(url)
    return None if reason is None else f"{redact_url(url)}: {reason}"
