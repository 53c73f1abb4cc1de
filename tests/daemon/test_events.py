"""Kubernetes Events for app outcomes, through the reconcile a daemon runs."""

from __future__ import annotations

import re
from typing import Any

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.daemon.events import MESSAGE_LIMIT, EventRecorder, event_message
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.model.status import AppStatus, Health, Reason, SyncState
from tests.daemon.conftest import GitRemote, appfile

NAMESPACE = "gitops-vela-system"
BROKEN = "name: shop\nnamespace: shop\nservices:\n  web:\n    image: [unclosed\n"


def events(cluster: Cluster, app: str) -> list[dict[str, Any]]:
    found = cluster.list_objects(cluster.resource("v1", "Event"), namespace=NAMESPACE)
    return sorted(
        (e for e in found if e["involvedObject"]["name"] == f"inventory.acme.{app}"),
        key=lambda e: str(e["metadata"]["name"]),
    )


def test_outcome_changes_are_events_and_quiet_polls_are_not(
    reconciler: RepositoryReconciler, remote: GitRemote, cluster: Cluster, emulator: Emulator
) -> None:
    assert reconciler.run().ok
    emulator.settle()  # the Pods run (the controllers take a few ticks, as on a cluster)
    created = events(cluster, "shop")[0]
    assert created["type"] == "Normal" and created["reason"] == "ReconciliationSucceeded"
    assert created["involvedObject"]["kind"] == "ConfigMap"
    assert created["involvedObject"]["namespace"] == NAMESPACE
    assert created["reportingComponent"] == "gitops-vela" and created["count"] == 1

    emulator.settle()  # the Pods' controllers finish (on a loaded machine, not by the next poll)
    assert reconciler.run().ok  # the rollout finished: Progressing -> Healthy is news
    before = len(events(cluster, "shop")), len(events(cluster, "blog"))
    assert reconciler.run().ok  # a quiet poll
    assert (len(events(cluster, "shop")), len(events(cluster, "blog"))) == before

    blog = len(events(cluster, "blog"))
    remote.push({"apps/shop/vela.yaml": BROKEN})
    reconciler.run()
    warning = events(cluster, "shop")[-1]
    assert warning["type"] == "Warning" and warning["reason"] == "BuildFailed"
    assert re.search(r"apps/shop/vela\.yaml:\d+: ", warning["message"]), warning["message"]
    assert "\n" not in warning["message"]

    remote.push({"apps/shop/vela.yaml": appfile("shop", replicas=2)})
    assert reconciler.run().ok
    recovered = events(cluster, "shop")[-1]
    assert recovered["type"] == "Normal" and recovered["reason"] == "ReconciliationSucceeded"
    assert len(events(cluster, "shop")) == before[0] + 2
    assert len(events(cluster, "blog")) == blog  # new commits, but nothing new for blog


def status(message: str, *, reason: Reason = Reason.APPLY_FAILED) -> AppStatus:
    return AppStatus(
        app="shop",
        revision="0123456789abcdef",
        last_applied_revision="",
        sync=SyncState.FAILED,
        health=Health.UNKNOWN,
        message=message,
        since="",
        reason=reason,
    )


def test_an_identical_event_is_counted_not_repeated(cluster: Cluster) -> None:
    recorder = EventRecorder(cluster, repo="acme", namespace="default")
    assert recorder.record(status("Deployment shop/web: denied"))
    assert recorder.record(status("Deployment shop/web: denied"))
    assert recorder.record(status("Deployment shop/web: other"))
    found = cluster.list_objects(cluster.resource("v1", "Event"), namespace="default")
    counts = sorted((e["message"].rsplit(": ", 1)[1], e["count"]) for e in found)
    assert counts == [("denied", 2), ("other", 1)]


def test_an_expired_event_is_created_anew(cluster: Cluster) -> None:
    recorder = EventRecorder(cluster, repo="acme", namespace="default")
    assert recorder.record(status("gone soon"))
    resource = cluster.resource("v1", "Event")
    [first] = cluster.list_objects(resource, namespace="default")
    cluster.delete(resource, namespace="default", name=first["metadata"]["name"])
    assert recorder.record(status("gone soon"))
    [second] = cluster.list_objects(resource, namespace="default")
    assert second["count"] == 1 and second["metadata"]["name"] != first["metadata"]["name"]


def test_a_refused_event_is_logged_and_does_not_raise(emulator: Emulator) -> None:
    with Cluster(emulator.client_configuration()) as cluster:
        recorder = EventRecorder(cluster, repo="acme", namespace="Not A Namespace!")
        assert not recorder.record(status("anything"))


def test_messages_are_one_bounded_line() -> None:
    text = event_message(status("first\nsecond   third " + "x" * 2000))
    assert "\n" not in text and len(text) == MESSAGE_LIMIT
    assert text.startswith("Failed/Unknown at 0123456789ab: first second third")


def test_events_the_cluster_refuses_never_fail_a_reconcile(
    reconciler: RepositoryReconciler, emulator: Emulator, cluster: Cluster
) -> None:
    emulator.faults.add(verb="create", resource="events", status=403)
    report = reconciler.run()
    assert report.ok and report.apps == 2 and report.status_committed
    assert events(cluster, "shop") == []
