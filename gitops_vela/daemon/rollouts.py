"""Which definitions each app of a repository runs, while a definition change rolls out.

The reconciler renders every app with the newest definitions, as always; a
``Rollouts`` then swaps in, for each app a rollout has not reached yet, its
render with the definitions it ran before (the same Appfile, so Appfile
edits still land at once). Catalogs are plain data (every template and
import is held in ``Definition.sources``), so the old definitions need no
checkout of the old commit while the daemon runs.

Supersede: a new definition change while a rollout runs starts a new rollout
at its first wave over every app whose render the new change alters,
compared with what that app runs *now* (the old definitions, or those of the
superseded change if it had reached the app). Until its wave, each app keeps
what it runs now.
"""

from __future__ import annotations

import calendar
import itertools
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

import yaml

from gitops_vela.catalog import Catalog
from gitops_vela.daemon import waves
from gitops_vela.daemon.waves import Command, Phase, Rollout
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.settings.tree import RolloutSettings
from gitops_vela.status.document import ROLLOUT
from gitops_vela.sync import SyncResult

RenderWith = Callable[[Catalog, Collection[str]], RepositoryRender]
"""Render the named apps of this run's checkout with the given definitions."""

Outcome = RenderedApp | AppFailure
ROLLOUT_FILE = ROLLOUT  # on the status branch, next to apps/*.yaml


@dataclass(frozen=True, slots=True)
class Definitions:
    """One set of definitions as apps run it: the commit it came from and its catalog."""

    revision: str
    catalog: Catalog


