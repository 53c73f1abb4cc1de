"""One bad value or one bug fails one object (and its app), never the whole sync."""

from __future__ import annotations

from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cluster import Cluster
from gitops_vela.model.changes import Action
from gitops_vela.sync import plan, sync_apps
from tests.sync.conftest import app, config_map, live

pytestmark = pytest.mark.reliability


def test_a_value_like_a_huge_quantity_drifted_live_is_corrected(cluster: Cluster) -> None:
    shop = app("shop", config_map("env", LIMIT="2"))
    assert sync_apps(cluster, [shop]).ok
    cluster.transport.request(  # what `kubectl set env` / `kubectl edit` does
        "PATCH",
        cluster.resource("v1", "ConfigMap").path("shop", "env"),
        verb="patch",
        body={"data": {"LIMIT": "1e9999999"}},
        content_type="application/merge-patch+json",
    )

    result = sync_apps(cluster, [shop])

    assert result.ok, result.apps[0].errors
    assert live(cluster, "v1", "ConfigMap", "env")["data"]["LIMIT"] == "2"  # type: ignore[index]


def test_a_bug_while_comparing_one_object_fails_it_and_its_app_only(
    cluster: Cluster, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = app("shop", config_map("good", a="1"), config_map("bad", a="2"))
    blog = app("blog", config_map("post", a="3"), namespace="blog")
    assert sync_apps(cluster, [shop, blog]).ok
    real = plan.in_sync

    def broken(item: Any, current: Any) -> bool:
        if item.ref.name == "bad":
            raise OverflowError("boom")
        return real(item, current)

    monkeypatch.setattr(plan, "in_sync", broken)
    shop = app("shop", config_map("good", a="changed"), config_map("bad", a="2"))

    result = sync_apps(cluster, [shop, blog])

    shop_result, blog_result = result.apps
    actions = {c.ref.name: c.action for c in shop_result.changes.changes}
    assert actions == {"good": Action.CONFIGURED, "bad": Action.FAILED}
    (error,) = shop_result.errors
    assert error.startswith("ConfigMap/shop/bad: internal error (OverflowError: boom)")
    assert not shop_result.ok and blog_result.ok
    assert result.internal_errors == 1
    assert live(cluster, "v1", "ConfigMap", "good")["data"] == {"a": "changed"}  # type: ignore[index]
