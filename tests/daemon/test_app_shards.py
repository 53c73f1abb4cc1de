"""Apps of one repository across replicas (``leaderElection.appShards``): buckets, claims,
the hand-over rule, and one reconciler rendering, applying, pruning and reporting its share."""

from __future__ import annotations

import random
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.shards import (
    Sharding,
    Share,
    Unit,
    assign,
    bucket_of,
    decode_claims,
    encode_claims,
    share_of,
    units_of,
)
from gitops_vela.model.status import Reason
from gitops_vela.settings import RepositorySettings
from tests.daemon.conftest import GitRemote, appfile, init_remote, make_reconciler, replicas

APPS = [f"app-{i:03d}" for i in range(600)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def sharding(
    cluster: Cluster,
    identity: str,
    clock: Clock,
    *,
    repos: tuple[str, ...] = ("mono",),
    app_shards: int = 8,
    whole: frozenset[str] = frozenset(),
) -> Sharding:
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
        app_shards=app_shards,
        split=lambda repo: repo not in whole,
    )


def owners_of(shares: dict[str, Share], apps: list[str]) -> dict[str, list[str]]:
    return {app: [who for who, share in shares.items() if share.owns(app)] for app in apps}


# ---------------------------------------------------------------------- buckets and shares


def test_every_app_belongs_to_exactly_one_members_share() -> None:
    members, units = ["a", "b", "c"], units_of("mono", 64)
    owner = assign(members, [u.key for u in units])
    shares = {m: share_of("mono", [u for u in units if owner[u.key] == m]) for m in members}
    found = owners_of(shares, APPS)
    assert all(len(who) == 1 for who in found.values())
    counts = Counter(who[0] for who in found.values())
    assert all(len(APPS) * 0.2 <= counts[m] <= len(APPS) * 0.45 for m in members), counts


def test_a_member_joining_moves_only_the_buckets_it_gains() -> None:
    units = [u.key for u in units_of("mono", 64)]
    before, after = assign(["a", "b"], units), assign(["a", "b", "c"], units)
    moved = {u for u in units if before[u] != after[u]}
    assert moved and all(after[u] == "c" for u in moved)


def test_the_whole_share_owns_every_app_and_buckets_are_stable() -> None:
    assert all(Share("mono").owns(app) for app in APPS[:50])
    assert Share("mono", 4, frozenset(range(4))).whole
    assert bucket_of("mono", "shop", 8) == bucket_of("mono", "shop", 8)
    assert len({bucket_of("mono", app, 8) for app in APPS}) == 8
    assert units_of("mono", 1) == units_of("mono", 0) == (Unit("mono"),)
    half = Share("mono", 8, frozenset({0, 1, 2, 3}))
    assert half.key == "8:0,1,2,3" and Share("mono").key == ""


def test_claims_are_written_and_read_back() -> None:
    claimed = {Unit("mono", 0, 12), Unit("mono", 11, 12), Unit("shop", 3, 12)}
    text = encode_claims(claimed)
    assert decode_claims(text, 12) == claimed
    assert decode_claims("not json", 12) == set() and decode_claims(text, 0) == set()


# ---------------------------------------------------------------------- the hand-over rule


def test_a_bucket_moves_only_after_the_run_in_flight_ended(cluster: Cluster) -> None:
    clock = Clock()
    a = sharding(cluster, "a", clock)
    a.step(), a.step()  # claim, then see the claim uncontested
    assert a.units == set(units_of("mono", 8)) and a.share("mono").whole
    b = sharding(cluster, "b", clock)
    b_units = {u for u in units_of("mono", 8) if assign(["a", "b"], [u.key])[u.key] == "b"}
    assert b_units

    inside, finish, shares = threading.Event(), threading.Event(), []

    def slow(name: str, share: Share) -> bool:
        shares.append(share)
        inside.set()
        return finish.wait(10)

    flight = threading.Thread(target=a.guard(slow), args=("mono",))
    flight.start()
    try:
        assert inside.wait(10)
        b.step()  # sees a's claims: waits
        a.step()  # learns about b: stops b's buckets, keeps claiming them while running
        assert a.units == set(units_of("mono", 8)) - b_units
        for _ in range(3):
            b.step()
            assert b.units == set()  # the run in flight still has them
    finally:
        finish.set()
        flight.join(10)
    assert shares == [Share("mono", 8, frozenset(range(8)))]
    a.step()  # the run ended: the claims go with this renewal
    b.step(), b.step()  # claim, then hold
    assert b.units == b_units and a.units.isdisjoint(b.units)
    assert a.share("mono").owns("x") != b.share("mono").owns("x")


