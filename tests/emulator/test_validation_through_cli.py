"""What `gitops-vela apply` shows when the cluster refuses an object as invalid.

The emulator now answers as the apiserver does (422 with the field and the
rule), so this is the path a user meets with a wrong value in an Appfile.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from kubernetes import client
from vela_emulator import Emulator

from gitops_vela.cli import main

REPO = Path(__file__).parent.parent / "sync" / "testdata" / "repo"


@pytest.mark.slow  # a full CLI run: render workers, two apps
def test_an_invalid_value_fails_its_app_with_the_apiservers_words(
    emulator: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = Path(shutil.copytree(REPO, tmp_path / "acme"))
    (checkout / "apps" / "blog").mkdir()
    (checkout / "apps" / "blog" / "vela.yaml").write_text(
        "name: blog\nservices:\n  web:\n    type: site\n    image: nginx\n    replicas: -1\n"
    )
    code = main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path)])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 1
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in out
    apps = client.AppsV1Api(client.ApiClient(emulator.client_configuration()))
    deployments = apps.list_deployment_for_all_namespaces().items
    assert [d.metadata.name for d in deployments if d.metadata.namespace != "kube-system"] == [
        "web"
    ]
    assert apps.read_namespaced_deployment("web", "shop").spec.replicas == 1  # the valid app
