"""Issue #17's proof through ``gitops-vela run``: with ``pause: 5s`` the emulator's objects show
1, then 2, then 10, then 20 apps changed, in that order, and the pinned app never moves."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from gitops_vela.cluster import Cluster
from tests.daemon.conftest import GitRemote, StartDaemon, get, wait_for
from tests.daemon.test_rollout_waves import TIERS, appfile, stamp


def changed(cluster: Cluster) -> dict[str, int]:
    """Apps whose Deployment carries the new stamp, with its generation."""
    out = {}
    for app in [*TIERS, "pinned"]:
        found = get(cluster, "Deployment", app, "web")
        metadata = (found or {}).get("spec", {}).get("template", {}).get("metadata", {})
        if (metadata.get("annotations") or {}).get("stamp") == "new":
            out[app] = int(found["metadata"]["generation"]) if found else 0
    return out


@pytest.mark.slow
def test_the_daemon_rolls_a_trait_change_out_in_waves_five_seconds_apart(
    start_daemon: StartDaemon, remote: GitRemote, cluster: Cluster, tmp_path: Path
) -> None:
    files = {f"apps/{name}/vela.yaml": appfile(name, tier) for name, tier in TIERS.items()}
    files["apps/pinned/vela.yaml"] = appfile("pinned", "0", trait="stamp@1")
    files["definitions/stamp-1.yaml"] = stamp("1.0.0", "one")
    files["definitions/stamp-2.yaml"] = stamp("2.0.0", "old")
    remote.push(files, remove=("apps/shop", "apps/blog"))
    config = tmp_path / "config.yaml"
    rollout = {"waves": ["1", "10%", "50%", "100%"], "pause": "5s", "healthGate": "60s"}
    repo = {"name": "acme", "url": str(remote.bare), "interval": "1s", "rollout": rollout}
    config.write_text(yaml.safe_dump({"repositories": [repo]}))
    start_daemon("--config", str(config))
    wait_for(lambda: get(cluster, "Deployment", "pinned", "web"), what="the first sync")
    pinned = get(cluster, "Deployment", "pinned", "web")
    assert pinned is not None

    remote.push({"definitions/stamp-2.yaml": stamp("2.0.0", "new")})
    counts: list[int] = []
    seen: list[set[str]] = []
    at: list[float] = []
    started = time.monotonic()
    while time.monotonic() - started < 90 and (not counts or counts[-1] < 20):
        now = set(changed(cluster))
        if now and (not counts or len(now) != counts[-1]):
            counts.append(len(now))
            seen.append(now)
            at.append(time.monotonic())
        time.sleep(0.2)

    # A wave's apps land within one sync, which a sample may catch half done (8 of 10):
    # what must hold is that each wave's count is reached, in order, and that the next
    # wave starts only after the pause.
    waves = [1, 2, 10, 20]
    assert counts == sorted(counts) and set(waves) <= set(counts), counts
    for wave in waves[:-1]:
        reached = at[counts.index(wave)]
        beyond = next(t for c, t in zip(counts, at, strict=True) if c > wave)
        assert beyond - reached >= 4.0, (counts, at)  # the 5 s pause (sampled every 0.2 s)
    assert seen[0] == {"canary"} and seen[1] == {"canary", "early-0"}  # tier 0, then tier 1
    assert {f"early-{i}" for i in range(4)} < seen[counts.index(10)]
    final = changed(cluster)
    assert "canary" in final and set(final) == set(TIERS)  # the pinned app is never touched
    assert all(generation == 2 for generation in final.values()), final
    after = get(cluster, "Deployment", "pinned", "web")
    assert after is not None
    assert after["metadata"]["generation"] == pinned["metadata"]["generation"]
    assert wait_for(lambda: remote.status_file("canary"), what="status") is not None
