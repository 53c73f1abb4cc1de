"""An Appfile's top-level ``annotations:`` reach ``RenderedApp.annotations`` (read by the sync)."""

from __future__ import annotations

from pathlib import Path

from gitops_vela.model.labels import RECREATE_ANNOTATION
from gitops_vela.render import render_repository
from tests.foundation.conftest import repo_catalog

SHOP = "apps/shop/vela.yaml"


def annotate(root: Path, block: str) -> None:
    path = root / SHOP
    path.write_text(path.read_text().replace("namespace: shop\n", f"namespace: shop\n{block}"))


def shop_annotations(root: Path) -> dict[str, str]:
    result = render_repository(root, repo="acme", catalog=repo_catalog(root))
    assert result.ok, result.failures
    (shop,) = [app for app in result.apps if app.name == "shop"]
    return dict(shop.annotations)


def test_an_app_without_annotations_has_none(repo: Path) -> None:
    assert shop_annotations(repo) == {}


def test_appfile_annotations_reach_the_rendered_app_but_not_its_objects(repo: Path) -> None:
    annotate(repo, f"annotations:\n  {RECREATE_ANNOTATION}: enabled\n  team: shop\n")

    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    (shop,) = [app for app in result.apps if app.name == "shop"]
    assert dict(shop.annotations) == {RECREATE_ANNOTATION: "enabled", "team": "shop"}
    assert all("annotations" not in obj["metadata"] for obj in shop.objects)


def test_changing_only_the_annotations_is_seen_through_the_render_cache(repo: Path) -> None:
    annotate(repo, f"annotations:\n  {RECREATE_ANNOTATION}: enabled\n")
    assert shop_annotations(repo) == {RECREATE_ANNOTATION: "enabled"}

    path = repo / SHOP
    path.write_text(path.read_text().replace(": enabled", ": disabled"))

    assert shop_annotations(repo) == {RECREATE_ANNOTATION: "disabled"}
