"""Which repository a checkout is: the name its ownership labels carry.

The daemon names a repository after its URL (``settings.repository_name``);
a checkout of it must get the same name, whatever its folder is called, or
every object would seem to change owner. So a checkout is named after its
``origin`` remote's URL, passed through that same function; a checkout
without one after its folder, as the daemon names a local path (the same
function again), and an explicit name overrides both. The CLI and the
review name every checkout here.

A name never carries a secret: userinfo, query and fragment are dropped from
the URL before it is named (``https://TOKEN@host/acme/shop.git`` -> ``shop``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from gitops_vela.errors import SourceError
from gitops_vela.settings import repository_name
from gitops_vela.source.gitcmd import GitRunner

_GIT_TIMEOUT = 10.0  # a local config read; never a network call


def repository_identity(root: Path, override: str | None = None) -> str:
    """``override``, else the name of ``root``'s origin URL, else ``root``'s folder name."""
    if override:
        return override
    url = origin_url(root)
    return repository_name(without_secrets(url) if url else str(root.resolve()))


def origin_url(root: Path) -> str | None:
    """The ``origin`` remote's URL of the Git checkout holding ``root``; None without one."""
    try:
        url = GitRunner(timeout=_GIT_TIMEOUT).run(
            ["config", "--get", "remote.origin.url"], cwd=root
        )
    except SourceError:  # not a Git checkout, or no origin remote
        return None
    return url.strip() or None


def without_secrets(url: str) -> str:
    """``url`` without userinfo, query or fragment: the parts that can hold a credential."""
    if "://" not in url:
        return url  # a local path or scp-like ``git@host:org/repo``: no secret to hold
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0].rsplit("@", 1)[-1]
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
