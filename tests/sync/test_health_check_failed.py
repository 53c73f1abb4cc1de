"""A healthPolicy that cannot be evaluated fails the app's health stage (HealthCheckFailed)."""

from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.model import labels
from gitops_vela.model.objects import ObjectRef
from gitops_vela.model.rendered import RenderedApp
from gitops_vela.model.status import Health, Reason, SyncState
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, deployment

BROKEN = "function(object) object.status.nope"
UNHEALTHY = "function(object) {healthy: false, message: 'waiting for the rollout'}"


def _with_policy(policy: str) -> RenderedApp:
    web: dict[str, Any] = deployment("web")
    web["metadata"]["labels"] = {labels.WORKLOAD_TYPE: "tiered"}
    ref = ObjectRef("apps", "Deployment", "shop", "web")
    return app("shop", web, health_policies={ref: policy})


def test_a_policy_that_fails_to_evaluate_makes_the_reason_health_check_failed(
    cluster: Cluster,
) -> None:
    result = sync_apps(cluster, [_with_policy(BROKEN)])

    (outcome,) = result.apps
    assert outcome.reason is Reason.HEALTH_CHECK_FAILED and not outcome.ok
    assert outcome.sync is SyncState.SYNCED  # the objects were applied
    assert outcome.health.health is Health.UNKNOWN
    (error,) = outcome.errors
    assert error.startswith(
        "Deployment.apps/shop/web: healthPolicy for Deployment web (definition 'tiered') failed: "
    )
    assert outcome.message == error


def test_a_policy_returning_the_wrong_shape_fails_the_health_check(cluster: Cluster) -> None:
    result = sync_apps(cluster, [_with_policy("function(object) {ok: true}")])

    (outcome,) = result.apps
    assert outcome.reason is Reason.HEALTH_CHECK_FAILED
    assert "must return {healthy: bool, message: string}" in outcome.errors[0]


def test_an_unhealthy_verdict_is_not_a_failed_check(cluster: Cluster) -> None:
    result = sync_apps(cluster, [_with_policy(UNHEALTHY)])

    (outcome,) = result.apps
    assert outcome.reason is Reason.SUCCEEDED and outcome.errors == ()
    assert outcome.health.health is Health.PROGRESSING
