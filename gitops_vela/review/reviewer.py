"""The review, start to end: two revisions in, one ``Report`` out.

1. read base and head from Git (``sparse``: no working tree or index of the
   user's is touched, and Appfiles are written only when rendered);
2. index the Appfiles at both (``depindex``), load the catalog at both, list
   the definitions added, removed, changed (``catalogdiff``);
3. pick the apps that use a changed definition or whose Appfile changed;
4. render only those, at both revisions, and compare (``appdiff``);
5. the same for every ``--apps-repo``: its own apps and definitions, with the
   reviewed repository as a capability center at base and at head;
6. validate the new and changed definitions (``validate``), run the tests of
   those and of definitions whose tests changed (``deftests``), and build the
   ``Report``; with ``--cluster``, diff the affected apps against live (``live``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.errors import SourceError
from gitops_vela.model.definitions import Definition
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.render import DEFAULT_APP_GLOBS, render_repository
from gitops_vela.render.selection import Selector
from gitops_vela.review.appdiff import compare_apps
from gitops_vela.review.catalogdiff import DefinitionDelta, compare_definitions
from gitops_vela.review.deftests import TESTS_PREFIX, changed_test_folders, failing_tests
from gitops_vela.review.depindex import DependencyIndex, build_index
from gitops_vela.review.report import (
    AppChange,
    ClusterDiff,
    DefinitionChange,
    DefinitionStatus,
    Report,
)
from gitops_vela.review.sparse import SparseTree
from gitops_vela.review.validate import validate_definitions
from gitops_vela.settings import RenderSettings
from gitops_vela.source import GitRunner
from gitops_vela.source.identity import repository_identity


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    """What to review: ``path`` (in a Git repository), two revisions, other app repositories."""

    path: Path
    base: str
    head: str
    apps_repos: tuple[Path, ...] = ()
    app_globs: tuple[str, ...] = tuple(DEFAULT_APP_GLOBS)
    live: LiveDiff | None = None  # --cluster: diffs the affected apps at head against live
    repo: str = ""  # name in ownership labels; default: named as every command names a checkout
    namespace: str = "default"  # for Appfiles that name none
    apps: frozenset[str] = frozenset()  # --app: only these apps (all when empty)
    selector: Selector | None = None  # -l: only apps whose Appfile labels match
    render: RenderSettings = field(default_factory=RenderSettings)  # Jsonnet workers, limits


LiveDiff = Callable[[Sequence[RenderedApp]], tuple[ClusterDiff, ...]]


def review(request: ReviewRequest, *, runner: GitRunner | None = None) -> Report:
    """Review ``request.head`` against ``request.base``. ``SourceError`` on Git errors."""
    runner = runner or GitRunner()
    repo, subdir = locate(request.path, runner=runner)
    name = request.repo or repo_name(repo)
    globs = request.app_globs
    with tempfile.TemporaryDirectory(prefix="gitops-vela-review-") as tmp:
        base_tree, head_tree = (
            SparseTree.open(runner, repo, rev, Path(tmp) / side, subdir=subdir, globs=globs)
            for rev, side in ((request.base, "base"), (request.head, "head"))
        )
        head_index = head_tree.index()
        base_index = base_tree.index(reuse=head_index)
        base = _load_sides(request, name, base_tree.root, base_index)
        head = _load_sides(request, name, head_tree.root, head_index, reuse=base)
        plans = [_plan(b, h, request=request) for b, h in zip(base, head, strict=True)]
        base_tree.write(plans[0].paths)
        head_tree.write(plans[0].paths)
        renders = [
            (_render(b, p, request, sha=base_tree.sha), _render(h, p, request, sha=head_tree.sha))
            for b, h, p in zip(base, head, plans, strict=True)
        ]
        touched = {d.name for d in plans[0].deltas if d.head is not None}
        touched |= changed_test_folders(base_tree.files, head_tree.files)
        tests = failing_tests(
            head[0].root, head[0].catalog, repo=name, names=touched, settings=request.render
        )
    outcome = _Outcome(tests=tests)
    for plan, (before, after) in zip(plans, renders, strict=True):
        _compare(plan, before, after, outcome)
    shas = (base_tree.sha, head_tree.sha)
    return _report(request, shas, (base[0], head[0]), plans[0], outcome)


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
    """The repository's name in labels and reports, as every command names a checkout:
    from its origin remote's URL, else its folder (``source.identity``)."""
    return repository_identity(repo)


@dataclass(frozen=True, slots=True)
class _Side:
    """One repository's apps and the catalog they see, at one revision of the reviewed one."""

    name: str
    root: Path
    catalog: Catalog
    index: DependencyIndex


@dataclass(frozen=True, slots=True)
class _Plan:
    """What to render for one repository: Appfile path -> app name, and why."""

    name: str
    deltas: tuple[DefinitionDelta, ...]
    paths: dict[str, str]
    refs: dict[str, frozenset[str]]  # app -> names its Appfile mentions, at head
    total: int


@dataclass(slots=True)
class _Outcome:
    apps: list[AppChange] = field(default_factory=list)
    used_by: dict[str, set[str]] = field(default_factory=dict)
    affected: list[RenderedApp] = field(default_factory=list)  # at head, for --cluster
    total: int = 0
    rendered: int = 0
    tests: dict[str, tuple[str, ...]] = field(default_factory=dict)  # failing, per definition


