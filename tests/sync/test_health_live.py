"""Health read from the cluster after apply, driven by the emulator's status controls."""

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.status import Health
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, deployment, service


def test_a_failing_deployment_makes_the_app_degraded(cluster: Cluster, emulator: Emulator) -> None:
    shop = app("shop", deployment("web"), service("web"))
    emulator.simulation.fail("Deployment", "web", namespace="shop")
    sync_apps(cluster, [shop])
    emulator.settle()

    result = sync_apps(cluster, [shop])

    report = result.apps[0].health
    assert report.health is Health.DEGRADED
    assert report.message.startswith("Deployment.apps/shop/web is Degraded")


def test_a_rolling_deployment_is_progressing_then_healthy(
    cluster: Cluster, emulator: Emulator
) -> None:
    shop = app("shop", deployment("web", replicas=2))
    emulator.simulation.progressing("Deployment", "web", namespace="shop")
    sync_apps(cluster, [shop])
    emulator.settle()
    assert sync_apps(cluster, [shop]).apps[0].health.health is Health.PROGRESSING

    emulator.simulation.healthy("Deployment", "web", namespace="shop")
    emulator.settle()
    assert sync_apps(cluster, [shop]).apps[0].health.health is Health.HEALTHY


def test_a_custom_kind_uses_its_definitions_health_policy(cluster: Cluster) -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "flag"},
        "data": {"ready": "no"},
    }
    shop = app("shop", cm)
    policy = "function(object) {healthy: object.data.ready == 'yes', message: 'flag is ' + object.data.ready}"
    with_policy = app("shop", cm, health_policies={shop.refs[0]: policy})
    result = sync_apps(cluster, [with_policy])
    report = result.apps[0].health
    assert report.health is Health.PROGRESSING and report.message.endswith("flag is no")
