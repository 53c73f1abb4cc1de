"""Sharding: rendezvous assignment, the Lease hand-over rule, two daemons sharing the work."""

from __future__ import annotations

import signal
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.shards import Sharding, Share, assign, lease_name, owner
from gitops_vela.errors import ConfigError
from gitops_vela.settings import load_config_file
from tests.daemon.conftest import (
    DaemonProcess,
    GitRemote,
    StartDaemon,
    appfile,
    init_remote,
    wait_for,
)

REPOS = [f"repo-{i}" for i in range(1000)]
MEMBERS = ["pod-a_1", "pod-b_1", "pod-c_1", "pod-d_1", "pod-e_1"]


def test_assignment_is_stable_and_independent_of_order() -> None:
    first = assign(MEMBERS, REPOS)
    assert first == assign(list(reversed(MEMBERS)), REPOS)
    assert set(first.values()) == set(MEMBERS)
    assert owner([], "shop") is None


def test_assignment_is_balanced_within_reason() -> None:
    counts = Counter(assign(MEMBERS, REPOS).values())
    assert all(140 <= counts[m] <= 260 for m in MEMBERS), counts  # 200 each on average


def test_a_member_joining_takes_only_its_share() -> None:
    before = assign(MEMBERS, REPOS)
    after = assign([*MEMBERS, "pod-f_1"], REPOS)
    moved = {r for r in REPOS if before[r] != after[r]}
    assert moved and all(after[r] == "pod-f_1" for r in moved)
    assert 100 <= len(moved) <= 240  # about a sixth


def test_a_member_leaving_gives_away_only_its_own() -> None:
    before = assign(MEMBERS, REPOS)
    after = assign(MEMBERS[1:], REPOS)
    moved = {r for r in REPOS if before[r] != after[r]}
    assert moved == {r for r in REPOS if before[r] == "pod-a_1"}


def test_lease_names_are_valid_and_distinct() -> None:
    names = {lease_name("gitops-vela", "repo", r) for r in ("Shop", "shop", "a_b", "ü")}
    assert len(names) == 4
    assert all(n == n.lower() and len(n) < 100 and "_" not in n for n in names)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def sharding(cluster: Cluster, identity: str, repos: list[str], clock: Clock) -> Sharding:
    return Sharding(
        cluster,
        namespace="default",
        prefix="gv",
        identity=identity,
        duration=15,
        repositories=lambda: repos,
        on_change=lambda held: None,
        renew_every=1,
        clock=clock,
    )


def test_a_new_owner_waits_for_the_previous_one_to_release(cluster: Cluster) -> None:
    clock, repos = Clock(), [f"r{i}" for i in range(12)]
    a = sharding(cluster, "a", repos, clock)
    a.step()
    assert a.held == set(repos) and a.computed
    b = sharding(cluster, "b", repos, clock)
    b_share = {r for r, o in assign(["a", "b"], repos).items() if o == "b"}
    assert b_share  # 12 repositories: both get some
    b.step()
    assert b.held == set()  # assigned, but a still holds every repository Lease

    # A run of one of b's repositories is in flight on a while a learns about b.
    busy, inside, finish = next(iter(b_share)), threading.Event(), threading.Event()
    runs: list[str] = []

    def slow(name: str, share: Share) -> bool:
        assert share.whole  # no appShards: a repository is one unit
        runs.append(name)
        inside.set()
        return finish.wait(10)

    flight = threading.Thread(target=a.guard(slow), args=(busy,))
    flight.start()
    assert inside.wait(10)
    a.step()  # stops b's share at once, releases all but the one still running
    assert a.held == set(repos) - b_share
    assert a.guard(slow)(busy) and runs == [busy]  # a starts no new run of it
    b.step()
    assert b.held == b_share - {busy}
    finish.set()
    flight.join(10)
    a.step()  # the run ended: now its Lease is released
    b.step()
    assert b.held == b_share and a.held.isdisjoint(b.held)
    assert a.held | b.held == set(repos)


def test_leaving_releases_everything_at_once(cluster: Cluster) -> None:
    clock, repos = Clock(), ["r1", "r2", "r3"]
    a, b = sharding(cluster, "a", repos, clock), sharding(cluster, "b", repos, clock)
    a.step(), b.step(), a.step(), b.step()
    a.stop()
    b.step()
    assert b.members == ("b",) and b.held == set(repos)


def test_a_member_that_stops_renewing_is_taken_over_after_its_lease_expires(
    cluster: Cluster,
) -> None:
    clock, repos = Clock(), [f"r{i}" for i in range(6)]
    a, b = sharding(cluster, "a", repos, clock), sharding(cluster, "b", repos, clock)
    a.step(), b.step(), a.step(), b.step()
    assert a.held | b.held == set(repos) and a.held and b.held
    clock.now += timedelta(seconds=10)
    b.step()  # a is silent but its Leases still run
    assert b.held != set(repos)
    clock.now += timedelta(seconds=6)
    b.step()  # a's membership expired: b owns all; a's repository Leases expired too
    assert b.held == set(repos)


