"""Only what changed is sent: a Git change is one write; a change made live is corrected."""

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, config_map, deployment, live, service


def test_changing_one_object_in_git_sends_exactly_one_write(
    cluster: Cluster, emulator: Emulator
) -> None:
    assert sync_apps(
        cluster, [app("shop", deployment("web"), service("web"), config_map("c", a="1"))]
    ).ok
    emulator.counters.reset()

    result = sync_apps(
        cluster,
        [
            app(
                "shop",
                deployment("web", image="nginx:1.26"),
                service("web"),
                config_map("c", a="1"),
            )
        ],
    )

    actions = {c.ref.kind: (c.action, c.reason) for c in result.apps[0].changes.changes}
    assert actions["Deployment"] == (Action.CONFIGURED, "changed in Git")
    assert actions["Service"][0] is actions["ConfigMap"][0] is Action.UNCHANGED
    assert emulator.counters.writes == 1
    web = live(cluster, "apps/v1", "Deployment", "web")
    assert (
        web is not None
        and web["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    )


def test_a_scaled_deployment_is_detected_and_put_back(cluster: Cluster) -> None:
    shop = app("shop", deployment("web", replicas=3))
    assert sync_apps(cluster, [shop]).ok
    resource = cluster.resource("apps/v1", "Deployment")
    cluster.transport.request(  # what `kubectl scale --replicas=1` does
        "PATCH",
        resource.path("shop", "web"),
        verb="patch",
        body={"spec": {"replicas": 1}},
        content_type="application/merge-patch+json",
    )

    result = sync_apps(cluster, [shop])

    (change,) = result.apps[0].changes.changes
    assert (change.action, change.reason) == (
        Action.CONFIGURED,
        "spec.replicas drifted in the cluster",
    )
    web = live(cluster, "apps/v1", "Deployment", "web")
    assert web is not None and web["spec"]["replicas"] == 3


def test_fields_someone_else_added_are_not_drift(cluster: Cluster, emulator: Emulator) -> None:
    shop = app("shop", config_map("c", a="1"))
    assert sync_apps(cluster, [shop]).ok
    resource = cluster.resource("v1", "ConfigMap")
    cluster.transport.request(
        "PATCH",
        resource.path("shop", "c"),
        verb="patch",
        body={"metadata": {"annotations": {"team": "x"}}},
        content_type="application/merge-patch+json",
    )
    emulator.counters.reset()
    result = sync_apps(cluster, [shop])
    assert result.apps[0].changes.changes[0].action is Action.UNCHANGED
    assert emulator.counters.writes == 0