def test_replicas_that_step_in_any_order_never_hold_a_bucket_twice(cluster: Cluster) -> None:
    clock, rng = Clock(), random.Random(7)
    names = ["a", "b", "c"]
    group = {n: sharding(cluster, n, clock, app_shards=16) for n in names}
    live = set(names)
    for turn in range(90):
        name = rng.choice(sorted(live))
        group[name].step()
        if turn == 40:  # one leaves; later it comes back
            group["c"].stop()
            live.discard("c")
        if turn == 60:
            group["c"] = sharding(cluster, "c", clock, app_shards=16)
            live.add("c")
        kept = {n: group[n].units | group[n]._draining for n in live}
        for one in live:
            for other in live - {one}:
                assert group[one].units.isdisjoint(kept[other]), (turn, one, other)
    for _ in range(4):  # settle: every bucket held by someone
        for name in sorted(live):
            group[name].step()
    held = [u for n in live for u in group[n].units]
    assert sorted(held) == sorted(units_of("mono", 16))


def test_a_silent_replicas_buckets_are_taken_only_after_its_membership_expired(
    cluster: Cluster,
) -> None:
    clock = Clock()
    a, b = sharding(cluster, "a", clock), sharding(cluster, "b", clock)
    for _ in range(3):
        a.step(), b.step()
    assert a.units and b.units and len(a.units | b.units) == 8
    clock.now += timedelta(seconds=10)
    b.step(), b.step()  # a is silent, its membership (and so its claims) still runs
    assert len(b.units) < 8
    clock.now += timedelta(seconds=6)
    b.step(), b.step()  # expired: claim, then hold
    assert b.units == set(units_of("mono", 8))


def test_replicas_that_disagree_on_app_shards_take_nothing(cluster: Cluster) -> None:
    clock = Clock()
    a = sharding(cluster, "a", clock, app_shards=8)
    a.step(), a.step()
    assert a.units
    b = sharding(cluster, "b", clock, app_shards=0)  # an older config, or an older version
    b.step()
    assert b.disagreeing == ("a",) and b.units == set()
    a.step()
    assert a.disagreeing == ("b",) and a.units == set()
    b.stop()
    a.step(), a.step()
    assert a.units == set(units_of("mono", 8))


def test_a_repository_with_a_rollout_is_handed_over_whole(cluster: Cluster) -> None:
    clock = Clock()
    a = sharding(cluster, "a", clock, repos=("mono", "waves"), whole=frozenset({"waves"}))
    a.step(), a.step()
    assert Unit("waves") in a.units and a.share("waves").whole
    assert {u for u in a.units if u.repository == "mono"} == set(units_of("mono", 8))


# ---------------------------------------------------------------------- one replica's share


def mono(tmp_path: Path, count: int = 12) -> GitRemote:
    files = {f"apps/app-{i:02d}/vela.yaml": appfile(f"app-{i:02d}") for i in range(count)}
    return init_remote(tmp_path / "mono.git", tmp_path / "mono-work", files)


def halves(count: int = 4) -> tuple[Share, Share]:
    return (
        Share("mono", count, frozenset(range(0, count, 2))),
        Share("mono", count, frozenset(range(1, count, 2))),
    )


def test_a_replica_renders_applies_and_reports_only_its_share(
    cluster: Cluster, tmp_path: Path
) -> None:
    remote = mono(tmp_path)
    apps = [f"app-{i:02d}" for i in range(12)]
    settings = RepositorySettings(name="mono", url=remote.url)
    one, two = (make_reconciler(settings, cluster, tmp_path, cache=f"c{i}") for i in (1, 2))
    first, second = halves()

    report = one.run(first)
    assert report.ok and report.rendered_apps == sum(first.owns(a) for a in apps)
    assert {a for a in apps if replicas(cluster, a) is not None} == set(filter(first.owns, apps))
    assert set(remote.status_files()) == {"README.md"} | {
        f"apps/{a}.yaml" for a in apps if first.owns(a)
    }

    assert two.run(second).ok
    assert all(replicas(cluster, a) == 1 for a in apps)
    assert set(remote.status_files()) == {"README.md"} | {f"apps/{a}.yaml" for a in apps}

    # A commit to one app is rendered by its owner only (incremental, per share).
    changed = next(a for a in apps if second.owns(a))
    remote.push({f"apps/{changed}/vela.yaml": appfile(changed, replicas=3)})
    assert one.run(first).rendered_apps == 0
    assert two.run(second).rendered_apps == 1
    assert replicas(cluster, changed) == 3


