"""An Appfile emptied by mistake (not deleted) must not read as "app removed from Git"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import main

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


@pytest.mark.parametrize("text", ["", "# parked\n", "---\n", "---\n# parked\n---\n"])
def test_validate_reports_an_emptied_appfile_whatever_its_name(
    checkout: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    (checkout / "apps" / "shop" / "vela.yaml").rename(checkout / "apps" / "shop" / "shop.yaml")
    (checkout / "apps" / "shop" / "shop.yaml").write_text(text)
    (checkout / "apps" / "shop" / "kustomization.yaml").write_text("resources: [a.yaml]\n")
    assert main(["validate", str(checkout)]) == 1
    err = capsys.readouterr().err
    assert "apps/shop/shop.yaml: empty Appfile (to remove the app, delete the file)" in err
    assert "kustomization" not in err


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


def test_apply_prune_keeps_the_objects_of_an_emptied_appfile_not_named_vela_yaml(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # apps/**/*.yaml matches any name: an Appfile called shop.yaml that is emptied
    # must hold back pruning just like an emptied vela.yaml.
    appfile = checkout / "apps" / "shop" / "shop.yaml"
    (checkout / "apps" / "shop" / "vela.yaml").rename(appfile)
    cluster = ["--kubeconfig", str(emulator.kubeconfig_path)]
    assert main(["apply", str(checkout), "--prune", *cluster]) == 0
    appfile.write_text("# parked while we move things around\n")
    capsys.readouterr()
    assert main(["apply", str(checkout), "--prune", *cluster]) == 1
    captured = capsys.readouterr()
    assert "deleted" not in captured.out
    assert "apps/shop/shop.yaml: empty Appfile" in captured.out
    assert main(["diff", str(checkout), "--app", "search", *cluster]) == 0