def test_two_daemons_share_two_repositories_then_one_takes_over(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path, cluster: Cluster
) -> None:
    other = second_remote(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repositories": [
                    {"name": "alpha", "url": str(remote.bare), "interval": "1s"},
                    {"name": "beta", "url": str(other), "interval": "1s"},
                ],
                "leaderElection": {"mode": "shard", "leaseDuration": "3s"},
            }
        )
    )
    one = start_daemon("--config", str(config), "--cache-dir", str(tmp_path / "c1"))
    two = start_daemon("--config", str(config), "--cache-dir", str(tmp_path / "c2"))
    daemons = (one, two)
    wait_for(lambda: all(d.http("/readyz")[0] == 200 for d in daemons), what="both ready")
    wait_for(lambda: settled(daemons), timeout=20, what="a shard each, together covering both")

    before = [runs(d) for d in daemons]
    wait_for(
        lambda: all(runs(d)[r] > before[i][r] for i, d in enumerate(daemons) for r in shard(d)),
        what="every owned repository reconciled again",
    )
    after = [runs(d) for d in daemons]
    for repo in ("alpha", "beta"):
        busy = [i for i in range(2) if after[i][repo] > before[i][repo]]
        assert len(busy) == 1, (repo, before, after)

    leases = cluster.resource("coordination.k8s.io/v1", "Lease")
    for daemon in daemons:
        joined = next(e for e in daemon.events() if e.get("event") == "joining the shard group")
        for repo in shard(daemon):
            lease = cluster.get(
                leases, namespace="gitops-vela-system", name=lease_name("gitops-vela", "repo", repo)
            )
            assert lease is not None and lease["spec"]["holderIdentity"] == joined["identity"]

    leaving = one if shard(one) else two
    staying = two if leaving is one else one
    assert leaving.stop(signal.SIGTERM) == 0
    base = runs(staying)
    wait_for(
        lambda: all(runs(staying)[r] > base[r] for r in ("alpha", "beta")),
        timeout=15,
        what="the staying replica reconciling both",
    )


def second_remote(tmp_path: Path) -> Path:
    files = {"apps/wiki/vela.yaml": appfile("wiki")}
    return init_remote(tmp_path / "beta.git", tmp_path / "beta-work", files).bare


def shard(daemon: DaemonProcess) -> set[str]:
    changes = [e for e in daemon.events() if e.get("event") == "shard changed"]
    return set(changes[-1]["repositories"]) if changes else set()


def settled(daemons: tuple[DaemonProcess, DaemonProcess]) -> bool:
    """Both see two members and their shards split the repositories."""
    for daemon in daemons:
        seen = [e for e in daemon.events() if e.get("event") == "shard members changed"]
        if not seen or len(seen[-1]["members"]) != 2:
            return False
    one, two = (shard(d) for d in daemons)
    return one | two == {"alpha", "beta"} and not one & two


def runs(daemon: DaemonProcess) -> dict[str, float]:
    return {r: daemon.metric("gitops_vela_reconcile_total", repo=r) for r in ("alpha", "beta")}


def test_shard_mode_is_read_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("repositories: [{url: /srv/a.git}]\nleaderElection: {mode: shard}\n")
    election = load_config_file(path, environ={}).leader_election
    assert election.enabled and election.mode == "shard"
    assert election.app_shards == 0  # whole repositories unless asked
    path.write_text(
        "repositories: [{url: /srv/a.git}]\nleaderElection: {mode: shard, appShards: 256}\n"
    )
    assert load_config_file(path, environ={}).leader_election.app_shards == 256
    path.write_text("repositories: [{url: /srv/a.git}]\nleaderElection: {appShards: 4096}\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path, environ={})
    assert f"{path}:2: leaderElection.appShards: " in str(caught.value)
    path.write_text("repositories: [{url: /srv/a.git}]\nleaderElection: {mode: shards}\n")
    with pytest.raises(ConfigError) as caught:
        load_config_file(path, environ={})
    assert f"{path}:2: leaderElection.mode: " in str(caught.value)


def test_a_replica_that_cannot_reach_its_leases_has_no_shard(
    cluster: Cluster, emulator: Emulator
) -> None:
    a = sharding(cluster, "a", ["r1"], Clock())
    emulator.faults.add(resource="leases", status=403)
    a.step()
    assert not a.computed and a.held == set()
    emulator.faults.clear()
    a.step()
    assert a.computed and a.held == {"r1"}
