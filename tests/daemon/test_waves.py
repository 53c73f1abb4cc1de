"""The wave state machine (``daemon.waves``) and the per-app definitions it keeps
(``daemon.rollouts``), driven with renders made up in the test and a clock it moves."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from gitops_vela.catalog import Catalog
from gitops_vela.daemon import waves
from gitops_vela.daemon.rollouts import Rollouts
from gitops_vela.daemon.waves import Command, Phase
from gitops_vela.model.changes import ChangeSet
from gitops_vela.model.definitions import Definition, DefinitionKind
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import AppFailure, RenderedApp, RepositoryRender
from gitops_vela.model.status import Health
from gitops_vela.settings import RolloutSettings
from gitops_vela.sync import AppResult, SyncResult
from gitops_vela.sync.health import HealthReport, ObjectHealth


@pytest.mark.parametrize(
    ("spec", "total", "sizes"),
    [
        (("1", "10%", "50%", "100%"), 20, (1, 2, 10, 20)),
        (("1", "10%", "50%", "100%"), 3, (1, 2, 3)),  # 10% of 3 rounds up to 1: dropped
        (("1", "10%"), 20, (1, 2, 20)),  # the last wave always reaches every app
        (("5", "2"), 10, (5, 10)),  # a wave reaching fewer than the one before is dropped
        (("100%",), 1, (1,)),
        (("1",), 0, ()),
    ],
)
def test_wave_sizes_are_cumulative(
    spec: tuple[str, ...], total: int, sizes: tuple[int, ...]
) -> None:
    assert waves.wave_sizes(spec, total) == sizes


def app(name: str, digest: str = "d", **labels: str) -> RenderedApp:
    return RenderedApp(
        repo="r",
        name=name,
        namespace=name,
        path=f"apps/{name}.yaml",
        objects=(),
        digest=digest,
        labels=labels,
    )


def test_apps_are_ordered_by_tier_numbers_then_name_and_untiered_last() -> None:
    key = "gitops-vela.dev/rollout-tier"
    apps = [
        app("b", **{key: "10"}),
        app("a"),
        app("c", **{key: "2"}),
        app("d", **{key: "2"}),
        app("e", **{key: "canary"}),
    ]

    assert waves.order_apps(apps, [key]) == ("c", "d", "b", "e", "a")


SETTINGS = RolloutSettings(waves=("1", "50%", "100%"), pause=10, health_gate=60)


def health(name: str, state: Health) -> HealthReport:
    ref = ObjectRef("apps", "Deployment", name, "web")
    return HealthReport(name, state, ((ref, ObjectHealth(state, "not ready")),))


def test_the_gate_holds_pauses_then_moves_on_and_completes() -> None:
    rollout = waves.start(
        revision="c1", digest="x", members=["a", "b", "c", "d"], settings=SETTINGS, now=0
    )
    assert rollout.reached == {"a"} and rollout.sizes == (1, 2, 4)

    rollout = waves.gate(rollout, {"a": health("a", Health.PROGRESSING)}, SETTINGS, now=5)
    assert rollout.phase is Phase.GATING  # not yet Healthy, gate time left
    rollout = waves.gate(rollout, {"a": health("a", Health.HEALTHY)}, SETTINGS, now=6)
    assert rollout.phase is Phase.PAUSING
    assert waves.advance(rollout, SETTINGS, now=15).reached == {"a"}  # the pause runs
    rollout = waves.advance(rollout, SETTINGS, now=16)
    assert rollout.phase is Phase.GATING and rollout.reached == {"a", "b"}
    healthy = {n: health(n, Health.HEALTHY) for n in "abcd"}
    rollout = waves.advance(waves.gate(rollout, healthy, SETTINGS, now=17), SETTINGS, now=27)
    rollout = waves.gate(rollout, healthy, SETTINGS, now=28)
    assert rollout.phase is Phase.COMPLETE and rollout.reached == {"a", "b", "c", "d"}


def test_a_gate_that_times_out_halts_naming_the_apps_and_objects() -> None:
    rollout = waves.start(revision="c1", digest="x", members=["a", "b"], settings=SETTINGS, now=0)

    rollout = waves.gate(rollout, {"a": health("a", Health.DEGRADED)}, SETTINGS, now=61)

    assert rollout.phase is Phase.HALTED and not rollout.rolled_back
    (failure,) = rollout.failed
    assert failure.app == "a"
    assert failure.objects == ("Deployment.apps/a/web is Degraded: not ready",)
    assert rollout.reached == {"a"}  # the reached app stays on the new definitions
    assert waves.gate(rollout, {}, SETTINGS, now=200) == rollout


def test_with_rollback_a_halt_sends_the_reached_apps_back_and_resume_starts_over() -> None:
    back = RolloutSettings(waves=("1", "100%"), pause=0, health_gate=1, on_failure="rollback")
    rollout = waves.start(revision="c1", digest="x", members=["a", "b"], settings=back, now=0)

    rollout = waves.gate(rollout, {}, back, now=2)  # "a" did not even sync

    assert rollout.phase is Phase.HALTED and rollout.rolled_back and rollout.reached == set()
    assert rollout.failed[0].objects == ("did not render or sync",)
    resumed = waves.command(rollout, Command.RESUME, now=3)
    assert resumed.phase is Phase.GATING and resumed.wave == 0 and resumed.reached == {"a"}


def test_pause_holds_and_resume_returns_to_the_phase_abort_ends_it() -> None:
    rollout = waves.start(revision="c1", digest="x", members=["a", "b"], settings=SETTINGS, now=0)
    rollout = waves.gate(rollout, {"a": health("a", Health.HEALTHY)}, SETTINGS, now=1)

    paused = waves.command(rollout, Command.PAUSE, now=2)
    assert paused.phase is Phase.PAUSED
    assert waves.advance(paused, SETTINGS, now=1000) == paused  # no wave starts while paused
    resumed = waves.command(paused, Command.RESUME, now=3)
    assert resumed.phase is Phase.PAUSING and resumed.since == 3
    aborted = waves.command(resumed, Command.ABORT, now=4)
    assert aborted.phase is Phase.ABORTED and aborted.reached == {"a"}
    assert waves.command(aborted, Command.RESUME, now=5) == aborted


# ---------------------------------------------------------------- Rollouts, with made-up renders


def catalog(text: str) -> Catalog:
    trait = Definition(DefinitionKind.TRAIT, "stamp", text, "", "", digest=text)
    return Catalog([trait])


class World:
    """Apps whose render is "<appfile>@<stamp>" when they use the trait, "<appfile>" if not."""

    def __init__(self, users: Collection[str], others: Collection[str] = ()) -> None:
        self.users, self.others = set(users), set(others)
        self.appfiles = {name: "v1" for name in [*users, *others]}
        self.broken: set[tuple[str, str]] = set()  # (app, stamp) that fail to render
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def render_with(self, definitions: Catalog, names: Collection[str]) -> RepositoryRender:
        stamp = next(iter(definitions)).template
        self.calls.append((stamp, tuple(sorted(names))))
        apps, failures = [], []
        for name in sorted(names):
            if (name, stamp) in self.broken:
                failures.append(AppFailure("r", name, f"apps/{name}.yaml", ()))
                continue
            text = self.appfiles[name] + (f"@{stamp}" if name in self.users else "")
            apps.append(app(name, text))
        return RepositoryRender(tuple(apps), tuple(failures))

    def run(self, rollouts: Rollouts, stamp: str, revision: str) -> dict[str, str]:
        """One reconcile's render: app -> what it renders."""
        definitions = catalog(stamp)
        full = self.render_with(definitions, self.appfiles)
        chosen = rollouts.render(
            full, catalog=definitions, revision=revision, render_with=self.render_with
        )
        out = {a.name: a.digest for a in chosen.apps}
        out.update({f.name: "failed" for f in chosen.failures})
        return out


