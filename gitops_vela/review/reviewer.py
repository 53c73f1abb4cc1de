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

import dataclasses
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.errors import SourceError
from gitops_vela.model.definitions import Definition, ref_name
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import RenderedApp, RepositoryRender
from gitops_vela.provenance.causes import Revision, explain_changes
from gitops_vela.render import DEFAULT_APP_GLOBS, render_repository
from gitops_vela.render.selection import Selector
from gitops_vela.render.waves import plan_waves
from gitops_vela.review.appdiff import compare_apps
from gitops_vela.review.catalogdiff import DefinitionDelta, compare_definitions
from gitops_vela.review.deftests import TESTS_PREFIX, changed_test_folders, failing_tests
from gitops_vela.review.depindex import DependencyIndex, build_index
from gitops_vela.review.report import (
    AppChange,
    AppChangeKind,
    ClusterDiff,
    DefinitionChange,
    DefinitionStatus,
    Report,
)
from gitops_vela.review.sparse import SparseTree
from gitops_vela.review.validate import validate_definitions
from gitops_vela.settings import PolicySettings, RenderSettings, RolloutSettings
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
    policy: PolicySettings | None = None  # --policy: objects it refuses break their app
    explain: bool = False  # --explain: say which definition or Appfile change caused each field
    environment: str = ""  # --env: only this environment; default: each one the Appfiles declare
    rollout: RolloutSettings = field(default_factory=RolloutSettings)  # the waves to show


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
        environments = review_environments(request, [*base, *head])
        renders = {
            env: [
                (
                    _render(b, p, request, sha=base_tree.sha, environment=env),
                    _render(h, p, request, sha=head_tree.sha, environment=env),
                )
                for b, h, p in zip(base, head, plans, strict=True)
            ]
            for env in environments
        }
        touched = {d.name for d in plans[0].deltas if d.head is not None}
        touched |= changed_test_folders(base_tree.files, head_tree.files)
        tests = failing_tests(
            head[0].root, head[0].catalog, repo=name, names=touched, settings=request.render
        )
        outcome = _Outcome(tests=tests)
        for first, env in enumerate(environments):
            outcome.counting = first == 0  # the same apps in every environment: count them once
            for plan, (before, after) in zip(plans, renders[env], strict=True):
                _compare(plan, before, after, outcome, environment=env)
        shas = (base_tree.sha, head_tree.sha)
        if request.explain:  # while both trees are on disk: provenance re-reads the Appfiles
            outcome.apps = _explained(request, base, head, plans, shas, outcome.apps)
    report = _report(request, shas, (base[0], head[0]), plans[0], outcome)
    return dataclasses.replace(report, environments=tuple(e for e in environments if e))


def review_environments(request: ReviewRequest, sides: Sequence[_Side]) -> tuple[str, ...]:
    """The environments reviewed, one report section each: ``--env``, else every one an
    Appfile declares at base or head, else only the base ("")."""
    if request.environment:
        return (request.environment,)
    declared = sorted({env for side in sides for env in side.index.environments})
    if declared and request.live is not None:
        raise SourceError(
            f"--cluster compares with one cluster, and the Appfiles declare environments"
            f" {', '.join(declared)}: pass --env naming that cluster's environment",
            retryable=False,
        )
    return tuple(declared) or ("",)


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
    affected_all: list[RenderedApp] = field(default_factory=list)  # at head or else at base
    total: int = 0
    rendered: int = 0
    counting: bool = True  # false for the second and later environments
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
    return sorted(catalog.every, key=lambda d: (d.is_trait, d.ref))


def _plan(base: _Side, head: _Side, *, request: ReviewRequest) -> _Plan:
    deltas = compare_definitions(_definitions(base.catalog), _definitions(head.catalog))
    changed = {ref_name(d.name) for d in deltas}  # the index knows names, not versions
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
    plan: _Plan,
    base: RepositoryRender | None,
    head: RepositoryRender | None,
    outcome: _Outcome,
    *,
    environment: str = "",
) -> None:
    outcome.total += plan.total if outcome.counting else 0
    if base is None or head is None:
        return
    outcome.rendered += len(plan.paths) if outcome.counting else 0
    changed = {d.name for d in plan.deltas}
    changes = [
        dataclasses.replace(change, environment=environment)
        for change in compare_apps(
            base, head, repo=plan.name, changed_definitions=changed, references=plan.refs
        )
    ]
    outcome.apps.extend(changes)
    touched = {c.name for c in changes}
    outcome.affected.extend(a for a in head.apps if a.name in touched)
    at_head = {a.name for a in head.apps}
    outcome.affected_all.extend(a for a in head.apps if a.name in touched)
    outcome.affected_all.extend(a for a in base.apps if a.name in touched and a.name not in at_head)
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
        waves=_waves(outcome, request.rollout),
    )


