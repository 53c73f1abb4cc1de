from __future__ import annotations

from pathlib import Path

from gitops_vela.model import labels
from gitops_vela.render import render_repository
from tests.foundation.conftest import repo_catalog


def test_renders_every_app_with_ownership_labels_and_namespaces(repo: Path) -> None:
    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo))

    assert result.ok, result.failures
    assert [app.name for app in result.apps] == ["report", "shop"]
    shop = result.apps[1]
    assert [str(ref) for ref in shop.refs] == [
        "Service/shop/api",
        "Service/shop/frontend",
        "Deployment.apps/shop/api",
        "Deployment.apps/shop/frontend",
        "HorizontalPodAutoscaler.autoscaling/shop/api",
    ]
    for obj in shop.objects:
        assert obj["metadata"]["labels"][labels.OWNER] == "acme.shop"
        assert obj["metadata"]["labels"][labels.MANAGED_BY] == "gitops-vela"
    report = result.apps[0]
    assert report.objects[0]["metadata"]["namespace"] == "default"


def test_trait_patches_merge_as_jsonnet_mixins_in_written_order(repo: Path) -> None:
    result = render_repository(repo, repo="acme", catalog=repo_catalog(repo), apps=["shop"])

    deployment = next(
        o
        for o in result.apps[0].objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == "frontend"
    )
    assert deployment["spec"]["replicas"] == 3
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["frontend", "proxy"]
    assert containers[0]["ports"] == [{"containerPort": 8080}]
