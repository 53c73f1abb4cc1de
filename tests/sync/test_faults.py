"""Faults: 5xx, 429 and dropped connections are retried (Retry-After honoured); one failing
object does not stop the others; a re-run converges."""

import re
import time

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster, RetryPolicy
from gitops_vela.errors import ClusterUnreachable
from gitops_vela.model.changes import Action
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, config_map, deployment, live, service


def test_unavailable_and_throttled_requests_are_retried_after_the_servers_delay(
    cluster: Cluster, emulator: Emulator
) -> None:
    slept: list[float] = []
    cluster.transport.sleep = slept.append
    emulator.faults.add(verb="patch", resource="deployments", status=503, retry_after=2, times=2)
    emulator.faults.add(verb="list", resource="services", status=429, retry_after=1, times=1)

    result = sync_apps(cluster, [app("shop", deployment("web"), service("web"))])

    assert result.ok, result.apps[0].errors
    assert sorted(slept) == [1.0, 2.0, 2.0]
    assert emulator.counters.count("patch", "deployments") == 3


def test_a_dropped_connection_is_retried(cluster: Cluster, emulator: Emulator) -> None:
    emulator.faults.add(verb="list", resource="configmaps", drop=True, times=1)
    assert sync_apps(cluster, [app("shop", config_map("c", a="1"))]).ok


def test_one_failing_object_does_not_stop_the_others_and_a_rerun_converges(
    cluster: Cluster, emulator: Emulator
) -> None:
    emulator.faults.add(verb="patch", resource="configmaps", name="bad", status=500)
    shop = app("shop", config_map("good", a="1"), config_map("bad", a="2"), service("web"))

    first = sync_apps(cluster, [shop])

    actions = {c.ref.name: c.action for c in first.apps[0].changes.changes}
    assert actions == {"good": Action.CREATED, "bad": Action.FAILED, "web": Action.CREATED}
    (error,) = first.apps[0].errors
    assert error.startswith("ConfigMap/shop/bad: ") and "injected fault" in error
    emulator.faults.clear()

    second = sync_apps(cluster, [shop])

    assert second.ok
    assert {c.ref.name: c.action for c in second.apps[0].changes.changes} == {
        "good": Action.UNCHANGED,
        "bad": Action.CREATED,
        "web": Action.UNCHANGED,
    }
    assert live(cluster, "v1", "ConfigMap", "bad") is not None


def test_an_unreachable_cluster_is_reported_as_such(emulator: Emulator) -> None:
    configuration = emulator.client_configuration()
    configuration.host = "http://127.0.0.1:9"  # discard port: nothing listens
    fast = RetryPolicy(attempts=2, base=0.01, cap=0.01, timeout=2)
    with (
        Cluster(configuration, retry=fast) as client,
        pytest.raises(
            ClusterUnreachable,
            match=re.escape("cannot reach the Kubernetes API at http://127.0.0.1:9"),
        ) as raised,
    ):
        sync_apps(client, [app("shop", service("web"))])
    # one short line, without urllib3's repeat of the host and its errno
    assert str(raised.value).endswith("http://127.0.0.1:9: connection refused"), raised.value


def test_a_request_that_times_out_is_retried(emulator: Emulator) -> None:
    # On the object, not on the inventory written ahead of it: the slow request is
    # still handled after the client gave up, and must not land in the next test.
    emulator.faults.add(verb="patch", resource="configmaps", name="slow", latency=1.0, times=1)
    quick = RetryPolicy(attempts=3, base=0.01, cap=0.01, timeout=0.3)
    with Cluster(emulator.client_configuration(), retry=quick) as client:
        result = sync_apps(client, [app("shop", config_map("slow", a="1"))])
    assert result.ok, result.apps[0].errors
    assert emulator.counters.count("patch", "configmaps") >= 2
    time.sleep(1.0)  # the abandoned request ends inside this test, not in the next one
