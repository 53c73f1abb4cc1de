"""A capability center's new ref is a definition change like a commit: it goes out in waves."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.rollouts import Rollouts
from gitops_vela.settings import CapabilityCenterSettings, RepositorySettings, RolloutSettings
from tests.daemon.conftest import GitRemote, make_reconciler
from tests.daemon.test_e2e_centers import new_remote
from tests.daemon.test_rollout_restart import APPS, stamps
from tests.daemon.test_rollout_waves import Clock, appfile, stamp

ROLLOUT = RolloutSettings(waves=("1", "100%"), pause=60, health_gate=600)


def test_a_center_ref_bump_reaches_one_app_first_at_the_same_commit(
    remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    center = new_remote(tmp_path, "platform")
    center.push({"definitions/stamp.yaml": stamp("1.0.0", "old")})
    files = {f"apps/{a}/vela.yaml": appfile(a, "") for a in APPS}
    commit = remote.push(files, remove=("apps/shop", "apps/blog"))
    shared = CapabilityCenterSettings(name="platform", url=str(center.bare))
    centers = Centers([shared], cache_dir=tmp_path / "centers", ttl=0)
    settings = RepositorySettings(name="acme", url=str(remote.bare), rollout=ROLLOUT)
    reconciler = make_reconciler(settings, cluster, tmp_path, centers=centers)
    reconciler.rollouts = Rollouts(ROLLOUT, clock=Clock())
    assert reconciler.run().ok
    center.push({"definitions/stamp.yaml": stamp("1.0.0", "new")})

    report = reconciler.run()

    assert report.ok and report.revision == commit  # the apps' commit did not move
    assert stamps(cluster) == {"a-1": "new", "b-2": "old", "c-3": "old"}
    rollout = reconciler.rollouts.rollout
    assert rollout is not None and rollout.members == APPS
    assert rollout.revision.startswith(f"{commit}+centers.")
    document = reconciler.rollouts.document()
    assert document is not None  # the same commit, two sets of definitions:
    assert len(document["appsByDefinitionsRevision"]) == 2
