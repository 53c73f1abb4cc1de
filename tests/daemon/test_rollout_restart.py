"""A daemon restarted in the middle of a rollout takes it up from the control record: the
apps not reached yet keep their old render instead of all jumping to the new definitions."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.daemon.rollouts import Rollouts
from gitops_vela.daemon.waves import Phase
from gitops_vela.settings import RepositorySettings, RolloutSettings
from tests.daemon.conftest import GitRemote, get, make_reconciler
from tests.daemon.test_rollout_waves import Clock, appfile, stamp

APPS = ("a-1", "b-2", "c-3")
ROLLOUT = RolloutSettings(waves=("1", "100%"), pause=60, health_gate=600)


def reconciler(
    cluster: Cluster, remote: GitRemote, tmp_path: Path, *, clock: Clock | None = None
) -> RepositoryReconciler:
    """A fresh daemon's reconciler (nothing in memory), on the same cache and cluster."""
    settings = RepositorySettings(name="acme", url=str(remote.bare), rollout=ROLLOUT)
    made = make_reconciler(settings, cluster, tmp_path)
    made.rollouts = Rollouts(ROLLOUT, clock=clock or Clock())
    return made


def stamps(cluster: Cluster) -> dict[str, str]:
    out = {}
    for app in APPS:
        found = get(cluster, "Deployment", app, "web")
        assert found is not None
        out[app] = found["spec"]["template"]["metadata"]["annotations"]["stamp"]
    return out


def test_a_restart_mid_rollout_keeps_the_unreached_apps_on_their_old_definitions(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    files = {f"apps/{a}/vela.yaml": appfile(a, "") for a in APPS}
    remote.push(
        {**files, "definitions/stamp.yaml": stamp("1.0.0", "old")},
        remove=("apps/shop", "apps/blog"),
    )
    first = reconciler(cluster, remote, tmp_path)
    assert first.run().ok
    new = remote.push({"definitions/stamp.yaml": stamp("1.0.0", "new")})
    assert first.run().ok
    assert stamps(cluster) == {"a-1": "new", "b-2": "old", "c-3": "old"}

    second = reconciler(cluster, remote, tmp_path)  # the daemon restarted
    assert second.run().ok

    assert stamps(cluster) == {"a-1": "new", "b-2": "old", "c-3": "old"}
    assert second.rollouts is not None and second.rollouts.rollout is not None
    assert second.rollouts.rollout.revision == new
    assert second.rollouts.rollout.phase in (Phase.GATING, Phase.PAUSING)
    assert second.rollouts.rollout.reached == {"a-1"}


def test_a_replica_that_gets_a_repository_back_takes_up_the_record_not_its_memory(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    files = {f"apps/{a}/vela.yaml": appfile(a, "") for a in APPS}
    remote.push(
        {**files, "definitions/stamp.yaml": stamp("1.0.0", "old")},
        remove=("apps/shop", "apps/blog"),
    )
    first = reconciler(cluster, remote, tmp_path)
    assert first.run().ok
    remote.push({"definitions/stamp.yaml": stamp("1.0.0", "new")})
    assert first.run().ok  # wave 1 reached a-1; this replica remembers that
    clock = Clock()
    other = reconciler(cluster, remote, tmp_path, clock=clock)  # the repository moved
    for _ in range(3):  # takes the rollout up, the gate holds, the pause passes
        assert other.run().ok
        clock.now += ROLLOUT.pause
    assert other.run().ok
    assert other.rollouts is not None and other.rollouts.rollout is not None
    assert other.rollouts.rollout.phase is Phase.COMPLETE
    assert stamps(cluster) == {"a-1": "new", "b-2": "new", "c-3": "new"}

    assert first.run().ok  # the repository came back: its memory still says wave 1

    assert stamps(cluster) == {"a-1": "new", "b-2": "new", "c-3": "new"}
