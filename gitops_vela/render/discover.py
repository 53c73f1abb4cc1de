"""Find the Appfiles of a repository and read them as line-aware documents."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from gitops_vela.catalog.sandbox import PathRefused, confined_file
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.yamldoc import Document, YamlError, load_documents, read_text

DEFAULT_APP_GLOBS = ("**/vela.yaml", "apps/**/*.yaml")
MAX_APPFILE_BYTES = 1024 * 1024
_NAME_LINE = re.compile(r"^name:\s*['\"]?([a-z0-9][-a-z0-9]*)", re.MULTILINE)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over repo-relative POSIX paths: ``**`` spans directories, ``*`` and ``?`` do not."""
    parts = []
    for index, segment in enumerate(pattern.split("/")):
        last = index == len(pattern.split("/")) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
            continue
        text = "".join(
            "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in segment
        )
        parts.append(text if last else text + "/")
    return re.compile("".join(parts) + r"\Z")


def find_appfiles(root: Path, globs: Sequence[str]) -> list[str]:
    """Repo-relative paths matching any glob, sorted; hidden directories are not searched."""
    patterns = [glob_regex(g) for g in globs]
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        base = Path(directory).relative_to(root).as_posix()
        for name in files:
            relative = name if base == "." else f"{base}/{name}"
            if any(p.match(relative) for p in patterns):
                found.append(relative)
    return sorted(found)


def read_appfile_text(root: Path, relative: str) -> str:
    """The text of a candidate Appfile; a file over the size limit is refused before parsing."""
    try:
        file = confined_file(root, relative)
    except PathRefused as exc:
        raise YamlError(Diagnostic(relative, str(exc))) from exc
    return read_text(file, display=relative, limit=MAX_APPFILE_BYTES)


def parse_appfile(text: str, relative: str) -> Document | None:
    """The Appfile document of a file, or None when the YAML there is not an Appfile.

    A file is an Appfile when it is named ``vela.yaml`` or has a top-level
    ``services`` key; other YAML matched by the globs (kustomize files,
    values, notes under ``apps/``) is skipped. A matched file that is empty or
    holds only comments is an error, whatever its name.
    """
    documents = load_documents(text, path=relative)
    if all(d.value is None for d in documents):  # nothing, comments, bare '---' separators
        # Emptied, not deleted: skipping it would make its app look removed from
        # Git, and apply --prune would delete everything the app runs. Only the
        # file's content says whether it was an Appfile, and there is none left.
        raise YamlError(Diagnostic(relative, "empty Appfile (to remove the app, delete the file)"))
    appfiles = [d for d in documents if _is_appfile(d)]
    if not appfiles:
        return None
    if len(documents) > 1:
        raise YamlError(
            Diagnostic(relative, "an Appfile holds one YAML document", documents[1].line)
        )
    return appfiles[0]


def guess_name(root: Path, relative: str) -> str:
    """The app name of a file that failed to load, when a ``name:`` line gives it away."""
    try:
        with open(root / relative, encoding="utf-8", errors="replace") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return ""
    match = _NAME_LINE.search(head)
    return match.group(1) if match else ""


def _named_vela_yaml(relative: str) -> bool:
    return relative.rsplit("/", 1)[-1] == "vela.yaml"


def _is_appfile(doc: Document) -> bool:
    if _named_vela_yaml(doc.path):
        return True
    return isinstance(doc.value, dict) and "services" in doc.value
