"""A second apply of the same render sends no write and one list per kind (+2)."""

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, config_map, deployment, live, secret, service


def test_second_apply_sends_zero_writes(cluster: Cluster, emulator: Emulator) -> None:
    apps = [
        app(
            "shop",
            deployment("web"),
            service("web"),
            config_map("settings", a="1"),
            secret("db", pw="s3cr3t-pw"),
        ),
        app("blog", deployment("blog"), service("blog"), namespace="blog"),
    ]
    first = sync_apps(cluster, apps)
    assert first.ok
    emulator.settle()  # the deployment controller annotates the revision a tick later, as on a cluster
    before = live(cluster, "apps/v1", "Deployment", "web")
    emulator.counters.reset()

    second = sync_apps(cluster, apps)

    assert second.ok
    assert all(c.action is Action.UNCHANGED for a in second.apps for c in a.changes.changes)
    assert emulator.counters.writes == 0
    kinds = 4  # Deployment, Service, ConfigMap, Secret
    assert emulator.counters.count("list") <= kinds + 2
    after = live(cluster, "apps/v1", "Deployment", "web")
    assert before is not None and after is not None
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_server_defaults_and_normalised_values_are_not_drift(
    cluster: Cluster, emulator: Emulator
) -> None:
    web = deployment("web")
    container = web["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"limits": {"cpu": 0.5, "memory": "128Mi"}}
    shop = app("shop", web)
    assert sync_apps(cluster, [shop]).ok
    emulator.counters.reset()
    again = sync_apps(cluster, [shop])
    assert [c.action for c in again.apps[0].changes.changes] == [Action.UNCHANGED]
    assert emulator.counters.writes == 0
