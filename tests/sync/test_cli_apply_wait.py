"""``gitops-vela apply --wait``: health re-read until the rollout settles, as CI needs it."""

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main

REPO = Path(__file__).parent / "testdata" / "repo"
WEB = "Deployment.apps/shop/web"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "acme"))


def _apply(emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def _health(report: dict[str, Any], kind: str) -> str:
    (shop,) = report["apps"]
    return next(str(r["health"]) for r in shop["resources"] if r["kind"] == kind)


def test_wait_rereads_health_until_the_rollout_is_healthy(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.simulation.progressing("Deployment", "web", namespace="shop")
    assert _apply(emulator, checkout, "-o", "json") == 0
    assert _health(json.loads(capsys.readouterr().out), "Deployment") == "Progressing"

    rollout_done = threading.Timer(
        0.3, emulator.simulation.healthy, ("Deployment", "web"), {"namespace": "shop"}
    )
    rollout_done.start()
    try:
        assert _apply(emulator, checkout, "--wait", "-o", "json") == 0
    finally:
        rollout_done.cancel()
        rollout_done.join()
    report = json.loads(capsys.readouterr().out)
    (shop,) = report["apps"]
    assert (
        report["ok"] and shop["health"] == "Healthy" and shop["reason"] == "ReconciliationSucceeded"
    )
    assert {r["health"] for r in shop["resources"]} == {"Healthy"}


def test_a_failing_deployment_stops_the_wait_and_fails_naming_it(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.simulation.fail("Deployment", "web", namespace="shop")

    assert _apply(emulator, checkout, "--wait") == 1

    out = capsys.readouterr().out
    assert f"error: {WEB} is Degraded" in out, out
    assert "failed (HealthCheckFailed)" in out and out.rstrip().endswith("1 app(s): 1 failed")


def test_a_rollout_still_progressing_at_the_timeout_fails_naming_it(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.simulation.progressing("Deployment", "web", namespace="shop")

    assert _apply(emulator, checkout, "--wait", "--timeout", "2s", "-o", "json") == 1

    report = json.loads(capsys.readouterr().out)
    (shop,) = report["apps"]
    assert not report["ok"] and shop["health"] == "Progressing"
    assert shop["reason"] == "HealthCheckFailed"
    assert [e.split(":")[0] for e in shop["errors"]] == [f"{WEB} is Progressing after waiting 2s"]
    assert _health(report, "Service") == "Healthy"


def test_wait_refuses_a_dry_run(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, checkout, "--wait", "--dry-run") == 2
    assert "--wait" in capsys.readouterr().err