class Rollouts:
    """The definition versions of one repository's apps, and the rollout moving them."""

    def __init__(self, settings: RolloutSettings, *, clock: Callable[[], float] = time.time):
        self.settings = settings
        self._clock = clock
        self.forget()

    def forget(self) -> None:
        """Drop everything known: the next ``render`` (or ``restore``) starts afresh."""
        self._definitions: dict[str, Definitions] = {}  # catalog digest -> definitions
        self._target = ""  # digest of the newest definitions
        self._from: dict[str, str] = {}  # member -> digest it ran when the rollout began
        self.rollout: Rollout | None = None
        self.running: dict[str, str] = {}  # app -> digest of the definitions it runs

    def definitions_revision(self, app: str) -> str:
        """The commit whose definitions ``app`` renders with ("" for an app not seen yet)."""
        return self.revision_of(self.running.get(app, ""))

    def revision_of(self, digest: str) -> str:
        found = self._definitions.get(digest)
        return found.revision if found else ""

    def render(
        self, render: RepositoryRender, *, catalog: Catalog, revision: str, render_with: RenderWith
    ) -> RepositoryRender:
        """This run's render: ``render`` (every app on the newest definitions) with each app
        a rollout has not reached yet rendered on the definitions it runs."""
        now = self._clock()
        digest = catalog.digest
        if digest not in self._definitions:
            self._definitions[digest] = Definitions(revision, catalog)
        if not self._target:
            self._target = digest  # the first run: every app runs what there is
        elif digest != self._target:
            self._begin(render, digest=digest, now=now, render_with=render_with)
        elif self.rollout is not None:
            self.rollout = waves.advance(self.rollout, self.settings, now=now)
        return self._effective(render, render_with)

    def _begin(
        self, render: RepositoryRender, *, digest: str, now: float, render_with: RenderWith
    ) -> None:
        """New definitions: start (or supersede with) a rollout over the apps they change."""
        before = self._running_now(render)
        olds = self._render_old(before, render_with, skip=digest)
        new = _outcomes(render)
        touched = [name for name, old in olds.items() if _differs(old, new.get(name))]
        superseded = self.rollout
        self._target = digest
        self._from = {name: before[name] for name in touched}
        ordered = waves.order_apps(
            [_for_order(n, new.get(n), olds[n]) for n in touched], self.settings.order
        )
        self.rollout = waves.start(
            revision=self._definitions[digest].revision,
            digest=digest,
            members=ordered,
            settings=self.settings,
            now=now,
            superseded=superseded.revision
            if superseded and superseded.phase is not Phase.COMPLETE
            else "",
        )
        self._forget_unused()

    def _running_now(self, render: RepositoryRender) -> dict[str, str]:
        """What each app of this render runs before this run (new apps: nothing)."""
        names = _outcomes(render).keys()
        return {name: self.running[name] for name in names if name in self.running}

    def _render_old(
        self, runs: Mapping[str, str], render_with: RenderWith, *, skip: str
    ) -> dict[str, Outcome | None]:
        """Each app rendered on the definitions it runs (one render per set of definitions),
        but for those running ``skip``: their render is this run's."""
        by_digest: dict[str, list[str]] = {}
        for name, digest in runs.items():
            if digest != skip and digest in self._definitions:
                by_digest.setdefault(digest, []).append(name)
        found: dict[str, Outcome | None] = {}
        for digest, names in by_digest.items():
            outcomes = _outcomes(render_with(self._definitions[digest].catalog, names))
            found.update((name, outcomes.get(name)) for name in names)
        return found

    def _effective(self, render: RepositoryRender, render_with: RenderWith) -> RepositoryRender:
        new = _outcomes(render)
        reached = self.rollout.reached if self.rollout is not None else frozenset()
        held = {
            name: digest
            for name, digest in self._from.items()
            if name in new and name not in reached and digest != self._target
        }
        if self.rollout is not None and self.rollout.phase is Phase.COMPLETE:
            held = {}
        olds = self._render_old(held, render_with, skip=self._target)
        chosen = {name: olds.get(name) or outcome for name, outcome in new.items()}
        self.running = {name: held.get(name, self._target) for name in new}
        apps = tuple(o for o in chosen.values() if isinstance(o, RenderedApp))
        failures = tuple(o for o in chosen.values() if isinstance(o, AppFailure))
        failures += tuple(f for f in render.failures if not f.name)  # unnamed: not held
        return RepositoryRender(
            apps=tuple(sorted(apps, key=lambda a: a.name)),
            failures=tuple(sorted(failures, key=lambda f: (f.path, f.name))),
            catalog_diagnostics=render.catalog_diagnostics,
        )

    def _forget_unused(self) -> None:
        keep = {self._target, *self._from.values(), *self.running.values()}
        self._definitions = {d: found for d, found in self._definitions.items() if d in keep}

    def after_sync(self, result: SyncResult) -> None:
        """Gate the current wave on this run's health of the apps it reached."""
        if self.rollout is None:
            return
        health = {a.app: a.health for a in result.apps if not a.removed}
        self.rollout = waves.gate(self.rollout, health, self.settings, now=self._clock())

    def command(self, action: Command) -> Rollout | None:
        if self.rollout is not None:
            self.rollout = waves.command(self.rollout, action, now=self._clock())
        return self.rollout

    def restore(self, document: Mapping[str, Any], load: Callable[[str], Catalog | None]) -> bool:
        """After a restart: take up the rollout the control record holds, loading the
        definitions of each revision it names (``load``: a commit -> its catalog).

        False (and nothing changed) when there is nothing to take up or a revision's
        definitions cannot be loaded: the apps then take the newest definitions.
        """
        if str(document.get("phase")) == str(Phase.COMPLETE):
            return False
        try:
            rollout, running, held_from = _parse(document)
        except (KeyError, TypeError, ValueError):
            return False
        revisions = {rollout.revision, *running.values(), *held_from.values()}
        loaded = {revision: load(revision) for revision in sorted(revisions)}
        if any(catalog is None for catalog in loaded.values()):
            return False
        self.forget()
        digests = {r: c.digest for r, c in loaded.items() if c is not None}
        for revision, catalog in loaded.items():
            if catalog is not None:
                self._definitions[catalog.digest] = Definitions(revision, catalog)
        self._target = digests[rollout.revision]
        self.running = {app: digests[r] for app, r in running.items()}
        self._from = {app: digests[r] for app, r in held_from.items()}
        self.rollout = replace(rollout, digest=self._target)
        return True

    def document(self) -> dict[str, Any] | None:
        """The rollout as the status branch's ``rollout.yaml`` and ``status`` show it."""
        rollout = self.rollout
        if rollout is None:
            return None
        per_revision: dict[str, list[str]] = {}
        for name, digest in sorted(self.running.items()):
            per_revision.setdefault(self.revision_of(digest) or digest[:12], []).append(name)
        return {
            "revision": rollout.revision,
            "phase": str(rollout.phase),
            "wave": rollout.wave + 1,
            "waves": [list(apps) for apps in rollout.waves()],
            "gate": _gate_text(rollout),
            "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(rollout.since)),
            "appsByDefinitionsRevision": per_revision,
            "halted": [{"app": f.app, "objects": list(f.objects)} for f in rollout.failed],
            "rolledBack": rollout.rolled_back,
            "superseded": rollout.superseded,
            "heldFrom": _by_revision(self._from, self.revision_of),  # what members ran before
            "pausedIn": str(rollout.held) if rollout.held else "",
        }


