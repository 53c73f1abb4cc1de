"""A first apply creates every object with field manager gitops-vela, in its namespace."""

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.status import Health, Reason
from gitops_vela.sync import SyncOptions, sync_apps
from gitops_vela.sync.inventory import decode
from tests.sync.conftest import app, config_map, deployment, live, service


def test_first_apply_creates_everything_as_gitops_vela(cluster: Cluster) -> None:
    shop = app("shop", deployment("web"), service("web"), config_map("settings", mode="fast"))
    result = sync_apps(cluster, [shop], options=SyncOptions(prune=True))

    (outcome,) = result.apps
    assert outcome.reason is Reason.SUCCEEDED, outcome.errors
    assert [c.action for c in outcome.changes.changes] == [Action.CREATED] * 3
    kinds = [c.ref.kind for c in outcome.changes.changes]
    assert kinds == ["ConfigMap", "Service", "Deployment"]  # the fixed kind order
    web = live(cluster, "apps/v1", "Deployment", "web")
    assert web is not None
    assert {m["manager"] for m in web["metadata"]["managedFields"]} >= {"gitops-vela"}
    assert web["metadata"]["labels"]["gitops-vela.dev/app"] == "acme.shop"


def test_the_app_namespace_is_created_and_the_inventory_records_the_objects(
    cluster: Cluster,
) -> None:
    shop = app("shop", deployment("web"), namespace="brand-new")
    result = sync_apps(cluster, [shop])
    assert result.ok, result.apps[0].errors
    assert live(cluster, "v1", "Namespace", "brand-new", namespace="") is not None
    cm = live(cluster, "v1", "ConfigMap", "inventory.acme.shop", namespace="gitops-vela-system")
    assert cm is not None
    recorded = decode(cm)
    assert recorded is not None
    assert [str(r) for r in recorded.objects] == ["Deployment.apps/brand-new/web"]


def test_health_comes_back_with_the_changes(cluster: Cluster) -> None:
    result = sync_apps(cluster, [app("shop", service("web"))])
    (change,) = result.apps[0].changes.changes
    assert change.health is Health.HEALTHY
    assert result.apps[0].health.health is Health.HEALTHY


def test_a_namespace_the_app_renders_is_created_by_it(cluster: Cluster) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "fresh"}}
    result = sync_apps(cluster, [app("shop", namespace, service("web"), namespace="fresh")])
    assert [(c.ref.kind, c.action) for c in result.apps[0].changes.changes] == [
        ("Namespace", Action.CREATED),
        ("Service", Action.CREATED),
    ]
