"""The review, start to end: two revisions in, one ``Report`` out.

1. export base and head from Git (no checkout of the working tree is touched);
2. load the catalog at both; list definitions added, removed, changed; validate
   the new and changed ones;
3. index the Appfiles at both (``depindex``) and pick the apps that use a
   changed definition or whose Appfile changed;
4. render only those, at both revisions, and compare (``appdiff``);
5. the same for every ``--apps-repo``: its own apps and definitions, with the
   reviewed repository as a capability center at base and at head.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.errors import SourceError
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.render import DEFAULT_APP_GLOBS, render_repository
from gitops_vela.review.appdiff import compare_apps
from gitops_vela.review.catalogdiff import DefinitionDelta, compare_definitions
from gitops_vela.review.depindex import DependencyIndex, build_index
from gitops_vela.review.report import (
    AppChange,
    ClusterDiff,
    DefinitionChange,
    DefinitionStatus,
    Report,
)
from gitops_vela.review.validate import validate_definitions
from gitops_vela.source import GitRunner, export_tree


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """What to review: ``path`` (in a Git repository), two revisions, other app repositories."""

    path: Path
    base: str
    head: str
    apps_repos: tuple[Path, ...] = ()
    app_globs: tuple[str, ...] = tuple(DEFAULT_APP_GLOBS)
    default_namespace: str = "default"
    live: LiveDiff | None = None  # --cluster: diffs the affected apps at head against live


LiveDiff = Callable[[Sequence[RenderedApp]], tuple[ClusterDiff, ...]]


def review(request: ReviewRequest, *, runner: GitRunner | None = None) -> Report:
    """Review ``request.head`` against ``request.base``. ``SourceError`` on Git errors."""
    runner = runner or GitRunner()
    repo, subdir = locate(request.path, runner=runner)
    with tempfile.TemporaryDirectory(prefix="gitops-vela-review-") as tmp:
        base_sha = export_tree(repo, request.base, Path(tmp) / "base", runner=runner)
        head_sha = export_tree(repo, request.head, Path(tmp) / "head", runner=runner)
        trees = _Trees(
            name=repo_name(repo),
            base=Path(tmp) / "base" / subdir,
            head=Path(tmp) / "head" / subdir,
            base_sha=base_sha,
            head_sha=head_sha,
        )
        return _review(request, trees)


def locate(path: Path, *, runner: GitRunner) -> tuple[Path, str]:
    """The repository holding ``path`` and ``path``'s folder inside it (``""`` at the top)."""
    if not path.is_dir():
        raise SourceError(f"{path}: not a directory", retryable=False)
    try:
        prefix = runner.run(["rev-parse", "--show-prefix"], cwd=path).strip()
    except SourceError as exc:
        raise SourceError(f"{path}: not in a Git repository", retryable=False) from exc
    return path, prefix.rstrip("/")


DEFINITIONS_DIR = "definitions"  # where a repository keeps its definitions (DESIGN §2)


def repo_name(repo: Path) -> str:
    """The repository's name in labels and reports: its folder's name."""
    resolved = repo.resolve()
    top = resolved.name.removesuffix(".git")
    return top or "repo"


@dataclass(frozen=True, slots=True)
class _Trees:
    name: str
    base: Path
    head: Path
    base_sha: str
    head_sha: str


@dataclass(frozen=True, slots=True)
class _Side:
    """One repository's apps with the catalog they see at base and at head."""

    name: str
    base_root: Path
    head_root: Path
    base_catalog: Catalog
    head_catalog: Catalog


@dataclass(slots=True)
class _Outcome:
    apps: list[AppChange] = field(default_factory=list)
    used_by: dict[str, set[str]] = field(default_factory=dict)
    affected: list[RenderedApp] = field(default_factory=list)  # at head, for --cluster
    total: int = 0
    rendered: int = 0


def _review(request: ReviewRequest, trees: _Trees) -> Report:
    own = _Side(
        name=trees.name,
        base_root=trees.base,
        head_root=trees.head,
        base_catalog=load_catalog(trees.base, origin=trees.name),
        head_catalog=load_catalog(trees.head, origin=trees.name),
    )
    deltas = _deltas(own)
    outcome = _Outcome()
    for side in (own, *(_apps_side(path, trees) for path in request.apps_repos)):
        _review_side(side, request, trees, outcome)
    problems = _new_diagnostics(own.base_catalog.diagnostics, own.head_catalog.diagnostics)
    definitions, leftover = _definition_changes(deltas, problems, outcome.used_by)
    return Report(
        base=request.base,
        head=request.head,
        base_sha=trees.base_sha,
        head_sha=trees.head_sha,
        repos=(own.name, *(repo_name(p) for p in request.apps_repos)),
        definitions=definitions,
        apps=tuple(outcome.apps),
        catalog_problems=leftover,
        apps_total=outcome.total,
        apps_rendered=outcome.rendered,
        cluster=None if request.live is None else request.live(outcome.affected),
    )


def _apps_side(path: Path, trees: _Trees) -> _Side:
    """An apps repository as it is on disk, with the reviewed repository as its center."""
    if not path.is_dir():
        raise SourceError(f"--apps-repo {path}: not a directory", retryable=False)
    name = repo_name(path)
    base_center = [(trees.name, trees.base / DEFINITIONS_DIR)]
    head_center = [(trees.name, trees.head / DEFINITIONS_DIR)]
    return _Side(
        name=name,
        base_root=path,
        head_root=path,
        base_catalog=load_catalog(path, origin=name, centers=base_center),
        head_catalog=load_catalog(path, origin=name, centers=head_center),
    )


