"""An Appfile emptied by mistake (not deleted) must not read as "app removed from Git"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_vela.cli import main
from gitops_vela.testing import Emulator

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(SAMPLE, root)
    return root


def test_validate_reports_an_empty_vela_yaml(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (checkout / "apps" / "shop" / "vela.yaml").write_text("# nothing here yet\n")
    assert main(["validate", str(checkout)]) == 1
    assert "apps/shop/vela.yaml: empty Appfile" in capsys.readouterr().err


def test_apply_prune_keeps_the_objects_of_an_emptied_appfile(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster = ["--kubeconfig", str(emulator.kubeconfig_path)]
    assert main(["apply", str(checkout), "--prune", *cluster]) == 0
    (checkout / "apps" / "shop" / "vela.yaml").write_text("")
    capsys.readouterr()
    assert main(["apply", str(checkout), "--prune", *cluster]) == 1
    out = capsys.readouterr().out
    assert "deleted" not in out
    assert main(["diff", str(checkout), "--app", "search", *cluster]) == 0
