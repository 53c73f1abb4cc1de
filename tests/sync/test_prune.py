"""What an app stops rendering is deleted, with --prune, through its inventory."""

import pytest

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import OWNER, PRUNE_ANNOTATION
from gitops_vela.sync import SyncOptions, sync_apps
from tests.sync.conftest import app, config_map, deployment, ingress, live, service

pytestmark = pytest.mark.reliability  # issue 10: a bad day deletes nothing

PRUNE = SyncOptions(prune=True)


def test_a_removed_object_is_deleted(cluster: Cluster) -> None:
    assert sync_apps(
        cluster, [app("shop", deployment("web"), service("web"), ingress("web"))], options=PRUNE
    ).ok

    result = sync_apps(cluster, [app("shop", deployment("web"), service("web"))], options=PRUNE)

    deleted = result.apps[0].changes.with_action(Action.DELETED)
    assert [str(c.ref) for c in deleted] == ["Ingress.networking.k8s.io/shop/web"]
    assert live(cluster, "networking.k8s.io/v1", "Ingress", "web") is None
    assert live(cluster, "apps/v1", "Deployment", "web") is not None


def test_without_prune_stale_objects_stay_and_are_remembered(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", service("web"), config_map("old"))]).ok
    kept = sync_apps(cluster, [app("shop", service("web"))])
    (skipped,) = kept.apps[0].changes.with_action(Action.SKIPPED)
    assert skipped.reason == "stale; prune is off" and kept.apps[0].prune_skipped == "prune is off"
    assert live(cluster, "v1", "ConfigMap", "old") is not None

    later = sync_apps(cluster, [app("shop", service("web"))], options=PRUNE)
    assert [c.ref.name for c in later.apps[0].changes.with_action(Action.DELETED)] == ["old"]
    assert live(cluster, "v1", "ConfigMap", "old") is None


def test_an_object_without_the_ownership_label_is_never_deleted(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("shop", service("web"), config_map("shared"))], options=PRUNE).ok
    _patch(cluster, "shared", {"metadata": {"labels": {OWNER: None}}})  # someone took it over

    result = sync_apps(cluster, [app("shop", service("web"))], options=PRUNE)

    (kept,) = result.apps[0].changes.with_action(Action.SKIPPED)
    assert "ownership label" in kept.reason
    assert live(cluster, "v1", "ConfigMap", "shared") is not None


def test_prune_disabled_annotation_keeps_an_object(cluster: Cluster) -> None:
    assert sync_apps(
        cluster, [app("shop", service("web"), config_map("keep-me"))], options=PRUNE
    ).ok
    _patch(cluster, "keep-me", {"metadata": {"annotations": {PRUNE_ANNOTATION: "disabled"}}})

    result = sync_apps(cluster, [app("shop", service("web"))], options=PRUNE)

    (kept,) = result.apps[0].changes.with_action(Action.SKIPPED)
    assert PRUNE_ANNOTATION in kept.reason
    assert live(cluster, "v1", "ConfigMap", "keep-me") is not None


def test_the_app_namespace_is_never_pruned(cluster: Cluster) -> None:
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
    assert sync_apps(cluster, [app("shop", namespace, service("web"))], options=PRUNE).ok
    result = sync_apps(cluster, [app("shop", service("web"))], options=PRUNE)
    assert result.ok and not result.apps[0].changes.with_action(Action.DELETED)
    assert live(cluster, "v1", "Namespace", "shop", namespace="") is not None


def _patch(cluster: Cluster, name: str, body: dict[str, object]) -> None:
    resource = cluster.resource("v1", "ConfigMap")
    cluster.transport.request(
        "PATCH",
        resource.path("shop", name),
        verb="patch",
        body=body,
        content_type="application/merge-patch+json",
    )
