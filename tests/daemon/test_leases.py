"""Leader election: one replica holds the Lease; others take over only when it lapses."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.leases import LeaseLock
from tests.daemon.conftest import GitRemote, StartDaemon, wait_for

NAMESPACE = "default"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def locks(cluster: Cluster, clock: Clock) -> Iterator[tuple[LeaseLock, LeaseLock]]:
    def lock(identity: str) -> LeaseLock:
        return LeaseLock(
            cluster, namespace=NAMESPACE, name="gv", identity=identity, duration=15, clock=clock
        )

    yield lock("a"), lock("b")


def holder(cluster: Cluster) -> str | None:
    lease = cluster.get(
        cluster.resource("coordination.k8s.io/v1", "Lease"), namespace=NAMESPACE, name="gv"
    )
    return None if lease is None else lease["spec"].get("holderIdentity")


def test_the_first_replica_takes_the_lease_and_keeps_renewing_it(
    locks: tuple[LeaseLock, LeaseLock], cluster: Cluster, clock: Clock
) -> None:
    a, b = locks
    assert a.try_acquire_or_renew() and holder(cluster) == "a"
    assert not b.try_acquire_or_renew()
    clock.now += timedelta(seconds=10)
    assert a.try_acquire_or_renew()
    clock.now += timedelta(seconds=10)  # 20 s after acquiring, 10 s after the renewal
    assert not b.try_acquire_or_renew() and holder(cluster) == "a"


def test_a_lapsed_lease_is_taken_over_and_the_old_holder_steps_down(
    locks: tuple[LeaseLock, LeaseLock], cluster: Cluster, clock: Clock
) -> None:
    a, b = locks
    assert a.try_acquire_or_renew()
    clock.now += timedelta(seconds=16)
    assert b.try_acquire_or_renew() and holder(cluster) == "b"
    assert not a.try_acquire_or_renew()
    lease = cluster.get(
        cluster.resource("coordination.k8s.io/v1", "Lease"), namespace=NAMESPACE, name="gv"
    )
    assert lease is not None and lease["spec"]["leaseTransitions"] == 1


def test_a_released_lease_is_free_at_once(
    locks: tuple[LeaseLock, LeaseLock], cluster: Cluster
) -> None:
    a, b = locks
    assert a.try_acquire_or_renew()
    a.release()
    assert holder(cluster) is None
    assert b.try_acquire_or_renew() and holder(cluster) == "b"


def test_two_daemons_one_leader_then_a_handover(
    remote: GitRemote, start_daemon: StartDaemon, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "repositories": [{"url": str(remote.bare), "interval": "1s"}],
                "leaderElection": {"enabled": True, "leaseDuration": "3s"},
            }
        )
    )
    first = start_daemon("--config", str(config), "--cache-dir", str(tmp_path / "c1"))
    wait_for(lambda: first.event("became the leader"), what="a leader")
    second = start_daemon("--config", str(config), "--cache-dir", str(tmp_path / "c2"))
    wait_for(lambda: first.http("/readyz")[0] == 200, what="the leader ready")
    code, text = second.http("/readyz")
    assert code == 503 and "standby" in text
    assert second.metric("gitops_vela_reconcile_total") == 0
    assert first.stop(signal.SIGTERM) == 0  # releases the Lease on the way out
    wait_for(lambda: second.event("became the leader"), timeout=15, what="the handover")
    wait_for(lambda: second.http("/readyz")[0] == 200, what="the new leader ready")