def _waves(
    outcome: _Outcome, rollout: RolloutSettings
) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """Per repository, the waves the definition change would go through: its members are
    the apps a changed definition makes render differently (or break), as in the daemon."""
    touched = {
        (c.repo, c.name)
        for c in outcome.apps
        if c.definitions and c.status in (AppChangeKind.CHANGED, AppChangeKind.BROKEN)
    }
    by_repo: dict[str, list[RenderedApp]] = {}
    for app in outcome.affected_all:
        if (app.repo, app.name) in touched:
            by_repo.setdefault(app.repo, []).append(app)
    for repo, name in sorted(touched):  # broken at head: ordered by name alone
        if name not in {a.name for a in by_repo.get(repo, [])}:
            by_repo.setdefault(repo, []).append(_named(repo, name))
    return tuple(
        (repo, tuple(plan_waves(apps, rollout.waves, rollout.order)))
        for repo, apps in sorted(by_repo.items())
    )


def _named(repo: str, name: str) -> RenderedApp:
    return RenderedApp(repo=repo, name=name, namespace="", path="", objects=(), digest="")


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
    side: _Side, plan: _Plan, request: ReviewRequest, *, sha: str, environment: str = ""
) -> RepositoryRender | None:
    """Render only the Appfiles in the plan: they are the globs, so no other file is read."""
    if not plan.paths:
        return None
    globs, apps = _rendered_globs(plan, request)
    return render_repository(
        side.root,
        repo=side.name,
        revision=sha,
        default_namespace=request.namespace,
        app_globs=globs,
        catalog=side.catalog,
        apps=apps,
        settings=request.render,
        policy=request.policy,
        environment=environment,
    )


def _rendered_globs(plan: _Plan, request: ReviewRequest) -> tuple[list[str], set[str] | None]:
    literal = all(not (set(p) & set("*?")) for p in plan.paths)
    if literal:
        return sorted(plan.paths), None
    return list(request.app_globs), set(plan.paths.values())


def _explained(
    request: ReviewRequest,
    base: Sequence[_Side],
    head: Sequence[_Side],
    plans: Sequence[_Plan],
    shas: tuple[str, str],
    apps: list[AppChange],
) -> list[AppChange]:
    """The changed apps with each changed object's fields explained (``provenance.causes``),
    each environment's changes with that environment's render and Appfile values."""
    lines: dict[tuple[str, str, str, str], tuple[str, ...]] = {}
    changed = [a for a in apps if a.status is AppChangeKind.CHANGED]
    for before, after, plan in zip(base, head, plans, strict=True):
        globs, _ = _rendered_globs(plan, request)
        for env in sorted({a.environment for a in changed if a.repo == plan.name}):
            names = {a.name for a in changed if a.repo == plan.name and a.environment == env}
            sides = [
                Revision(s.root, s.name, sha, s.catalog, tuple(globs), request.namespace, env)
                for s, sha in ((before, shas[0]), (after, shas[1]))
            ]
            found = explain_changes(
                *sides,
                apps=names,
                changed_definitions={d.name for d in plan.deltas},
                settings=request.render,
            )
            lines.update(((plan.name, env, app, ref), text) for (app, ref), text in found.items())
    return [
        replace(
            app,
            objects=tuple(
                replace(o, explained=lines.get((app.repo, app.environment, app.name, o.ref), ()))
                for o in app.objects
            ),
        )
        for app in apps
    ]


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
    for failure in head.failures:  # by name: the version it would use is unknown
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
                used_by=tuple(sorted(_users(used_by, delta.name))),
            )
        )
    for name in sorted(tests.keys() - {d.name for d in deltas}):
        changes.append(_tests_only(name, tests[name], catalog, used_by))
    leftover = tuple(str(p) for i, p in enumerate(problems) if i not in claimed)
    return tuple(changes), leftover


def _users(used_by: dict[str, set[str]], ref: str) -> set[str]:
    """Apps rendering this version, and failed apps naming the definition at all."""
    return used_by.get(ref, set()) | (used_by.get(ref_name(ref), set()) if "@" in ref else set())


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
