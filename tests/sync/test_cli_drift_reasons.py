"""``apply`` names every drifted field; ``diff`` hints at a missing CRD only when it is
neither live nor created by the same apply (issue 15 items 4 and 5)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.sync.plan import _named

REPO = Path(__file__).parent / "testdata" / "repo"
SAMPLE = Path(__file__).parents[2] / "sample-repo"


def _run(command: str, emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main([command, str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def test_apply_names_both_a_label_and_an_image_drifted_live(
    emulator: Emulator, cluster: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = Path(shutil.copytree(REPO, tmp_path / "acme"))
    assert _run("apply", emulator, checkout) == 0
    web = cluster.get(cluster.resource("apps/v1", "Deployment"), namespace="shop", name="web")
    assert web is not None
    containers = web["spec"]["template"]["spec"]["containers"]
    cluster.transport.request(  # `kubectl label --overwrite` and `kubectl set image` at once
        "PATCH",
        cluster.resource("apps/v1", "Deployment").path("shop", "web"),
        verb="patch",
        body={
            "metadata": {"labels": {"app.oam.dev/component": "changed"}},
            "spec": {"template": {"spec": {"containers": [{**containers[0], "image": "x:1"}]}}},
        },
        content_type="application/merge-patch+json",
    )
    capsys.readouterr()

    assert _run("apply", emulator, checkout) == 0

    out = " ".join(capsys.readouterr().out.split())
    assert (
        "metadata.labels.app.oam.dev/component and"
        " spec.template.spec.containers[0].image drifted in the cluster"
    ) in out


def test_a_drift_reason_is_bounded() -> None:
    assert _named(["a"]) == "a"
    assert _named(["a", "b", "c"]) == "a, b and c"
    assert _named([f"f{i}" for i in range(8)]) == "f0, f1, f2, f3, f4 and 3 more"


def test_diff_on_an_empty_cluster_names_the_crd_the_same_apply_creates(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = Path(shutil.copytree(SAMPLE, tmp_path / "sample"))

    assert _run("diff", emulator, checkout) == 1

    out = capsys.readouterr().out
    assert "is its CustomResourceDefinition installed?" not in out
    assert "its CustomResourceDefinition clonesets.apps.kruise.io is created by this apply" in out