def test_an_app_removed_from_git_is_pruned_by_its_owner_only(
    cluster: Cluster, tmp_path: Path
) -> None:
    remote = mono(tmp_path)
    settings = RepositorySettings(name="mono", url=remote.url, prune_limit=None)
    one, two = (make_reconciler(settings, cluster, tmp_path, cache=f"c{i}") for i in (1, 2))
    first, second = halves()
    assert one.run(first).ok and two.run(second).ok
    gone = next(f"app-{i:02d}" for i in range(12) if second.owns(f"app-{i:02d}"))
    remote.push({}, remove=(f"apps/{gone}",))

    assert one.run(first).ok
    assert replicas(cluster, gone) == 1  # not first's to prune
    assert remote.status_file(gone) is not None  # nor its status file to delete
    assert two.run(second).ok
    assert replicas(cluster, gone) is None
    assert remote.status_file(gone) is None
    assert all(replicas(cluster, f"app-{i:02d}") == 1 for i in range(12) if f"app-{i:02d}" != gone)


def test_the_empty_render_guard_judges_a_replicas_own_share(
    cluster: Cluster, tmp_path: Path
) -> None:
    remote = mono(tmp_path)
    settings = RepositorySettings(name="mono", url=remote.url, prune_limit=None)
    one, two = (make_reconciler(settings, cluster, tmp_path, cache=f"c{i}") for i in (1, 2))
    first, second = halves()
    assert one.run(first).ok and two.run(second).ok
    mine = [f"app-{i:02d}" for i in range(12) if second.owns(f"app-{i:02d}")]
    remote.push({}, remove=tuple(f"apps/{app}" for app in mine))

    assert one.run(first).ok  # its share is whole: nothing to judge
    report = two.run(second)
    assert report.reason is Reason.PRUNE_FAILED
    assert all(replicas(cluster, app) == 1 for app in mine)  # refused: nothing pruned
    status = remote.status_file(mine[0])
    assert status is not None and "renders no apps" in status["message"]


def test_a_replica_gaining_buckets_renders_them_afresh(cluster: Cluster, tmp_path: Path) -> None:
    remote = mono(tmp_path)
    apps = [f"app-{i:02d}" for i in range(12)]
    one = make_reconciler(RepositorySettings(name="mono", url=remote.url), cluster, tmp_path)
    first, _ = halves()
    assert one.run(first).ok
    report = one.run(Share("mono", 4, frozenset(range(4))))  # the other replica left
    assert report.ok and report.rendered_apps == len(apps) and report.apps == len(apps)
    assert all(replicas(cluster, a) == 1 for a in apps)


def test_apps_given_away_leave_this_replicas_metrics(cluster: Cluster, tmp_path: Path) -> None:
    remote = mono(tmp_path)
    apps = [f"app-{i:02d}" for i in range(12)]
    one = make_reconciler(RepositorySettings(name="mono", url=remote.url), cluster, tmp_path)

    def exported() -> set[str]:
        registry = one.metrics.registry
        return {
            app
            for app in apps
            if registry.get_sample_value("gitops_vela_app_synced", {"repo": "mono", "app": app})
            is not None
        }

    assert one.run(Share("mono", 4, frozenset(range(4)))).ok
    assert exported() == set(apps)
    first, _ = halves()
    assert one.run(first).ok  # another replica joined and took the other half
    assert exported() == set(filter(first.owns, apps))


def test_a_repository_split_on_one_replica_and_whole_on_another_is_never_run_by_both(
    cluster: Cluster,
) -> None:
    """``rollout:`` added to a sharded repository reaches the replicas one by one."""
    clock = Clock()
    a = sharding(cluster, "a", clock)
    a.step(), a.step()
    assert a.units == set(units_of("mono", 8))
    b = sharding(cluster, "b", clock, whole=frozenset({"mono"}))  # b has the new config

    def exclusive() -> None:
        if Unit("mono") in b.units | b._pending:
            assert not a.units, "b may hold the whole repository only once a claims nothing"
        if Unit("mono") in a.units:
            assert not b.units

    for _ in range(4):
        b.step(), exclusive(), a.step(), exclusive()
    a._split = lambda repo: repo != "mono"  # a reloads the new config too
    for _ in range(4):
        a.step(), exclusive(), b.step(), exclusive()
    held = [u for s in (a, b) for u in s.units]
    assert held == [Unit("mono")]
