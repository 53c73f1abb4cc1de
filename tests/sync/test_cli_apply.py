"""``gitops-vela apply`` as a user runs it: lines per object, a summary, exit codes."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main

REPO = Path(__file__).parent / "testdata" / "repo"
PASSWORD = "hunter2-very-secret"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "acme"))


def _apply(emulator: Emulator, checkout: Path, *extra: str) -> int:
    return main(["apply", str(checkout), "--kubeconfig", str(emulator.kubeconfig_path), *extra])


def test_apply_prints_one_line_per_object_and_a_summary(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, checkout, "--prune") == 0
    out = capsys.readouterr().out
    assert "app shop:" in out
    for ref in (
        "Secret/shop/web-credentials",
        "Service/shop/web",
        "Deployment.apps/shop/web",
        "Ingress.networking.k8s.io/shop/web",
    ):
        assert any(line.split()[:2] == ["created", ref] for line in out.splitlines()), out
    assert "shop: 4 created; health" in out and out.rstrip().endswith("1 app(s): 0 failed")

    assert _apply(emulator, checkout, "--prune") == 0
    second = capsys.readouterr().out
    assert "shop: 4 unchanged; health" in second
    assert PASSWORD not in out + second


def test_json_output_for_machines(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, checkout, "-o", "json") == 0
    report = json.loads(capsys.readouterr().out)
    (shop,) = report["apps"]
    assert report["ok"] and shop["app"] == "shop" and shop["sync"] == "Synced"
    assert {r["action"] for r in shop["resources"]} == {"created"}
    assert PASSWORD not in json.dumps(report)


def test_a_broken_appfile_fails_the_run_but_others_apply_and_nothing_is_deleted(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkout / "apps" / "blog").mkdir()
    (checkout / "apps" / "blog" / "vela.yaml").write_text(
        "name: blog\nservices:\n  web:\n    type: site\n    image: nginx\n"
    )
    assert _apply(emulator, checkout, "--prune") == 0
    (checkout / "apps" / "blog" / "vela.yaml").write_text(
        "name: blog\nservices:\n  web:\n    type: site\n    image: 3\n"
    )
    (checkout / "apps" / "shop" / "vela.yaml").write_text(
        (checkout / "apps" / "shop" / "vela.yaml").read_text().replace("nginx:1.25", "nginx:1.26")
    )
    capsys.readouterr()

    assert _apply(emulator, checkout, "--prune") == 1

    out = capsys.readouterr().out
    assert "configured Deployment.apps/shop/web" in " ".join(out.split())
    assert "app blog: not applied, its Appfile is broken" in out
    assert "apps/blog/vela.yaml:5: services.web.image" in out
    assert "deleted" not in out


def test_dry_run_changes_nothing(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, checkout, "--dry-run") == 0
    assert "would be created" in capsys.readouterr().out
    assert emulator.counters.count("patch") == emulator.counters.count(
        "apply"
    )  # dry-run applies only
    assert _apply(emulator, checkout, "--dry-run", "--app", "shop") == 0
    assert "created" in capsys.readouterr().out


def test_an_unknown_app_is_an_error(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _apply(emulator, checkout, "--app", "nope") == 2
    assert "no app named 'nope'" in capsys.readouterr().err


def test_the_console_command_runs_as_a_user_types_it(emulator: Emulator, checkout: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "gitops_vela",
        "apply",
        str(checkout),
        "--prune",
        "--kubeconfig",
        str(emulator.kubeconfig_path),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "shop: 4 created" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr
