"""A CRD and its custom resources in one app: the CRD is applied and Established first."""

import json
from typing import Any

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import SyncOptions, sync_apps
from tests.sync.conftest import app, live

CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "alerts.example.dev"},
    "spec": {
        "group": "example.dev",
        "scope": "Namespaced",
        "names": {
            "plural": "alerts",
            "singular": "alert",
            "kind": "Alert",
            "listKind": "AlertList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                        },
                    }
                },
            }
        ],
    },
}
ALERT = {
    "apiVersion": "example.dev/v1",
    "kind": "Alert",
    "metadata": {"name": "pager"},
    "spec": {"channel": "#ops"},
}


def test_crd_and_custom_resource_apply_in_one_run(cluster: Cluster) -> None:
    result = sync_apps(cluster, [app("alerts", ALERT, CRD)], options=SyncOptions(prune=True))

    (outcome,) = result.apps
    assert outcome.ok, outcome.errors
    assert [(c.ref.kind, c.action) for c in outcome.changes.changes] == [
        ("CustomResourceDefinition", Action.CREATED),
        ("Alert", Action.CREATED),
    ]
    assert live(cluster, "example.dev/v1", "Alert", "pager") is not None
    again = sync_apps(cluster, [app("alerts", ALERT, CRD)], options=SyncOptions(prune=True))
    assert [c.action for c in again.apps[0].changes.changes] == [Action.UNCHANGED] * 2


def test_a_custom_resource_without_its_crd_fails_alone_and_says_why(cluster: Cluster) -> None:
    result = sync_apps(
        cluster,
        [
            app(
                "alerts",
                ALERT,
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ok"}},
            )
        ],
    )
    changes = {c.ref.kind: c for c in result.apps[0].changes.changes}
    assert changes["ConfigMap"].action is Action.CREATED
    assert changes["Alert"].action is Action.FAILED
    assert "no kind Alert in example.dev/v1" in changes["Alert"].reason


def test_a_new_kind_in_a_group_already_known_is_found_after_its_crd(cluster: Cluster) -> None:
    assert sync_apps(cluster, [app("alerts", ALERT, CRD)]).ok  # example.dev/v1 is now cached
    pagers = json_copy(CRD)
    pagers["metadata"]["name"] = "pagers.example.dev"
    pagers["spec"]["names"] = {
        "plural": "pagers",
        "singular": "pager",
        "kind": "Pager",
        "listKind": "PagerList",
    }
    pager = {
        "apiVersion": "example.dev/v1",
        "kind": "Pager",
        "metadata": {"name": "night"},
        "spec": {},
    }

    result = sync_apps(cluster, [app("alerts", ALERT, CRD, pagers, pager)])

    assert result.ok, result.apps[0].errors
    assert live(cluster, "example.dev/v1", "Pager", "night") is not None


def test_a_kind_missing_in_one_run_is_looked_up_again_in_the_next(cluster: Cluster) -> None:
    assert not sync_apps(cluster, [app("alerts", ALERT)]).ok  # no CRD yet: cached as missing
    assert sync_apps(cluster, [app("platform", CRD, namespace="default")]).ok
    assert sync_apps(cluster, [app("alerts", ALERT)]).ok


def json_copy(obj: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(obj))  # type: ignore[no-any-return]


def test_a_dry_run_of_crd_and_custom_resource_fails_nothing(cluster: Cluster) -> None:
    result = sync_apps(cluster, [app("alerts", ALERT, CRD)], options=SyncOptions(dry_run=True))
    assert result.ok
    assert [c.action for c in result.apps[0].changes.changes] == [Action.CREATED, Action.CREATED]
    assert (
        live(
            cluster,
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "alerts.example.dev",
            namespace="",
        )
        is None
    )