def healthy(*names: str) -> SyncResult:
    return SyncResult(
        tuple(AppResult("r", n, ChangeSet(n), HealthReport(n, Health.HEALTHY)) for n in names)
    )


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_only_touched_apps_are_members_and_appfile_edits_land_at_once() -> None:
    world = World(users=["a", "b", "c"], others=["plain"])
    clock = Clock()
    rollouts = Rollouts(SETTINGS, clock=clock)
    assert world.run(rollouts, "old", "c1") == {
        "a": "v1@old",
        "b": "v1@old",
        "c": "v1@old",
        "plain": "v1",
    }

    world.appfiles["b"] = world.appfiles["plain"] = "v2"  # Appfile edits in the same commit
    rendered = world.run(rollouts, "new", "c2")

    assert rollouts.rollout is not None and rollouts.rollout.members == ("a", "b", "c")
    assert rendered == {"a": "v1@new", "b": "v2@old", "c": "v1@old", "plain": "v2"}
    assert rollouts.running["b"] == catalog("old").digest
    assert rollouts.revision_of(rollouts.running["b"]) == "c1"
    document = rollouts.document()
    assert document is not None
    assert document["waves"] == [["a"], ["b"], ["c"]]  # 1, 50% of 3 (2), 100%
    assert document["appsByDefinitionsRevision"] == {"c1": ["b", "c"], "c2": ["a", "plain"]}


