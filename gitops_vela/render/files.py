"""YAML files named by an Appfile (files parameters), read through the sandbox and remembered.

Parsing a big CRD file is the slowest part of loading a platform app, so
parsed documents are kept per content hash. Each ``RepoFiles`` records what
it read (path -> content hash) so a cached Appfile can be reused only while
those files are unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from gitops_vela.catalog.sandbox import PathRefused, confined_file
from gitops_vela.render.cache import LruCache
from gitops_vela.yamldoc import load_all

MAX_FILE_BYTES = 8 * 1024 * 1024
_parsed: LruCache[list[Any]] = LruCache(64)


class RepoFiles:
    """Reads repo-relative files for one Appfile, remembering their content hashes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.read: dict[str, str] = {}

    def documents(self, relative: str) -> list[Any]:
        """The YAML documents of a repo-relative file (raises PathRefused, YamlError)."""
        data = _bytes(self.root, relative)
        digest = hashlib.sha256(data).hexdigest()
        self.read[relative] = digest
        cached = _parsed.get(digest)
        if cached is not None:
            return cached
        documents = load_all(data, path=relative)
        _parsed.put(digest, documents)
        return documents


def unchanged(root: Path, read: dict[str, str]) -> bool:
    """Whether every file in ``read`` still has the recorded content hash under ``root``."""
    for relative, digest in read.items():
        try:
            if hashlib.sha256(_bytes(root, relative)).hexdigest() != digest:
                return False
        except PathRefused:
            return False
    return True


def _bytes(root: Path, relative: str) -> bytes:
    file = confined_file(root, relative)
    size = file.stat().st_size
    if size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise PathRefused(f"{relative!r} is {size / 1048576:.1f} MiB, over the {limit} MiB limit")
    try:
        return file.read_bytes()
    except OSError as exc:
        raise PathRefused(f"{relative!r} cannot be read: {exc.strerror}") from exc