def _definitions(catalog: Catalog) -> list[Definition]:
    return [*catalog.workloads, *catalog.traits]


def _deltas(side: _Side) -> tuple[DefinitionDelta, ...]:
    return compare_definitions(_definitions(side.base_catalog), _definitions(side.head_catalog))


def _review_side(side: _Side, request: ReviewRequest, trees: _Trees, outcome: _Outcome) -> None:
    changed = {d.name for d in _deltas(side)}
    head_index = build_index(side.head_root, request.app_globs)
    base_index = build_index(side.base_root, request.app_globs, reuse=head_index)
    outcome.total += len(base_index.names | head_index.names)
    paths = _candidates(base_index, head_index, changed)
    if not paths:
        return
    base = _render(side, request, root=side.base_root, sha=trees.base_sha, paths=paths, head=False)
    head = _render(side, request, root=side.head_root, sha=trees.head_sha, paths=paths, head=True)
    outcome.rendered += len(paths)
    refs = {e.name: e.references for e in head_index.entries.values() if e.name}
    changes = compare_apps(base, head, repo=side.name, changed_definitions=changed, references=refs)
    outcome.apps.extend(changes)
    touched = {c.name for c in changes}
    outcome.affected.extend(a for a in head.apps if a.name in touched)
    _record_users(side.name, head, refs, outcome.used_by)


def _candidates(base: DependencyIndex, head: DependencyIndex, changed: set[str]) -> dict[str, str]:
    """Appfile paths to render: users of a changed definition, changed Appfiles, and any
    Appfile sharing a name with one of those (a duplicate name breaks both)."""
    entries = [*base.users_of(changed), *head.users_of(changed)]
    for path in base.entries.keys() | head.entries.keys():
        before, after = base.entries.get(path), head.entries.get(path)
        if before is None or after is None or before.digest != after.digest:
            entries.extend(e for e in (before, after) if e is not None)
    names = {e.name for e in entries if e.name}
    for index in (base, head):
        entries.extend(e for e in index.entries.values() if e.name in names)
    return {e.path: e.name for e in entries}


def _render(
    side: _Side,
    request: ReviewRequest,
    *,
    root: Path,
    sha: str,
    paths: dict[str, str],
    head: bool,
) -> RepositoryRender:
    """Render only the Appfiles at ``paths``: they are the globs, so no other file is read."""
    literal = all(not (set(p) & set("*?")) for p in paths)
    return render_repository(
        root,
        repo=side.name,
        revision=sha,
        default_namespace=request.default_namespace,
        app_globs=sorted(paths) if literal else request.app_globs,
        catalog=side.head_catalog if head else side.base_catalog,
        apps=None if literal else set(paths.values()),
    )


def _record_users(
    repo: str,
    head: RepositoryRender,
    refs: dict[str, frozenset[str]],
    used_by: dict[str, set[str]],
) -> None:
    """Who uses what at head: rendered apps say it exactly, failed ones by their Appfile."""
    for app in head.apps:
        for name in app.definitions:
            used_by.setdefault(name, set()).add(f"{repo}/{app.name}")
    for failure in head.failures:
        for name in refs.get(failure.name, frozenset()):
            used_by.setdefault(name, set()).add(f"{repo}/{failure.name or failure.path}")


def _new_diagnostics(
    base: Iterable[Diagnostic], head: Iterable[Diagnostic]
) -> tuple[Diagnostic, ...]:
    known = {(d.path, d.key, d.message) for d in base}
    return tuple(d for d in head if (d.path, d.key, d.message) not in known)


def _definition_changes(
    deltas: Sequence[DefinitionDelta],
    problems: Sequence[Diagnostic],
    used_by: dict[str, set[str]],
) -> tuple[tuple[DefinitionChange, ...], tuple[str, ...]]:
    """Report entries per definition; catalog problems no definition claims are returned apart."""
    claimed: set[int] = set()
    changes = []
    compiled = validate_definitions([d.head for d in deltas if d.head is not None])
    for delta in deltas:
        defn = delta.current
        mine = [i for i, p in enumerate(problems) if _belongs(p, defn)]
        claimed.update(mine)
        found = [str(problems[i]) for i in mine]
        found.extend(p for p in compiled.get(delta.name, ()) if p not in found)
        status = delta.status
        if status is DefinitionStatus.REMOVED and found:
            status = DefinitionStatus.CHANGED  # still in Git, but invalid at head
        changes.append(
            DefinitionChange(
                name=delta.name,
                kind=str(defn.kind),
                status=status,
                path=defn.path,
                aspects=delta.aspects or (("invalid at head",) if found else ()),
                schema_changes=delta.schema_changes,
                problems=tuple(found),
                used_by=tuple(sorted(used_by.get(delta.name, ()))),
            )
        )
    leftover = tuple(str(p) for i, p in enumerate(problems) if i not in claimed)
    return tuple(changes), leftover


def _belongs(problem: Diagnostic, definition: Definition) -> bool:
    """A catalog problem is a definition's when it names it or points into its files."""
    if problem.hint == f"definition {definition.name}":
        return True
    return problem.path in {definition.path, definition.template_path} - {""}