def test_a_new_change_supersedes_the_running_rollout_from_where_each_app_is() -> None:
    world = World(users=["a", "b", "c", "d"])
    clock = Clock()
    rollouts = Rollouts(
        RolloutSettings(waves=("1", "2", "100%"), pause=10, health_gate=60), clock=clock
    )
    world.run(rollouts, "v1", "c1")
    world.run(rollouts, "v2", "c2")  # wave 1: "a" on v2
    rollouts.after_sync(healthy("a", "b", "c", "d"))
    clock.now = 10
    assert world.run(rollouts, "v2", "c2") == {
        "a": "v1@v2",
        "b": "v1@v2",
        "c": "v1@v1",
        "d": "v1@v1",
    }

    rendered = world.run(rollouts, "v3", "c3")  # while wave 2 gates

    superseding = rollouts.rollout
    assert superseding is not None and superseding.superseded == "c2"
    assert superseding.revision == "c3" and superseding.phase is Phase.GATING
    assert superseding.members == ("a", "b", "c", "d") and superseding.wave == 0
    assert rendered == {"a": "v1@v3", "b": "v1@v2", "c": "v1@v1", "d": "v1@v1"}
    document = rollouts.document()
    assert document is not None
    assert document["appsByDefinitionsRevision"] == {"c1": ["c", "d"], "c2": ["b"], "c3": ["a"]}


def test_an_app_that_fails_on_the_new_definitions_keeps_its_old_render_until_its_wave() -> None:
    world = World(users=["a", "b"])
    world.broken.add(("b", "new"))
    rollouts = Rollouts(SETTINGS, clock=Clock())
    world.run(rollouts, "old", "c1")

    assert world.run(rollouts, "new", "c2") == {"a": "v1@new", "b": "v1@old"}
    assert rollouts.rollout is not None and rollouts.rollout.members == ("a", "b")


def test_a_change_no_app_renders_differently_is_complete_at_once() -> None:
    world = World(users=[], others=["plain"])
    rollouts = Rollouts(SETTINGS, clock=Clock())
    world.run(rollouts, "old", "c1")

    world.run(rollouts, "new", "c2")

    assert rollouts.rollout is not None and rollouts.rollout.phase is Phase.COMPLETE
    assert rollouts.rollout.members == ()


def test_a_rollback_halt_renders_the_reached_apps_on_their_old_definitions_again() -> None:
    world = World(users=["a", "b", "c"])
    clock = Clock()
    settings = RolloutSettings(waves=("1", "100%"), pause=0, health_gate=5, on_failure="rollback")
    rollouts = Rollouts(settings, clock=clock)
    world.run(rollouts, "old", "c1")
    assert world.run(rollouts, "new", "c2")["a"] == "v1@new"  # wave 1

    clock.now = 6
    rollouts.after_sync(SyncResult(()))  # "a" never became Healthy: the gate fails

    assert rollouts.rollout is not None and rollouts.rollout.phase is Phase.HALTED
    assert world.run(rollouts, "new", "c2") == {"a": "v1@old", "b": "v1@old", "c": "v1@old"}
    assert rollouts.command(Command.RESUME) is not None
    assert world.run(rollouts, "new", "c2")["a"] == "v1@new"  # starts over at wave 1
