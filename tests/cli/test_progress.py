"""Issue 15.8: progress on a terminal (stderr), nothing extra when piped; status at a glance."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from rich.console import Console
from vela_emulator import Emulator

from gitops_vela.cli.status_table import print_table
from gitops_vela.cluster import Cluster
from gitops_vela.model.status import Health, SyncState
from gitops_vela.status.reader import StatusReport
from tests.cli.conftest import REPO, run_cli
from tests.status.helpers import status

ESCAPE = re.compile(r"\x1b\[")


def _apply(emulator: Emulator, *extra: str, tty: str = "") -> tuple[int, str, str]:
    ran = run_cli(
        "apply", str(REPO), "--kubeconfig", str(emulator.kubeconfig_path), *extra, tty=tty
    )
    return ran.code, ran.stdout, ran.stderr


def _live_deployments(emulator: Emulator) -> int:
    with Cluster(emulator.client_configuration()) as cluster:
        return len(
            cluster.list_objects(cluster.resource("apps/v1", "Deployment"), namespace="shop")
        )


@pytest.mark.slow
def test_apply_on_a_terminal_shows_progress_on_stderr_and_keeps_stdout_clean(
    emulator: Emulator,
) -> None:
    code, out, screen = _apply(emulator, "--wait", "--timeout", "30s", "-o", "json", tty="stderr")

    assert code == 0, screen
    assert "rendering" in screen and "applying" in screen and "waiting until Healthy" in screen
    assert "4/4 objects" in re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen), screen
    report = json.loads(out)  # stdout is the document, nothing else
    assert report["ok"] and _live_deployments(emulator) == 1


@pytest.mark.slow
def test_apply_piped_prints_nothing_extra(emulator: Emulator) -> None:
    code, out, err = _apply(emulator, "--wait", "--timeout", "30s")

    assert code == 0, err
    assert err == "" and not ESCAPE.search(out)
    assert out.splitlines()[0] == "app shop:" and out.rstrip().endswith("1 app(s): 0 failed")
    assert _live_deployments(emulator) == 1


@pytest.mark.slow
def test_render_on_a_terminal_spins_on_stderr_and_the_yaml_stays_parseable() -> None:
    shown = run_cli("render", str(REPO), tty="stderr")
    piped = run_cli("render", str(REPO))

    assert shown.code == piped.code == 0
    assert "rendering" in shown.stderr and piped.stderr == ""
    assert shown.stdout == piped.stdout and shown.stdout.startswith("---\n# app: shop")


def _report() -> StatusReport:
    return StatusReport(
        url="file:///srv/git/shop.git",
        branch="gitops-vela/status",
        commit="c" * 40,
        apps=(
            status("shop"),
            status(
                "web",
                sync=SyncState.FAILED,
                health=Health.DEGRADED,
                message="1 error in apps/web/vela.yaml",
                errors=("apps/web/vela.yaml:9: services.web.port: 'http' is not an integer",),
            ),
        ),
    )


def test_status_on_a_terminal_colours_sync_and_health() -> None:
    screen = io.StringIO()
    print_table(_report(), Console(file=screen, force_terminal=True, width=120))
    text = screen.getvalue()

    assert "\x1b[32mHealthy" in text and "\x1b[1;31mDegraded" in text
    assert "\x1b[1;31mFailed" in text and "\x1b[32mSynced" in text
    plain = ESCAPE.sub("", re.sub(r"\x1b\[[0-9;]*m", "", text))
    header = plain.splitlines()[0].split()
    assert header == ["APP", "SYNC", "HEALTH", "REVISION", "MESSAGE", "SINCE"]
    assert "error: apps/web/vela.yaml:9: services.web.port" in plain


@pytest.mark.slow
def test_status_through_a_terminal_and_a_pipe(tmp_path: Path) -> None:
    from gitops_vela.status import StatusWriter
    from tests.source.gitrepos import make_remote

    remote = make_remote(tmp_path)
    try:
        StatusWriter.for_url(remote.url, cache_dir=tmp_path / "cache").write(
            [status("shop"), status("web", sync=SyncState.FAILED, health=Health.DEGRADED)]
        )
        on_screen = run_cli("status", remote.url, tty="stdout")
        piped = run_cli("status", remote.url)
    finally:
        remote.work.close()

    assert on_screen.code == piped.code == 0
    assert "\x1b[" in on_screen.stdout and "Degraded" in on_screen.stdout
    assert not ESCAPE.search(piped.stdout) and piped.stderr == ""
    assert piped.stdout.splitlines()[0].split()[:3] == ["APP", "SYNC", "HEALTH"]
