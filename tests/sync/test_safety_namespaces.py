"""A Namespace holding others' objects and a CRD with custom resources are never pruned (#10.1)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import SyncOptions, sync_apps
from tests.sync.conftest import app, config_map, live

pytestmark = pytest.mark.reliability

SAMPLE = Path(__file__).parents[2] / "sample-repo"
PRUNE = SyncOptions(prune=True)


def _namespace(name: str, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def _by_hand(cluster: Cluster, namespace: str) -> None:
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "by-hand", "namespace": namespace},
            "stringData": {"token": "kept-by-a-person"},
        }
    )


def test_apply_prune_keeps_namespaces_that_hold_other_apps_and_hand_made_objects(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = Path(shutil.copytree(SAMPLE, tmp_path / "sample"))
    command = ["apply", str(checkout), "--prune", "--kubeconfig", str(emulator.kubeconfig_path)]
    assert main(command) == 0
    _by_hand(cluster, "search")
    platform = checkout / "apps" / "platform" / "vela.yaml"
    kept = [line for line in platform.read_text().splitlines() if "name: search}" not in line]
    platform.write_text("\n".join(kept) + "\n")
    capsys.readouterr()

    assert main(command) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert "kept Namespace search: holds" in out and "app sample.search and 1 unmanaged" in out
    assert live(cluster, "v1", "Namespace", "search", namespace="") is not None
    assert live(cluster, "v1", "Secret", "by-hand", namespace="search") is not None
    searching = cluster.list_objects(cluster.resource("apps/v1", "Deployment"), namespace="search")
    assert searching, "the search app's Deployments are still there"


def test_a_namespace_is_pruned_once_it_holds_nothing_of_others_or_when_forced(
    cluster: Cluster,
) -> None:
    platform = app("platform", _namespace("a"), _namespace("b"), namespace="platform")
    tenant = app("tenant", config_map("settings", x="1"), namespace="a")
    assert sync_apps(cluster, [platform, tenant], options=PRUNE).ok
    _by_hand(cluster, "b")

    dropped = app("platform", config_map("marker"), namespace="platform")
    result = sync_apps(cluster, [dropped, tenant], options=PRUNE)

    changes = {c.ref.name: c for c in result.apps[0].changes.changes}
    assert changes["a"].action is Action.SKIPPED and changes["b"].action is Action.SKIPPED
    assert "holds 1 object of app acme.tenant;" in changes["a"].reason
    assert "holds 1 object unmanaged;" in changes["b"].reason
    assert all("gitops-vela.dev/prune=force" in why for why in result.apps[0].kept)
    assert result.apps[0].ok
    assert live(cluster, "v1", "ConfigMap", "settings", namespace="a") is not None

    # The person deletes the hand-made Secret in b and forces a: both go, next sync.
    cluster.delete(cluster.resource("v1", "Secret"), namespace="b", name="by-hand")
    cluster.transport.request(
        "PATCH",
        cluster.resource("v1", "Namespace").path("", "a"),
        verb="patch",
        body={"metadata": {"annotations": {"gitops-vela.dev/prune": "force"}}},
        content_type="application/merge-patch+json",
    )
    again = sync_apps(cluster, [dropped, tenant], options=PRUNE)

    deleted = {c.ref.name for c in again.apps[0].changes.with_action(Action.DELETED)}
    assert deleted == {"a", "b"}


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
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
WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}


def test_a_crd_is_never_pruned_while_custom_resources_of_it_exist(cluster: Cluster) -> None:
    platform = app("platform", CRD, config_map("marker"), namespace="platform")
    tenant = app("tenant", WIDGET, namespace="shop")
    first = sync_apps(cluster, [platform, tenant], options=PRUNE)
    assert first.ok, [a.errors for a in first.apps]

    dropped = app("platform", config_map("marker"), namespace="platform")
    result = sync_apps(cluster, [dropped, tenant], options=PRUNE)

    (kept,) = result.apps[0].changes.with_action(Action.SKIPPED)
    assert kept.reason == (
        "kept CustomResourceDefinition widgets.example.com: 1 Widget resource still exists;"
        " delete them first"
    )
    crds = cluster.resource("apiextensions.k8s.io/v1", "CustomResourceDefinition")
    assert cluster.get(crds, namespace="", name="widgets.example.com") is not None
    assert live(cluster, "example.com/v1", "Widget", "w") is not None
