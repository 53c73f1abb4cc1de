"""User text that names a repository or an address, turned into setting values."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit


def repository_name(url: str) -> str:
    """A DNS-1123 label derived from a URL or path: ``.../acme/shop.git`` -> ``shop``.

    Only the path counts: a query string or userinfo may hold a token, and the
    name ends up in logs, metrics labels and folder names.
    """
    text = _path_of(url).rstrip("/")
    if text.endswith(".git"):
        text = text[:-4]
    last = re.split(r"[/:\\]", text)[-1] or "repo"
    name = re.sub(r"[^a-z0-9-]+", "-", last.lower()).strip("-")[:63].strip("-")
    return name or "repo"


def _path_of(url: str) -> str:
    if "://" not in url:
        return url
    try:
        return urlsplit(url).path
    except ValueError:  # a broken host: the text after it, up to a query or fragment
        return url.split("://", 1)[1].partition("/")[2].split("?")[0].split("#")[0]


def glob_problem(glob: str) -> str:
    """What is wrong with an Appfile glob ("" when nothing): it must stay in the repository."""
    parts = glob.split("/")
    if glob.startswith("/") or ".." in parts:
        return f"{glob!r} must be relative to the repository, without '..' (e.g. apps/**/*.yaml)"
    return ""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``[::1]:PORT``."""
    match = re.fullmatch(r"\[([0-9a-fA-F:.]+)\]:(\d+)|([^:\[\]]*):(\d+)", text.strip())
    if not match:
        raise ValueError(f"invalid listen address {text!r}: use HOST:PORT, e.g. 0.0.0.0:9440")
    host = match.group(1) or match.group(3) or "0.0.0.0"
    port = int(match.group(2) or match.group(4))
    if not 0 <= port <= 65535:
        raise ValueError(f"invalid port {port} in {text!r}")
    return host, port


def absolute_url(url: str, *, base: Path) -> str:
    """Local paths become absolute (relative to ``base``); URLs are left alone."""
    if "://" in url or re.match(r"^[\w.-]+@[\w.-]+:", url):
        return url
    return str((base / Path(url).expanduser()).resolve())
