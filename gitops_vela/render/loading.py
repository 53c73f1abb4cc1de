"""Find and check the Appfiles of a repository; duplicates fail both files."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from pathlib import Path

from gitops_vela.catalog import Catalog
from gitops_vela.errors import UserError
from gitops_vela.model.appfile import DEFAULT_APP_GLOBS, Appfile
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure
from gitops_vela.render.appfiles import load_appfile
from gitops_vela.render.cache import LruCache
from gitops_vela.render.discover import (
    find_appfiles,
    guess_name,
    overlays_on_disk,
    parse_appfile,
    read_appfile_text,
)
from gitops_vela.render.files import RepoFiles, unchanged
from gitops_vela.yamldoc import YamlError, load_document

_appfiles: LruCache[tuple[Appfile | None, dict[str, str]]] = LruCache(1024)


def load_apps(
    root: Path,
    *,
    repo: str,
    catalog: Catalog,
    globs: Sequence[str] = DEFAULT_APP_GLOBS,
    environment: str = "",
    only: Collection[str] | None = None,
) -> tuple[list[Appfile], list[AppFailure]]:
    """Every Appfile of the repository checked as ``environment`` sees it ("" = the base),
    and the ones that failed (duplicates included).

    ``only``: the Appfiles to load (paths relative to ``root``, as ``find_appfiles``
    names them) instead of every one; duplicate names are then found among them only."""
    loaded: list[Appfile] = []
    failures: list[AppFailure] = []
    paths = find_appfiles(root, globs) if only is None else sorted(only)
    overlays = overlays_on_disk(root, paths)
    for path in paths:
        try:
            app = _load_appfile(root, path, catalog, environment, overlays.get(path, {}))
            if app is not None:
                loaded.append(app)
        except YamlError as exc:
            failures.append(AppFailure(repo, guess_name(root, path), path, (exc.diagnostic,)))
        except UserError as exc:
            failures.append(AppFailure(repo, guess_name(root, path), path, exc.diagnostics))
    return _without_duplicates(loaded, failures, repo=repo)


def _load_appfile(
    root: Path, path: str, catalog: Catalog, environment: str, overlays: dict[str, str]
) -> Appfile | None:
    """One Appfile, checked; reused from the cache while its text, overlay, catalog and files
    are unchanged. ``overlays``: its overlay files (environment -> path)."""
    text = read_appfile_text(root, path)
    overlay_path = overlays.get(environment, "") if environment else ""
    overlay_text = read_appfile_text(root, overlay_path) if overlay_path else ""
    parts = (path, catalog.digest, text, environment, *sorted(overlays), overlay_text)
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    cached = _appfiles.get(key)
    if cached is not None and unchanged(root, cached[1]):
        return cached[0]
    doc = parse_appfile(text, path)
    overlay = load_document(overlay_text, path=overlay_path) if overlay_path else None
    files = RepoFiles(root)
    app = (
        load_appfile(
            doc,
            catalog=catalog,
            files=files,
            environment=environment,
            overlay=overlay,
            overlays=overlays,
        )
        if doc is not None
        else None
    )
    _appfiles.put(key, (app, dict(files.read)))
    return app


def _without_duplicates(
    loaded: list[Appfile], failures: list[AppFailure], *, repo: str
) -> tuple[list[Appfile], list[AppFailure]]:
    paths: dict[str, list[Appfile]] = {}
    for app in loaded:
        paths.setdefault(app.name, []).append(app)
    good: list[Appfile] = []
    for same in paths.values():
        if len(same) == 1:
            good.append(same[0])
            continue
        for app in same:
            others = ", ".join(a.path for a in same if a is not app)
            message = f"app name {app.name!r} is also used by {others}"
            diagnostic = Diagnostic(app.path, message, app.line, "name")
            failures.append(AppFailure(repo, app.name, app.path, (diagnostic,)))
    return good, failures
