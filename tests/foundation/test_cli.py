"""The render / validate / defs commands, through ``gitops_vela.cli.main`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.model import labels

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"


def test_render_prints_a_yaml_stream_with_ownership_labels(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", str(repo), "--repo", "acme"]) == 0

    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    assert len(objects) == 6
    owners = {obj["metadata"]["labels"][labels.OWNER] for obj in objects}
    assert owners == {"acme.shop", "acme.report"}


def test_render_json_is_a_list_and_app_filter_applies(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", str(repo), "--app", "report", "-o", "json"]) == 0

    listing = json.loads(capsys.readouterr().out)
    assert listing["kind"] == "List"
    assert [item["kind"] for item in listing["items"]] == ["CronJob"]


def test_render_to_a_directory_writes_one_file_per_object(repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"

    assert main(["render", str(repo), "-o", f"dir={out}"]) == 0

    assert sorted(p.name for p in (out / "report").iterdir()) == ["001-cronjob-nightly.yaml"]
    assert len(list((out / "shop").iterdir())) == 5


def test_render_to_an_empty_directory_name_is_a_usage_error(
    repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)

    assert main(["render", str(repo), "-o", "dir="]) == 2

    assert "-o dir=: give the output directory" in capsys.readouterr().err
    assert list(here.iterdir()) == []


def test_render_prints_good_apps_and_exits_1_when_one_fails(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = repo / "apps/broken/vela.yaml"
    broken.parent.mkdir()
    broken.write_text("name: broken\nservices:\n  web:\n    image: x\n    port: http\n")

    assert main(["render", str(repo)]) == 1

    captured = capsys.readouterr()
    assert len(list(yaml.safe_load_all(captured.out))) == 6
    expected = "apps/broken/vela.yaml:5: services.web.port: 'http' is not of type 'integer'"
    assert captured.err.splitlines() == [expected]


def test_render_of_an_unknown_app_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(repo), "--app", "nope"]) == 1
    assert "error: no app named 'nope'" in capsys.readouterr().err


def test_validate_reports_every_error_and_exits_1(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "apps/shop/vela.yaml").write_text(
        "name: shop\nservices:\n  web:\n    image: x\n    prot: 80\n    scaler: {replicas: many}\n"
    )

    assert main(["validate", str(repo)]) == 1

    assert capsys.readouterr().err.splitlines() == [
        "apps/shop/vela.yaml:5: services.web.prot: unknown parameter 'prot' of workload "
        "'webservice' (did you mean 'port'?)",
        "apps/shop/vela.yaml:6: services.web.scaler.replicas: 'many' is not of type 'integer'",
    ]


def test_validate_passes_on_a_good_repository(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(repo)]) == 0
    assert capsys.readouterr().out == "ok: 2 apps rendered without errors\n"


def test_defs_list_says_when_a_repository_overrides_a_builtin(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["defs", "list", str(repo)]) == 0

    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "repo (overrides built-in)" in rows["webservice"]
    assert "builtin" in rows["route"] and "webservice" in rows["route"]
    assert rows["NAME"].split() == [
        *("NAME", "VERSION", "KIND", "APPLIES-TO", "ORIGIN", "USED-BY", "DESCRIPTION")
    ]


def test_defs_show_prints_the_parameter_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defs", "show", "scaler", str(SAMPLE)]) == 0

    out = capsys.readouterr().out
    assert out.startswith("# scaler (TraitDefinition, builtin)\n")
    assert "conflicts with: autoscale" in out
    header, *rows = out.split("\n\n", 1)[1].splitlines()
    assert header.split() == ["NAME", "TYPE", "REQUIRED", "DEFAULT", "DESCRIPTION"]
    assert rows[0].split()[:3] == ["replicas", "integer", "no"]


def test_defs_show_of_an_unknown_name_suggests_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defs", "show", "scalr", str(SAMPLE)]) == 1
    assert "no definition named 'scalr' (did you mean 'scaler'?)" in capsys.readouterr().err


def test_defs_show_without_a_path_hints_at_passing_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    assert main(["defs", "show", "cloneset"]) == 1

    err = capsys.readouterr().err
    assert "error: no definition named 'cloneset'\n" in err
    assert "available: " in err and "webservice" in err
    assert "gitops-vela defs show cloneset PATH" in err
    assert main(["defs", "show", "cloneset", str(SAMPLE)]) == 0


def test_defs_show_with_a_path_does_not_hint_at_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defs", "show", "nothing-like-it", str(SAMPLE)]) == 1

    err = capsys.readouterr().err
    assert "cloneset" in err.split("available: ")[1]
    assert "PATH" not in err


@pytest.mark.parametrize("command", [["render"], ["validate"], ["defs", "list"], ["defs", "show"]])
def test_every_command_has_help_with_an_example(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])

    assert exited.value.code == 0
    assert "example:\n  gitops-vela " in capsys.readouterr().out


def test_sample_repo_renders_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(SAMPLE)]) == 0

    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    assert all(labels.OWNER in obj["metadata"]["labels"] for obj in objects)
    kinds = [obj["kind"] for obj in objects]
    assert "CustomResourceDefinition" in kinds and "Deployment" in kinds


def test_validate_as_a_subprocess_prints_file_line_key_message(repo: Path) -> None:
    broken = repo / "apps/broken/vela.yaml"
    broken.parent.mkdir()
    broken.write_text("name: broken\nservices:\n  web:\n    type: webservise\n")

    done = subprocess.run(
        [sys.executable, "-m", "gitops_vela", "validate", str(repo)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr == (
        "apps/broken/vela.yaml:4: services.web.type: unknown workload type 'webservise' "
        "(did you mean 'webservice'?)\n"
    )


def test_a_missing_checkout_is_a_usage_error_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "nowhere")
    for command in (["render", missing], ["validate", missing], ["defs", "list", missing]):
        assert main(command) == 2, command
        assert f"{missing}: not a directory" in capsys.readouterr().err
