"""Compare one repository's apps as rendered at base and at head.

An app is keyed by its name (its path when the Appfile names none). Equal
digests mean equal manifests: such apps are unaffected and not listed. An
app that fails at head with problems it did not have at base *breaks*; its
errors keep the renderer's ``file:line: key: message`` form.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from gitops_vela.model.definitions import ref_name
from gitops_vela.model.diagnostics import Diagnostic
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.review.objdiff import diff_objects
from gitops_vela.review.report import AppChange, AppChangeKind

# words in a diagnostic that mark a trait conflict or an appliesTo violation
_CONFLICT_WORDS = ("conflict", "appliesto", "applies to", "does not apply")


@dataclass(frozen=True, slots=True)
class _Side:
    rendered: dict[str, RenderedApp]
    failed: dict[str, AppFailure]

    @classmethod
    def of(cls, render: RepositoryRender) -> _Side:
        return cls(
            rendered={a.name: a for a in render.apps},
            failed={(f.name or f.path): f for f in render.failures},
        )

    def keys(self) -> set[str]:
        return set(self.rendered) | set(self.failed)

    def path(self, key: str) -> str:
        found = self.rendered.get(key) or self.failed.get(key)
        return found.path if found is not None else ""


def compare_apps(
    base: RepositoryRender,
    head: RepositoryRender,
    *,
    repo: str,
    changed_definitions: Collection[str],
    references: Mapping[str, frozenset[str]] | None = None,
) -> tuple[AppChange, ...]:
    """Apps that render differently, appear, disappear, break or get fixed.

    ``references`` (app -> names its Appfile mentions, from the dependency
    index) says which changed definitions an app uses when it rendered on
    neither side.
    """
    old, new = _Side.of(base), _Side.of(head)
    changes = []
    for key in sorted(old.keys() | new.keys()):
        refs = (references or {}).get(key, frozenset())
        change = _compare_one(key, old, new, repo=repo, changed=changed_definitions, refs=refs)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _compare_one(
    key: str,
    old: _Side,
    new: _Side,
    *,
    repo: str,
    changed: Collection[str],
    refs: frozenset[str],
) -> AppChange | None:
    path = new.path(key) or old.path(key)
    uses = _uses(key, old, new, changed) or tuple(sorted(c for c in changed if ref_name(c) in refs))
    made = _Maker(repo=repo, name=key, path=path, definitions=uses)
    before, after = old.rendered.get(key), new.rendered.get(key)
    if key in new.failed:
        errors = _new_errors(old.failed.get(key), new.failed[key])
        return made.broken(errors) if errors else None
    if after is not None and (refused := _new_refusals(before, after)):
        return made.broken(refused)  # the policy keeps objects of it from the cluster
    if after is None:  # gone at head
        return made.change(AppChangeKind.REMOVED, before, None) if before is not None else None
    if key in old.failed:
        return made.change(AppChangeKind.FIXED, None, after)
    if before is None:
        return made.change(AppChangeKind.ADDED, None, after)
    if before.digest == after.digest:
        return None
    return made.change(AppChangeKind.CHANGED, before, after)


@dataclass(frozen=True, slots=True)
class _Maker:
    repo: str
    name: str
    path: str
    definitions: tuple[str, ...]

    def change(
        self, status: AppChangeKind, before: RenderedApp | None, after: RenderedApp | None
    ) -> AppChange:
        objects = diff_objects(
            before.objects if before is not None else (),
            after.objects if after is not None else (),
        )
        return AppChange(self.repo, self.name, self.path, status, self.definitions, objects=objects)

    def broken(self, errors: tuple[str, ...]) -> AppChange:
        conflicts = tuple(e for e in errors if _is_conflict(e))
        return AppChange(
            self.repo,
            self.name,
            self.path,
            AppChangeKind.BROKEN,
            self.definitions,
            errors=errors,
            conflicts=conflicts,
        )


def _new_errors(before: AppFailure | None, after: AppFailure) -> tuple[str, ...]:
    known = {_located_nowhere(d) for d in before.diagnostics} if before else set()
    return tuple(str(d) for d in after.diagnostics if _located_nowhere(d) not in known)


def _new_refusals(before: RenderedApp | None, after: RenderedApp) -> tuple[str, ...]:
    """Policy refusals at head that base did not have (an app already refused is not news)."""
    known = {_located_nowhere(r.diagnostic) for r in before.refused} if before else set()
    return tuple(
        str(r.diagnostic) for r in after.refused if _located_nowhere(r.diagnostic) not in known
    )


def _located_nowhere(diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic without line and column: an edit above it must not make it look new."""
    return replace(diagnostic, line=0, column=0)


def _is_conflict(error: str) -> bool:
    lowered = error.lower()
    return any(word in lowered for word in _CONFLICT_WORDS)


def _uses(key: str, old: _Side, new: _Side, changed: Collection[str]) -> tuple[str, ...]:
    used: set[str] = set()
    for app in _present(old.rendered.get(key), new.rendered.get(key)):
        used |= app.definitions
    return tuple(sorted(used & set(changed)))


def _present(*apps: RenderedApp | None) -> Iterable[RenderedApp]:
    return (a for a in apps if a is not None)