def rollout_yaml(document: Mapping[str, Any]) -> str:
    """The rollout document as the status branch's ``rollout.yaml`` (and the control record)."""
    return str(yaml.safe_dump(dict(document), sort_keys=False, width=10_000))


def _by_revision(
    apps: Mapping[str, str], revision_of: Callable[[str], str]
) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for app, digest in sorted(apps.items()):
        found.setdefault(revision_of(digest) or digest[:12], []).append(app)
    return found


def _parse(document: Mapping[str, Any]) -> tuple[Rollout, dict[str, str], dict[str, str]]:
    """The rollout, app -> revision it runs, member -> revision it ran before; as written."""
    waves_apps = [tuple(str(a) for a in wave) for wave in document["waves"]]
    sizes = tuple(itertools.accumulate(len(w) for w in waves_apps))
    since = calendar.timegm(time.strptime(str(document["since"]), "%Y-%m-%dT%H:%M:%SZ"))
    paused_in = str(document.get("pausedIn") or "")
    rollout = Rollout(
        revision=str(document["revision"]),
        digest="",
        members=tuple(a for wave in waves_apps for a in wave),
        sizes=sizes,
        wave=int(document["wave"]) - 1,
        phase=Phase(str(document["phase"])),
        since=float(since),
        failed=tuple(
            waves.GateFailure(str(f["app"]), tuple(str(o) for o in f.get("objects") or ()))
            for f in document.get("halted") or ()
        ),
        superseded=str(document.get("superseded") or ""),
        rolled_back=bool(document.get("rolledBack")),
        held=Phase(paused_in) if paused_in else None,
    )
    running = {
        str(app): str(revision)
        for revision, apps in (document.get("appsByDefinitionsRevision") or {}).items()
        for app in apps
    }
    held_from = {
        str(app): str(revision)
        for revision, apps in (document.get("heldFrom") or {}).items()
        for app in apps
    }
    return rollout, running, held_from


def _gate_text(rollout: Rollout) -> str:
    return {
        Phase.GATING: "waiting",
        Phase.PAUSING: "held",
        Phase.HALTED: "failed",
        Phase.COMPLETE: "held",
    }.get(rollout.phase, str(rollout.phase).lower())


def _outcomes(render: RepositoryRender) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {f.name: f for f in render.failures if f.name}
    found.update((a.name, a) for a in render.apps)
    return found


def _differs(old: Outcome | None, new: Outcome | None) -> bool:
    """Whether the change alters what the app applies or how its health is judged."""
    if isinstance(old, RenderedApp) and isinstance(new, RenderedApp):
        return old.digest != new.digest or dict(old.health_policies) != dict(new.health_policies)
    return type(old) is not type(new) or old != new


def _for_order(name: str, new: Outcome | None, old: Outcome | None) -> RenderedApp:
    """An app's labels and annotations to order it by (its name alone when it renders nowhere)."""
    for outcome in (new, old):
        if isinstance(outcome, RenderedApp):
            return outcome
    return RenderedApp(repo="", name=name, namespace="", path="", objects=(), digest="")
