"""Find the Appfiles of a repository and read them as line-aware documents."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

from gitops_vela.catalog.sandbox import PathRefused, confined_file
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.render.environments import overlay_of
from gitops_vela.yamldoc import Document, YamlError, load_documents, read_text

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


IGNORE_FILE = ".gitops-vela-ignore"  # gitignore syntax, at the repository's root
CACHE_TAG = "CACHEDIR.TAG"  # https://bford.info/cachedir/: the daemon tags its cache with it
_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS"})


@dataclass(frozen=True, slots=True)
class AppfileMatcher:
    """Which repo-relative paths are Appfile candidates: a glob matches, no folder on the
    way is hidden or a VCS folder, and the ignore file does not exclude it.

    One decision for a folder on disk (``find_appfiles``) and for a Git tree's
    path list (the review), so both see the same Appfiles.
    """

    patterns: tuple[re.Pattern[str], ...]
    ignore: pathspec.GitIgnoreSpec | None = None

    @classmethod
    def of(cls, globs: Sequence[str], ignore_text: str = "") -> AppfileMatcher:
        spec = pathspec.GitIgnoreSpec.from_lines(ignore_text.splitlines())
        return cls(tuple(glob_regex(g) for g in globs), spec if ignore_text.strip() else None)

    def folder_searched(self, relative: str) -> bool:
        name = relative.rsplit("/", 1)[-1]
        if name.startswith(".") or name in _VCS_DIRS:
            return False
        return self.ignore is None or not self.ignore.match_file(relative + "/")

    def matches(self, relative: str) -> bool:
        folders = relative.split("/")[:-1]
        prefixes = ("/".join(folders[: i + 1]) for i in range(len(folders)))
        if not all(self.folder_searched(f) for f in prefixes):
            return False
        if self.ignore is not None and self.ignore.match_file(relative):
            return False
        return any(p.match(relative) for p in self.patterns)


def ignore_text(root: Path) -> str:
    """The repository's ``.gitops-vela-ignore`` ("" when it has none)."""
    try:
        return (root / IGNORE_FILE).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def find_appfiles(root: Path, globs: Sequence[str]) -> list[str]:
    """Repo-relative paths of the Appfile candidates under ``root``, sorted.

    Not searched: hidden and VCS folders, what ``.gitops-vela-ignore`` excludes,
    folders tagged as caches (the daemon's snapshots), and folders that are
    checkouts of their own (a nested ``.git``: another repository, which the
    daemon's snapshot of this one would not hold either).
    """
    matcher = AppfileMatcher.of(globs, ignore_text(root))
    found: list[str] = []
    for directory, subdirs, files in os.walk(root):
        base = Path(directory).relative_to(root).as_posix()
        prefix = "" if base == "." else f"{base}/"
        subdirs[:] = sorted(
            d
            for d in subdirs
            if matcher.folder_searched(prefix + d) and _own_folder(Path(directory) / d)
        )
        found.extend(prefix + name for name in files if matcher.matches(prefix + name))
    return without_overlays(found)


def without_overlays(candidates: Iterable[str]) -> list[str]:
    """The candidates, sorted, less the environment overlays of another candidate
    (``apps/shop/vela.prod.yaml`` beside ``apps/shop/vela.yaml``): part of that Appfile."""
    paths = set(candidates)
    return sorted(p for p in paths if (found := overlay_of(p)) is None or found[0] not in paths)


def overlays_of(appfiles: Iterable[str], paths: Iterable[str]) -> dict[str, dict[str, str]]:
    """Appfile -> environment -> overlay path, among repo-relative ``paths`` (one pass)."""
    wanted = set(appfiles)
    result: dict[str, dict[str, str]] = {}
    for path in paths:
        found = overlay_of(path)
        if found is not None and found[0] in wanted:
            result.setdefault(found[0], {})[found[1]] = path
    return result


def find_overlays(root: Path, appfile: str) -> dict[str, str]:
    """The overlay files next to an Appfile on disk (environment -> repo-relative path)."""
    return overlays_on_disk(root, [appfile]).get(appfile, {})


def overlays_on_disk(root: Path, appfiles: Iterable[str]) -> dict[str, dict[str, str]]:
    """``find_overlays`` of many Appfiles: each folder is listed once, and only the files
    named as an overlay of one of them are looked at (a folder of a thousand Appfiles
    otherwise costs a thousand listings and a million ``stat`` calls)."""
    folders: dict[str, list[str]] = {}
    for appfile in appfiles:
        folders.setdefault(appfile.rpartition("/")[0], []).append(appfile)
    result: dict[str, dict[str, str]] = {}
    for folder, group in folders.items():
        try:
            names = os.listdir(root / folder) if folder else os.listdir(root)
        except OSError:
            continue
        prefix = f"{folder}/" if folder else ""
        for appfile, found in overlays_of(group, (prefix + n for n in names)).items():
            files = {env: path for env, path in found.items() if (root / path).is_file()}
            if files:
                result[appfile] = files
    return result


def _own_folder(folder: Path) -> bool:
    """Not a cache and not another checkout (``.git`` as a folder, or a file for a worktree)."""
    return not (folder / CACHE_TAG).is_file() and not (folder / ".git").exists()


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
