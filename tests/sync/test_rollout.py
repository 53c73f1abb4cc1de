"""``wait_for_health`` on its own: several apps, a Degraded one ends the wait for all."""

from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.status import Health, Reason
from gitops_vela.sync import sync_apps
from gitops_vela.sync.rollout import wait_for_health
from tests.sync.conftest import app, deployment, service


def test_a_degraded_app_ends_the_wait_and_every_unhealthy_app_is_named(
    cluster: Cluster, emulator: Emulator
) -> None:
    shop = app("shop", deployment("web"), service("web"))
    blog = app("blog", deployment("site"), namespace="blog")
    docs = app("docs", service("docs"), namespace="docs")
    emulator.simulation.fail("Deployment", "web", namespace="shop")
    emulator.simulation.progressing("Deployment", "site", namespace="blog")
    applied = sync_apps(cluster, [shop, blog, docs])
    assert applied.ok
    emulator.settle()  # the controllers have made the Pods (blog's stay ContainerCreating)

    # A timeout no test would sit through: the Degraded Deployment must end the wait.
    waited = wait_for_health(cluster, applied, [shop, blog, docs], timeout=600)

    by_name = {a.app: a for a in waited.apps}
    assert by_name["shop"].health.health is Health.DEGRADED
    assert by_name["shop"].errors[0].startswith("Deployment.apps/shop/web is Degraded:")
    assert by_name["blog"].errors == (
        "Deployment.apps/blog/site is Progressing when the wait stopped:"
        " 0 of 1 updated replicas available",
    )
    assert by_name["docs"].ok and by_name["docs"].health.health is Health.HEALTHY
    assert {a.reason for a in waited.apps if not a.ok} == {Reason.HEALTH_CHECK_FAILED}


def test_an_app_that_failed_to_apply_is_not_waited_on(cluster: Cluster) -> None:
    shop = app("shop", deployment("web"))
    clash = app("clash", deployment("web"))  # the same object: fails on the second app
    applied = sync_apps(cluster, [shop, clash])
    assert not applied.ok

    assert wait_for_health(cluster, applied, [shop, clash], timeout=600) is applied