def _load_sides(
    request: ReviewRequest,
    name: str,
    root: Path,
    index: DependencyIndex,
    *,
    reuse: Sequence[_Side] = (),
) -> list[_Side]:
    """The reviewed repository at one revision, then each ``--apps-repo`` (as it is on disk)
    with that revision of the reviewed repository as its capability center."""
    sides = [_Side(name, root, load_catalog(root, origin=name), index)]
    for position, path in enumerate(request.apps_repos, start=1):
        if not path.is_dir():
            raise SourceError(f"--apps-repo {path}: not a directory", retryable=False)
        other = repo_name(path)
        centers = [(name, root / DEFINITIONS_DIR)]
        catalog = load_catalog(path, origin=other, centers=centers)
        apps = reuse[position].index if reuse else build_index(path, request.app_globs)
        sides.append(_Side(other, path, catalog, apps))
    return sides


def _definitions(catalog: Catalog) -> list[Definition]:
    return [*catalog.workloads, *catalog.traits]


def _plan(base: _Side, head: _Side, *, request: ReviewRequest) -> _Plan:
    deltas = compare_definitions(_definitions(base.catalog), _definitions(head.catalog))
    changed = {d.name for d in deltas}
    paths = _candidates(base.index, head.index, changed)
    return _Plan(
        name=head.name,
        deltas=deltas,
        paths={p: a for p, a in paths.items() if _picked(p, a, base, head, request)},
        refs={e.name: e.references for e in head.index.entries.values() if e.name},
        total=len(base.index.names | head.index.names),
    )


def _picked(path: str, app: str, base: _Side, head: _Side, request: ReviewRequest) -> bool:
    """Whether ``--app``/``-l`` keep an Appfile; one that does not parse is always kept."""
    if request.apps and app not in request.apps:
        return False
    if request.selector is None:
        return True
    entries = [e for e in (base.index.entries.get(path), head.index.entries.get(path)) if e]
    return any(not e.name or request.selector.matches(e.labels) for e in entries)


def _compare(
    plan: _Plan, base: RepositoryRender | None, head: RepositoryRender | None, outcome: _Outcome
) -> None:
    outcome.total += plan.total
    if base is None or head is None:
        return
    outcome.rendered += len(plan.paths)
    changed = {d.name for d in plan.deltas}
    changes = compare_apps(
        base, head, repo=plan.name, changed_definitions=changed, references=plan.refs
    )
    outcome.apps.extend(changes)
    touched = {c.name for c in changes}
    outcome.affected.extend(a for a in head.apps if a.name in touched)
    _record_users(plan.name, head, plan.refs, outcome.used_by)


def _report(
    request: ReviewRequest,
    shas: tuple[str, str],
    sides: tuple[_Side, _Side],
    plan: _Plan,
    outcome: _Outcome,
) -> Report:
    """The report of the reviewed repository's definitions and every repository's apps."""
    base, head = sides
    problems = _new_diagnostics(base.catalog.diagnostics, head.catalog.diagnostics)
    definitions, leftover = _definition_changes(
        plan.deltas, problems, outcome.used_by, tests=outcome.tests, catalog=head.catalog
    )
    return Report(
        base=request.base,
        head=request.head,
        base_sha=shas[0],
        head_sha=shas[1],
        repos=(head.name, *(repo_name(p) for p in request.apps_repos)),
        definitions=definitions,
        apps=tuple(outcome.apps),
        catalog_problems=leftover,
        apps_total=outcome.total,
        apps_rendered=outcome.rendered,
        cluster=None if request.live is None else request.live(outcome.affected),
    )


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
    side: _Side, plan: _Plan, request: ReviewRequest, *, sha: str
) -> RepositoryRender | None:
    """Render only the Appfiles in the plan: they are the globs, so no other file is read."""
    if not plan.paths:
        return None
    literal = all(not (set(p) & set("*?")) for p in plan.paths)
    return render_repository(
        side.root,
        repo=side.name,
        revision=sha,
        default_namespace=request.namespace,
        app_globs=sorted(plan.paths) if literal else request.app_globs,
        catalog=side.catalog,
        apps=None if literal else set(plan.paths.values()),
        settings=request.render,
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
    *,
    tests: Mapping[str, tuple[str, ...]],
    catalog: Catalog,
) -> tuple[tuple[DefinitionChange, ...], tuple[str, ...]]:
    """Report entries per definition; catalog problems no definition claims are returned apart.

    ``tests``: failing test cases per definition; one whose only change is its tests
    gets an entry of its own (aspect ``tests``) when they fail."""
    claimed: set[int] = set()
    changes = []
    compiled = validate_definitions([d.head for d in deltas if d.head is not None])
    for delta in deltas:
        defn = delta.current
        mine = [i for i, p in enumerate(problems) if _belongs(p, defn)]
        claimed.update(mine)
        found = [str(problems[i]) for i in mine]
        found.extend(p for p in compiled.get(delta.name, ()) if p not in found)
        found.extend(tests.get(delta.name, ()))
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
    for name in sorted(tests.keys() - {d.name for d in deltas}):
        changes.append(_tests_only(name, tests[name], catalog, used_by))
    leftover = tuple(str(p) for i, p in enumerate(problems) if i not in claimed)
    return tuple(changes), leftover


def _tests_only(
    name: str, failing: tuple[str, ...], catalog: Catalog, used_by: dict[str, set[str]]
) -> DefinitionChange:
    """A definition unchanged but for its tests, which fail at head."""
    found = catalog.get(name)
    return DefinitionChange(
        name=name,
        kind=str(found.kind) if found else "",
        status=DefinitionStatus.CHANGED,
        path=found.path if found else f"{TESTS_PREFIX}{name}/",
        aspects=("tests",),
        problems=failing,
        used_by=tuple(sorted(used_by.get(name, ()))),
    )


def _belongs(problem: Diagnostic, definition: Definition) -> bool:
    """A catalog problem is a definition's when it names it or points into its files."""
    if problem.hint == f"definition {definition.name}":
        return True
    return problem.path in {definition.path, definition.template_path} - {""}
