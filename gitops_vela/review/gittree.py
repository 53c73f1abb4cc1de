"""Read a commit for review without writing what the review does not render.

A review of one trait change in a 1,000-app repository renders ten apps.
Exporting the whole tree twice would write (and delete) 2,000 Appfiles; here
the tree is listed (``ls-tree``), the Appfiles are read from the object
database in one ``cat-file --batch`` for the dependency index, and only the
other files (definitions, files Appfiles refer to) plus the Appfiles that
are rendered are written out (``source.trees.checkout_paths``, through a
throw-away index), so no working tree or index of the user's repository is
touched.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from gitops_vela.source import GitRunner


@dataclass(frozen=True, slots=True)
class TreeFile:
    mode: str
    oid: str


def list_tree(runner: GitRunner, repo: Path, sha: str) -> dict[str, TreeFile]:
    """Every file of commit ``sha`` (repo-relative path -> mode and blob id); no submodules."""
    out = runner.run(["ls-tree", "-r", "-z", "--full-tree", sha], cwd=repo)
    files: dict[str, TreeFile] = {}
    for record in out.split("\0"):
        meta, tab, path = record.partition("\t")
        parts = meta.split(" ")
        if tab and len(parts) == 3 and parts[1] == "blob":
            files[path] = TreeFile(mode=parts[0], oid=parts[2])
    return files


def read_blobs(runner: GitRunner, repo: Path, oids: Collection[str]) -> dict[str, bytes] | None:
    """The content of each blob, or ``None`` when the output cannot be split exactly
    (a blob that is not UTF-8 text: the caller then writes the files and reads those)."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    stdin = ("\n".join(wanted) + "\n").encode()
    data = runner.run(["cat-file", "--batch"], cwd=repo, stdin=stdin).encode("utf-8")
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = data.find(b"\n", pos)
        header = data[pos:end].split(b" ")
        if end < 0 or len(header) != 3 or header[0].decode() != oid or header[1] != b"blob":
            return None
        size = int(header[2])
        start = end + 1
        if data[start + size : start + size + 1] != b"\n":
            return None
        blobs[oid] = data[start : start + size]
        pos = start + size + 1
    return blobs if pos == len(data) else None
