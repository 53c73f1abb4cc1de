"""Through the user's path: ``apply --wait`` waits on a library kind and stops at its failure."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, dynamic
from vela_emulator import Emulator

from gitops_vela.cli import main
from tests.health.test_emulator_library import _install

APPFILE = """\
name: tls
namespace: shop
services:
  cert:
    type: k8s-objects
    objects:
      - apiVersion: cert-manager.io/v1
        kind: Certificate
        metadata: {name: shop-tls}
        spec:
          secretName: shop-tls
          dnsNames: [shop.example.com]
          issuerRef: {name: letsencrypt, kind: ClusterIssuer}
"""
CERT = "Certificate.cert-manager.io/shop/shop-tls"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "apps" / "tls").mkdir(parents=True)
    (tmp_path / "apps" / "tls" / "vela.yaml").write_text(APPFILE)
    return tmp_path


def _dyn(emulator: Emulator) -> Any:
    return dynamic.DynamicClient(client.ApiClient(emulator.client_configuration()))


def _apply(emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def test_a_failed_issuance_stops_the_wait_and_says_why(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _install(_dyn(emulator), "Certificate")
    emulator.simulation.fail("Certificate", "shop-tls", namespace="shop")

    assert _apply(emulator, checkout, "--wait", "-o", "json") == 1

    (app,) = json.loads(capsys.readouterr().out)["apps"]
    assert app["health"] == "Degraded"
    assert app["message"].startswith(f"{CERT} is Degraded: issuing failed: Failed: ")
    assert "order is in 'invalid' state" in app["message"]


def test_the_wait_ends_once_the_certificate_is_issued(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _install(_dyn(emulator), "Certificate")
    emulator.simulation.progressing("Certificate", "shop-tls", namespace="shop")
    assert _apply(emulator, checkout, "-o", "json") == 0  # created: no status in the reply yet
    capsys.readouterr()
    assert _apply(emulator, checkout, "-o", "json") == 0
    (app,) = json.loads(capsys.readouterr().out)["apps"]
    assert app["message"] == (
        f"{CERT} is Progressing: Issuing: Issuing certificate as Secret does not exist"
    )

    issued = threading.Timer(
        0.3, emulator.simulation.healthy, ("Certificate", "shop-tls"), {"namespace": "shop"}
    )
    issued.start()
    try:
        assert _apply(emulator, checkout, "--wait", "-o", "json") == 0
    finally:
        issued.cancel()
        issued.join()
    (app,) = json.loads(capsys.readouterr().out)["apps"]
    assert app["health"] == "Healthy"
    certificates = _dyn(emulator).resources.get(
        api_version="cert-manager.io/v1", kind="Certificate"
    )
    live = certificates.get(name="shop-tls", namespace="shop").to_dict()
    assert [c["status"] for c in live["status"]["conditions"] if c["type"] == "Ready"] == ["True"]
