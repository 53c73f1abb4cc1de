"""Symbolic links removed from a snapshot because they lead outside the repository.

A snapshot never keeps such a link (nothing may read the host's files through
it), but a removed file must not look like a file that never existed: the
daemon would silently skip an Appfile and call a template missing, where a
checkout says what is wrong. So the snapshot lists what it removed in
``REFUSED_LINKS_FILE`` at its top, and the readers that find files (Appfile
discovery, ``catalog.sandbox.confined_file``) ask ``refused_link`` before
they conclude that a file does not exist. The message is the one a checkout
gives: ``'apps/x/vela.yaml' is a symlink leading outside the repository``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

REFUSED_LINKS_FILE = ".gitops-vela-refused-links"


def refusal(relative: str) -> str:
    return f"{relative!r} is a symlink leading outside the repository"


def write_refused(top: Path, paths: Iterable[str]) -> None:
    """Record ``paths`` (relative to ``top``) as the links removed from the tree at ``top``."""
    listed = sorted(set(paths))
    record = top / REFUSED_LINKS_FILE
    if listed:
        record.write_text("".join(f"{path}\n" for path in listed), encoding="utf-8")
    else:
        record.unlink(missing_ok=True)


def read_refused(top: Path) -> set[str]:
    try:
        text = (top / REFUSED_LINKS_FILE).read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line for line in text.splitlines() if line}


def refused_links(root: Path) -> set[str]:
    """Links removed under ``root``, relative to ``root`` (a snapshot or a folder in one)."""
    top = _snapshot_top(root)
    if top is None:
        return set()
    prefix = "" if top == root else Path(root).relative_to(top).as_posix() + "/"
    return {path[len(prefix) :] for path in read_refused(top) if path.startswith(prefix)}


def refused_link(root: Path, relative: str) -> bool:
    """Whether ``root/relative`` was a link leading outside, removed from the snapshot."""
    return relative in refused_links(root)


def _snapshot_top(root: Path) -> Path | None:
    """The nearest folder at or above ``root`` holding a record (a snapshot's top)."""
    current = Path(os.path.abspath(root))
    for folder in (current, *current.parents):
        if (folder / REFUSED_LINKS_FILE).is_file():
            return folder
    return None
