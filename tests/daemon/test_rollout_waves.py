"""Issue #17's proof: a trait change reaches 20 apps in waves against the emulator, halts when
an app of a wave goes unhealthy, completes on resume, and never touches a pinned app.

The reconciler runs in-process with a clock the test moves, so ``pause`` and ``healthGate``
pass without sleeping; every object is real (the emulator's, with their generations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.daemon.rollouts import Rollouts
from gitops_vela.daemon.waves import Phase
from gitops_vela.settings import RepositorySettings, RolloutSettings
from tests.daemon.conftest import STATUS_BRANCH, GitRemote, get, git, make_reconciler

STAMP = """\
apiVersion: core.oam.dev/v1beta1
kind: TraitDefinition
metadata: {name: stamp}
spec:
  version: "VERSION"
  appliesToWorkloads: [webservice]
  parameters: {type: object, properties: {}}
  schematic:
    jsonnet:
      template: |
        function(parameter, context) {
          patch: {spec+: {template+: {metadata+: {annotations+: {stamp: 'TEXT'}}}}},
          outputs: {},
        }
"""


def stamp(version: str, text: str) -> str:
    return STAMP.replace("VERSION", version).replace("TEXT", text)


def appfile(name: str, tier: str, trait: str = "stamp") -> str:
    labels = {"gitops-vela.dev/rollout-tier": tier} if tier else {}
    return yaml.safe_dump(
        {
            "name": name,
            "namespace": name,
            "labels": labels,
            "services": {"web": {"image": "nginx:1.25", "port": 80, trait: {}}},
        },
        sort_keys=False,
    )


# 20 apps in 3 tiers: one canary (tier 0), four in tier 1, fifteen in tier 2
TIERS = {"canary": "0", **{f"early-{i}": "1" for i in range(4)}}
TIERS.update({f"app-{i:02d}": "2" for i in range(15)})
PAUSE, GATE = 5.0, 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def platform(remote: GitRemote) -> GitRemote:
    files = {f"apps/{name}/vela.yaml": appfile(name, tier) for name, tier in TIERS.items()}
    files["apps/pinned/vela.yaml"] = appfile("pinned", "0", trait="stamp@1")
    files["definitions/stamp-1.yaml"] = stamp("1.0.0", "one")
    files["definitions/stamp-2.yaml"] = stamp("2.0.0", "old")
    remote.push(files, remove=("apps/shop", "apps/blog"))
    return remote


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def waves(
    platform: GitRemote, cluster: Cluster, clock: Clock, tmp_path: Path
) -> RepositoryReconciler:
    rollout = RolloutSettings(waves=("1", "10%", "50%", "100%"), pause=PAUSE, health_gate=GATE)
    settings = RepositorySettings(name="acme", url=str(platform.bare), rollout=rollout)
    reconciler = make_reconciler(settings, cluster, tmp_path)
    reconciler.rollouts = Rollouts(rollout, clock=clock)
    return reconciler


def deployment(reconciler: RepositoryReconciler, app: str) -> dict[str, Any]:
    found = get(reconciler.cluster, "Deployment", app, "web")
    assert found is not None, app
    return found


def stamped(reconciler: RepositoryReconciler) -> dict[str, tuple[str, int]]:
    """app -> (its Deployment's stamp annotation, its generation)."""
    out = {}
    for app in [*TIERS, "pinned"]:
        found = deployment(reconciler, app)
        annotations = found["spec"]["template"]["metadata"].get("annotations") or {}
        out[app] = (annotations.get("stamp", ""), int(found["metadata"]["generation"]))
    return out


def new_ones(reconciler: RepositoryReconciler) -> list[str]:
    return sorted(app for app, (text, _) in stamped(reconciler).items() if text == "new")


def rollout_cli(emulator: Emulator, verb: str) -> int:
    return main(["rollout", verb, "acme", "--kubeconfig", str(emulator.kubeconfig_path)])


def settle(reconciler: RepositoryReconciler, until: Phase, *, runs: int = 6) -> None:
    """Run (the clock standing still) until the rollout is in phase ``until``."""
    for _ in range(runs):
        report = reconciler.run()
        assert report.ok, report.message
        rollout = reconciler.rollouts.rollout if reconciler.rollouts else None
        if rollout is not None and rollout.phase is until:
            return
    raise AssertionError(f"rollout not {until} after {runs} runs: {rollout}")


@pytest.mark.slow
def test_a_trait_change_goes_out_in_gated_waves_and_halts_on_an_unhealthy_app(
    waves: RepositoryReconciler,
    platform: GitRemote,
    emulator: Emulator,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert waves.run().ok and waves.run().ok  # everything on "old", Healthy
    old_revision = waves.run().revision
    before = stamped(waves)
    assert {text for app, (text, _) in before.items() if app != "pinned"} == {"old"}
    assert before["pinned"][0] == "one"

    new_revision = platform.push({"definitions/stamp-2.yaml": stamp("2.0.0", "new")})
    capsys.readouterr()
    # review on that change prints the waves it would go through (the pinned app in none)
    review = ["review", "--base", old_revision, "--head", new_revision, str(platform.work)]
    assert main([*review, "--waves", "1,10%,50%,100%"]) == 0
    out = capsys.readouterr().out
    assert "### Rollout waves" in out and "20 apps in 4 waves" in out
    assert "1. `canary`\n2. `early-0`\n3. `early-1`, `early-2`, `early-3`, `app-00`" in out
    assert "`pinned`" not in out.split("### Rollout waves")[1].split("###")[0]
    seen: list[list[str]] = []
    settle(waves, Phase.PAUSING)  # wave 1 applied, its gate held
    seen.append(new_ones(waves))
    assert seen[-1] == ["canary"]
    assert waves.rollouts is not None and waves.rollouts.rollout is not None
    assert waves.rollouts.rollout.members[:5] == (
        "canary",
        "early-0",
        "early-1",
        "early-2",
        "early-3",
    )

    # wave 2 is early-0 alone; the emulator fails its Deployment
    emulator.simulation.fail("Deployment", "web", namespace="early-0")
    clock.now += PAUSE
    settle(waves, Phase.GATING, runs=1)
    assert new_ones(waves) == ["canary", "early-0"]
    clock.now += GATE
    settle(waves, Phase.HALTED, runs=1)
    halted = waves.rollouts.rollout
    assert [f.app for f in halted.failed] == ["early-0"]
    assert any("Deployment.apps/early-0/web is Degraded" in o for o in halted.failed[0].objects), (
        halted.failed
    )
    clock.now += PAUSE * 10
    settle(waves, Phase.HALTED, runs=2)  # halted: nothing more moves, whatever the time
    after_halt = stamped(waves)
    assert new_ones(waves) == ["canary", "early-0"]
    for app in TIERS.keys() - {"canary", "early-0"}:
        assert after_halt[app] == before[app], app  # the rest keep the old render, untouched

    # the status branch says it: the rollout, and which definitions each app runs
    branch = yaml.safe_load(git("show", f"{STATUS_BRANCH}:rollout.yaml", cwd=platform.bare))
    assert branch["phase"] == "Halted" and branch["revision"] == new_revision
    assert branch["gate"] == "failed" and branch["halted"][0]["app"] == "early-0"
    assert [len(w) for w in branch["waves"]] == [1, 1, 8, 10]
    for app, revision in (("canary", new_revision), ("app-00", old_revision)):
        status = platform.status_file(app)
        assert status is not None and status["definitionsRevision"] == revision, app
    metrics = waves.metrics.exposition().decode()
    assert 'gitops_vela_rollout_wave{repo="acme"} 2.0' in metrics
    assert 'gitops_vela_rollout_phase{phase="Halted",repo="acme"} 1.0' in metrics
    assert (
        f'gitops_vela_rollout_apps{{definitions_revision="{old_revision[:12]}",repo="acme"}} 18.0'
        in metrics
    )

    capsys.readouterr()  # the reconciler's log lines so far
    assert main(["status", str(platform.bare)]) == 0
    out = capsys.readouterr().out
    assert f"rollout of the definitions of {new_revision[:7]}: Halted at wave 2 of 4" in out
    assert "halted on early-0: Deployment.apps/early-0/web is Degraded" in out
    assert main(["status", str(platform.bare), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["rollout"]["phase"] == "Halted"

    assert rollout_cli(emulator, "status") == 0  # the state, as the daemon recorded it
    state = yaml.safe_load(capsys.readouterr().out)
    assert state["phase"] == "Halted" and state["wave"] == 2
    assert state["halted"][0]["app"] == "early-0"
    # the pinned app renders the same either way: no member, it runs the newest definitions
    assert state["appsByDefinitionsRevision"][new_revision] == ["canary", "early-0", "pinned"]
    assert len(state["appsByDefinitionsRevision"][old_revision]) == 18

    emulator.simulation.healthy("Deployment", "web", namespace="early-0")
    assert rollout_cli(emulator, "resume") == 0  # recorded in the cluster, applied next run
    settle(waves, Phase.PAUSING)
    for size in (10, 20):
        clock.now += PAUSE
        settle(waves, Phase.COMPLETE if size == 20 else Phase.PAUSING)
        seen.append(new_ones(waves))
        assert len(seen[-1]) == size, seen[-1]
    assert seen[-1] == sorted(TIERS)
    final = stamped(waves)
    assert final["pinned"] == before["pinned"]  # a pinned app is never touched
    for app in TIERS:
        assert final[app][1] == before[app][1] + 1, app  # one new generation each
