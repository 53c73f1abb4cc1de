"""The dependency index: which apps use which definitions, without rendering.

Rendering 1,000 apps twice to find the ten a trait change touches is the slow
way. Reading the Appfiles is cheap: a service uses its workload ``type``
(``webservice`` when absent) and every trait named by one of its keys. The
index over-approximates on purpose (a parameter key that happens to share a
definition's name counts as a use): rendering then decides, by digest,
whether the app really changed. A change to an imported file changes the
digest of every definition importing it, so "uses a changed definition"
covers imports too.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_vela.model.appfile import DEFAULT_WORKLOAD
from gitops_vela.model.definitions import ref_name
from gitops_vela.render.discover import (
    CACHE_TAG,
    IGNORE_FILE,
    AppfileMatcher,
    find_appfiles,
    ignore_text,
    overlays_on_disk,
    without_overlays,
)
from gitops_vela.render.environments import is_environment_name, overlay_of
from gitops_vela.yamldoc import YamlError, load


@dataclass(frozen=True, slots=True)
class AppEntry:
    """One Appfile as the index sees it: where, what it is, what it names."""

    name: str  # "" when the file does not parse or names no app
    path: str  # relative to the scanned root
    digest: str  # of the file's bytes
    references: frozenset[str]  # workload types and service keys: candidate definition names
    labels: Mapping[str, str] = field(default_factory=dict)  # the Appfile's, for ``--selector``
    environments: frozenset[str] = frozenset()  # declared by blocks and overlay files


@dataclass(frozen=True, slots=True)
class DependencyIndex:
    """Apps of one repository tree, by path, with the names each references."""

    entries: Mapping[str, AppEntry]  # path -> entry

    @property
    def names(self) -> frozenset[str]:
        return frozenset(e.name for e in self.entries.values() if e.name)

    @property
    def environments(self) -> frozenset[str]:
        return frozenset(n for e in self.entries.values() for n in e.environments)

    def users_of(self, definitions: Collection[str]) -> tuple[AppEntry, ...]:
        """Apps that may use any of ``definitions`` (directly or via a changed import)."""
        wanted = set(definitions)
        return tuple(e for e in self.entries.values() if e.references & wanted)


def build_index(
    root: Path, globs: Sequence[str], *, reuse: DependencyIndex | None = None
) -> DependencyIndex:
    """Scan ``root`` for Appfiles matching ``globs``, exactly as the renderer finds them.

    Entries of ``reuse`` whose file bytes are unchanged are taken over without
    parsing again (the base index reuses the head's).
    """
    known = reuse.entries if reuse is not None else {}
    entries: dict[str, AppEntry] = {}
    for rel in find_appfiles(root, globs):
        data = (root / rel).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        previous = known.get(rel)
        reused = previous is not None and previous.digest == digest
        entries[rel] = previous if reused and previous else read_entry(data, rel, digest=digest)
    overlays = {
        rel: {env: _file_bytes(root / path) for env, path in found.items()}
        for rel, found in overlays_on_disk(root, entries).items()
    }
    return with_overlays(DependencyIndex(entries=entries), overlays)


def updated_index(
    index: DependencyIndex, root: Path, changed: Iterable[str], globs: Sequence[str]
) -> DependencyIndex | None:
    """``index`` (of the commit before) brought to the tree at ``root``, given the paths
    the Git diff of the two commits names (relative to ``root``): only the Appfiles
    among them, and those whose overlay changed, are read again. A 10,000-app tree is
    not read for a one-app commit.

    None when the diff may change which files are Appfiles beyond those paths (the
    ignore file, a cache tag, an overlay file whose Appfile is not in the index, an
    Appfile gone or come beside an overlay): ``build_index`` then."""
    matcher = AppfileMatcher.of(globs, ignore_text(root))
    entries = dict(index.entries)
    paths = set(changed)
    reread: set[str] = set()
    for path in sorted(paths):
        if path == IGNORE_FILE or path.rsplit("/", 1)[-1] == CACHE_TAG:
            return None
        overlay = overlay_of(path)
        if overlay is None or path in entries:
            if path in entries or matcher.matches(path):
                reread.add(path)
        elif overlay[0] in entries or (overlay[0] in paths and matcher.matches(overlay[0])):
            reread.add(overlay[0])  # an overlay: its Appfile's entry changes
        elif matcher.matches(path):
            return None  # an overlay-shaped file without its Appfile may be one itself
    for rel in sorted(reread):
        entries.pop(rel, None)
        if not (root / rel).is_file():
            if overlays_on_disk(root, [rel]):
                return None  # its overlays stay behind: they may be Appfiles now
            continue
        if any((o := overlay_of(e)) is not None and o[0] == rel for e in entries):
            return None  # an Appfile came beside a file that was one: that one is an overlay
        data = (root / rel).read_bytes()
        entries[rel] = read_entry(data, rel)
    overlays = {
        rel: {env: _file_bytes(root / path) for env, path in found.items()}
        for rel, found in overlays_on_disk(root, reread & entries.keys()).items()
    }
    return with_overlays(DependencyIndex(entries=entries), overlays)


def with_overlays(
    index: DependencyIndex, overlays: Mapping[str, Mapping[str, bytes]]
) -> DependencyIndex:
    """Fold each Appfile's overlay files (Appfile -> environment -> content) into its entry:
    a changed overlay is a changed Appfile, the names its services use are the app's
    references, and its environment is declared."""
    entries = dict(index.entries)
    for rel, found in overlays.items():
        entry = entries.get(rel)
        if entry is None or not found:
            continue
        digests = (f"{env}={hashlib.sha256(data).hexdigest()}" for env, data in found.items())
        references = set(entry.references)
        for env, data in found.items():
            try:
                doc = load(data, path=f"{rel} ({env} overlay)")
            except YamlError:  # the render reports it
                continue
            if isinstance(doc, Mapping):
                references.update(_references(doc.get("services")))
        entries[rel] = dataclasses.replace(
            entry,
            digest=hashlib.sha256("\0".join([entry.digest, *sorted(digests)]).encode()).hexdigest(),
            references=frozenset(references),
            environments=entry.environments | frozenset(found),
        )
    return DependencyIndex(entries=entries)


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def index_from_blobs(
    oids: Mapping[str, str], blobs: Mapping[str, bytes], *, reuse: DependencyIndex | None = None
) -> DependencyIndex:
    """The index of Appfiles read from Git objects (path -> blob id); the blob id is the digest."""
    known = {e.digest: e for e in reuse.entries.values()} if reuse is not None else {}
    entries: dict[str, AppEntry] = {}
    for rel, oid in sorted(oids.items()):
        previous = known.get(oid)
        if previous is not None:  # same content, maybe moved
            entries[rel] = dataclasses.replace(previous, path=rel)
        else:
            entries[rel] = read_entry(blobs[oid], rel, digest=oid)
    return DependencyIndex(entries=entries)


def match_appfiles(paths: Iterable[str], globs: Sequence[str], *, ignore: str = "") -> list[str]:
    """The paths (relative to the root) the renderer would take for Appfiles, sorted: the
    same ``AppfileMatcher`` as ``render.discover.find_appfiles``; ``ignore`` is the text
    of the tree's ``.gitops-vela-ignore``."""
    matcher = AppfileMatcher.of(globs, ignore)
    return without_overlays(p for p in paths if matcher.matches(p))


def read_entry(data: bytes, rel: str, *, digest: str = "") -> AppEntry:
    digest = digest or hashlib.sha256(data).hexdigest()
    try:
        doc = load(data, path=rel)
    except YamlError:  # the render reports it; the index only skips the file
        doc = None
    if not isinstance(doc, Mapping):
        return AppEntry(name="", path=rel, digest=digest, references=frozenset())
    name = doc.get("name")
    return AppEntry(
        name=name if isinstance(name, str) else "",
        path=rel,
        digest=digest,
        references=frozenset(_references(doc.get("services"), doc.get("environments"))),
        labels=_labels(doc.get("labels")),
        environments=_environments(doc.get("environments")),
    )


def _environments(blocks: Any) -> frozenset[str]:
    if not isinstance(blocks, Mapping):
        return frozenset()
    return frozenset(n for n in blocks if isinstance(n, str) and is_environment_name(n))


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _references(services: Any, environments: Any = None) -> Iterable[str]:
    """Names the services use, in the base and in every environment block."""
    if isinstance(environments, Mapping):
        for block in environments.values():
            if isinstance(block, Mapping):
                yield from _references(block.get("services"))
    if not isinstance(services, Mapping):
        return
    for service in services.values():
        if not isinstance(service, Mapping):
            continue
        kind = service.get("type", DEFAULT_WORKLOAD)
        if isinstance(kind, str):
            yield ref_name(kind)  # "webservice@1" uses webservice
        yield from (ref_name(key) for key in service if isinstance(key, str) and key != "type")
