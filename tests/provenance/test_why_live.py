"""``why`` against a cluster: the live value, drift, and the manager that wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest
from vela_emulator import Emulator
from vela_emulator.pytest_plugin import Kubectl

from gitops_vela.cli import main
from gitops_vela.provenance.fields import MISSING
from gitops_vela.provenance.live import with_live
from gitops_vela.provenance.origins import FieldOrigin, ObjectOrigin
from tests.provenance.conftest import SAMPLE, Why, field


@pytest.fixture
def applied(emulator: Emulator, capsys: pytest.CaptureFixture[str]) -> str:
    """sample-repo's platform (CRDs, namespaces) and shop apps applied; the kubeconfig."""
    kubeconfig = str(emulator.kubeconfig_path)
    args = ["apply", str(SAMPLE), "--repo", "sample", "--app", "platform", "--app", "shop"]
    code = main([*args, "--kubeconfig", kubeconfig])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    return kubeconfig


def test_a_field_drifted_by_kubectl_scale_names_the_manager(applied: str, why: Why) -> None:

    kubectl = Kubectl(Path(applied))
    done = kubectl.run("scale", "deployment/frontend", "-n", "shop", "--replicas=5")
    assert done.returncode == 0, done.stderr

    doc = why(
        "deployment/frontend", "spec.replicas", "-n", "shop", "--kubeconfig", applied, offline=False
    )
    live = field(doc, "spec.replicas")["live"]
    assert live["value"] == 5 and live["drifted"] is True
    writer = live["writtenBy"][0]
    assert writer["manager"] == "kubectl"
    assert writer["operation"] == "Update" and writer["subresource"] == "scale"
    assert writer["time"]


def test_fields_in_sync_name_gitops_vela_as_their_writer(applied: str, why: Why) -> None:
    doc = why("deployment/frontend", "--kubeconfig", applied, offline=False)
    image = field(doc, "spec.template.spec.containers[name=frontend].image")["live"]
    assert image["drifted"] is False
    assert [w["manager"] for w in image["writtenBy"]] == ["gitops-vela"]
    assert not [f["field"] for f in doc["fields"] if f["live"]["drifted"]]


def test_an_object_missing_from_the_cluster_is_reported(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "why",
            "deployment/frontend",
            "spec.replicas",
            str(SAMPLE),
            "-n",
            "shop",
            "--kubeconfig",
            str(emulator.kubeconfig_path),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert "is not in the cluster" in captured.err
    assert "spec.replicas: 3" in captured.out


def test_live_secret_values_are_masked() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"k": "v1"},
    }
    live = {**secret, "data": {"k": "aHVudGVyMg=="}, "stringData": None}
    origin = ObjectOrigin(
        "a", "a.yaml", "svc", "w", "workload", secret, (FieldOrigin(("data", "k"), "djE=", (), ()),)
    )
    (field,) = with_live(origin, live).fields
    assert field.live is not None and field.live.value == "***" and field.live.drifted
    assert field.live.value is not MISSING
