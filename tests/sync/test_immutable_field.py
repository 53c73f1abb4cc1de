"""An immutable field names the object and field, and says how to opt into recreate."""

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import RECREATE_ANNOTATION
from gitops_vela.model.status import Reason
from gitops_vela.sync import sync_apps
from tests.sync.conftest import app, deployment, live


def _relabelled(name: str) -> dict[str, object]:
    web = deployment(name)
    web["spec"]["selector"] = {"matchLabels": {"app": name, "tier": "front"}}
    web["spec"]["template"]["metadata"]["labels"] = {"app": name, "tier": "front"}
    return web


def test_a_selector_change_fails_with_a_clear_message(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", deployment("web"))]).ok

    result = sync_apps(cluster, [app("shop", _relabelled("web"))])

    (outcome,) = result.apps
    assert outcome.reason is Reason.APPLY_FAILED
    (change,) = outcome.changes.changes
    assert change.action is Action.FAILED
    assert change.reason.startswith("field spec.selector is immutable; to delete and recreate")
    assert f"'{RECREATE_ANNOTATION}: enabled' to it or to its app" in change.reason
    assert outcome.errors == (f"Deployment.apps/shop/web: {change.reason}",)


def test_the_app_can_opt_into_delete_and_recreate(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", deployment("web"))]).ok
    before = live(cluster, "apps/v1", "Deployment", "web")

    opted = app("shop", _relabelled("web"), annotations={RECREATE_ANNOTATION: "enabled"})
    result = sync_apps(cluster, [opted])

    (change,) = result.apps[0].changes.changes
    assert (change.action, change.reason) == (
        Action.CONFIGURED,
        "changed in Git; recreated (spec.selector is immutable)",
    )
    after = live(cluster, "apps/v1", "Deployment", "web")
    assert before is not None and after is not None
    assert after["metadata"]["uid"] != before["metadata"]["uid"]


def test_the_object_itself_can_opt_in(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", deployment("web"))]).ok
    web = _relabelled("web")
    web["metadata"]["annotations"] = {RECREATE_ANNOTATION: "enabled"}
    assert sync_apps(cluster, [app("shop", web)]).ok
