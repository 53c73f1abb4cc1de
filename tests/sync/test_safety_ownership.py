"""One owner per object: another app's object is never applied over (#10.5).

Through ``gitops-vela apply`` (two checkouts named as two repositories) and
``sync_repository`` (two apps of one repository), asserting what is live.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.model.labels import HAND_OVER_ANNOTATION, OWNER
from gitops_vela.model.rendered import RepositoryRender
from gitops_vela.sync import SyncOptions, sync_apps, sync_repository
from tests.sync.conftest import REPO, app, config_map, deployment, live

pytestmark = pytest.mark.reliability

TESTDATA = Path(__file__).parent / "testdata" / "repo"


def _checkout(tmp_path: Path, name: str, image: str) -> Path:
    root = Path(shutil.copytree(TESTDATA, tmp_path / name))
    appfile = root / "apps" / "shop" / "vela.yaml"
    appfile.write_text(appfile.read_text().replace("nginx:1.25", image))
    return root


def _apply(emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def _web(cluster: Cluster) -> dict[str, Any]:
    found = live(cluster, "apps/v1", "Deployment", "web")
    assert found is not None
    return found


def _image(obj: dict[str, Any]) -> str:
    return str(obj["spec"]["template"]["spec"]["containers"][0]["image"])


def _annotate(cluster: Cluster, kind: str, api_version: str, name: str, **values: str) -> None:
    cluster.transport.request(  # what `kubectl annotate` does
        "PATCH",
        cluster.resource(api_version, kind).path("shop", name),
        verb="patch",
        body={"metadata": {"annotations": values}},
        content_type="application/merge-patch+json",
    )


def test_another_repository_never_applies_over_an_owned_object_until_handed_over(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = _checkout(tmp_path, "a", "nginx:1.25"), _checkout(tmp_path, "b", "evil:6.6.6")
    assert _apply(emulator, ours, "--repo", "sample", "--prune") == 0
    before = _web(cluster)
    capsys.readouterr()

    assert _apply(emulator, theirs, "--repo", "other", "--prune") == 1

    out = " ".join(capsys.readouterr().out.split())
    assert "failed Deployment.apps/shop/web" in out
    assert "owned by app sample.shop; it is not applied over" in out
    assert f"{HAND_OVER_ANNOTATION}=other.shop" in out
    assert "adopted" not in out
    after = _web(cluster)
    assert after["metadata"]["labels"][OWNER] == "sample.shop" and _image(after) == "nginx:1.25"
    assert after["metadata"]["generation"] == before["metadata"]["generation"]
    # The owner is unaffected: its next apply changes nothing.
    assert _apply(emulator, ours, "--repo", "sample", "--prune") == 0
    assert "shop: 4 unchanged" in capsys.readouterr().out

    _annotate(cluster, "Deployment", "apps/v1", "web", **{HAND_OVER_ANNOTATION: "other.shop"})
    assert _apply(emulator, theirs, "--repo", "other") == 1  # the other three are still owned
    out = " ".join(capsys.readouterr().out.split())
    assert "handed over by sample.shop" in out
    handed = _web(cluster)
    assert handed["metadata"]["labels"][OWNER] == "other.shop" and _image(handed) == "evil:6.6.6"


def test_a_newcomer_app_in_the_same_repository_never_takes_an_object_over(
    cluster: Cluster,
) -> None:
    shop = app("shop", deployment("frontend", image="shop:1"))
    assert sync_repository(cluster, RepositoryRender(apps=(shop,)), repo=REPO).ok
    evil = app("evil", deployment("frontend", image="evil:1"), namespace="shop")

    result = sync_repository(cluster, RepositoryRender(apps=(evil, shop)), repo=REPO)

    shop_result, evil_result = result.app("shop"), result.app("evil")
    assert shop_result is not None and shop_result.ok
    assert evil_result is not None and not evil_result.ok
    assert "also rendered by app shop; an object has one owner" in evil_result.errors[0]
    frontend = live(cluster, "apps/v1", "Deployment", "frontend")
    assert frontend is not None and _image(frontend) == "shop:1"
    assert frontend["metadata"]["labels"][OWNER] == "acme.shop"

    # Even applied alone (apply --app evil), it is refused: shop owns it live.
    alone = sync_apps(cluster, [evil])
    (change,) = alone.apps[0].changes.changes
    assert change.action is Action.FAILED and "owned by app acme.shop" in change.reason
    assert _image(live(cluster, "apps/v1", "Deployment", "frontend") or {}) == "shop:1"


def test_an_unowned_object_is_adopted_and_says_so_unless_adoption_is_off(
    cluster: Cluster,
) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    by_hand = config_map("settings", mode="by-hand")
    cluster.apply({**by_hand, "metadata": {"name": "settings", "namespace": "shop"}})
    shop = app("shop", config_map("settings", mode="git"))

    refused = sync_apps(cluster, [shop], options=SyncOptions(adoption=False))

    (change,) = refused.apps[0].changes.changes
    assert change.action is Action.FAILED
    assert "does not adopt objects" in change.reason and f"{OWNER}=acme.shop" in change.reason
    kept = live(cluster, "v1", "ConfigMap", "settings")
    assert kept is not None and kept["data"] == {"mode": "by-hand"}

    adopted = sync_apps(cluster, [shop])

    (change,) = adopted.apps[0].changes.changes
    assert change.action is Action.CONFIGURED and change.reason.startswith("adopted")
    taken = live(cluster, "v1", "ConfigMap", "settings")
    assert taken is not None and taken["data"] == {"mode": "git"}
    assert taken["metadata"]["labels"][OWNER] == "acme.shop"
