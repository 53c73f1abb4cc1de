"""Paths confined to a root: the one rule for template imports and file parameters.

A path given by a user (an import in a template, a file named in an Appfile)
is relative, stays inside its root after ``..`` are resolved, and does not
leave the root through a symlink. Everything else is refused with a message
saying why.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

# Jsonnet imports take a string literal, so a scan finds every import a
# template can make (an import inside a comment is read too: harmless).
_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*@?(?:'([^'\n]*)'|"([^"\n]*)")""")


class PathRefused(Exception):
    """A user-given path is absolute, escapes its root, or is missing."""


def normalize(relative: str) -> str:
    """The normalised relative form of ``relative``; refuses absolute paths and escapes."""
    if not relative or relative.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", relative):
        raise PathRefused(f"{relative!r} is an absolute path")
    normal = posixpath.normpath(relative.replace("\\", "/"))
    if normal == ".." or normal.startswith("../"):
        raise PathRefused(f"{relative!r} points outside the repository")
    return normal


def confined_file(root: Path, relative: str) -> Path:
    """``root/relative`` as an existing regular file whose real path stays inside ``root``."""
    normal = normalize(relative)
    candidate = root / normal
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    if os.path.commonpath([real_root, real]) != real_root:
        raise PathRefused(f"{relative!r} is a symlink leading outside the repository")
    if not os.path.isfile(real):
        raise PathRefused(f"{relative!r} does not exist")
    return Path(real)


def scan_imports(source: str) -> list[str]:
    """The paths a Jsonnet source imports, in order of appearance."""
    return [single or double for single, double in _IMPORT.findall(source)]


LIBRARY = "<builtin>/"
"""Namespace of the built-in library's found paths; searched after the importer's directory."""


def namespace_of(found: str) -> str:
    """``"<center:x>/a/b.jsonnet"`` -> ``"<center:x>/"``; repository paths have namespace ``""``."""
    if found.startswith("<"):
        end = found.find(">/")
        if end > 0:
            return found[: end + 2]
    return ""


def import_candidates(importer: str, imported: str) -> list[str]:
    """Found paths to try for ``import imported`` written in file ``importer``.

    First the importer's directory (never leaving the importer's namespace,
    i.e. its repository), then the built-in library, like a Jsonnet
    library path. Absolute paths and ``..`` escapes are refused.
    """
    space = namespace_of(importer)
    directory = posixpath.dirname(importer[len(space) :])
    if not imported or imported.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", imported):
        raise PathRefused(f"{imported!r} is an absolute path")
    try:
        candidates = [space + normalize(posixpath.join(directory, imported))]
    except PathRefused as exc:
        raise PathRefused(f"{imported!r} points outside the repository") from exc
    try:
        library = LIBRARY + normalize(imported)
    except PathRefused:
        return candidates
    if library not in candidates:
        candidates.append(library)
    return candidates
