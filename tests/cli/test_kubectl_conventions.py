"""Issue 15.1: the CLI speaks kubectl's conventions.

``-n/--namespace``, ``-o/--output`` on every command that prints,
``--dry-run=server|client|none``, durations in Go form, ``--app`` repeatable,
``-l/--selector`` over Appfile labels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cli import build_parser, main
from gitops_vela.cli.run_cmd import settings_loader
from gitops_vela.cluster import Cluster
from gitops_vela.model.status import Health, SyncState
from gitops_vela.settings import load_config_file
from gitops_vela.status import StatusWriter
from tests.cli.conftest import REPO, cli
from tests.review.conftest import APPS, DEFINITIONS, Repo
from tests.status.helpers import status

APP = """\
name: {name}
{namespace}labels:
  tier: {tier}
  team: {team}
services:
  {name}:
    type: site
    image: nginx:1.25
"""


def _app(root: Path, name: str, *, tier: str, team: str = "core", namespace: bool = True) -> None:
    folder = root / "apps" / name
    folder.mkdir(parents=True, exist_ok=True)
    line = f"namespace: {name}\n" if namespace else ""
    (folder / "vela.yaml").write_text(APP.format(name=name, namespace=line, tier=tier, team=team))


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """Four apps: shop (no labels), search and cart (tier=web), batch (tier=batch)."""
    root = Path(shutil.copytree(REPO, tmp_path / "acme"))
    _app(root, "search", tier="web", team="find")
    _app(root, "cart", tier="web")
    _app(root, "batch", tier="batch")
    return root


def _deployments(emulator: Emulator) -> set[str]:
    with Cluster(emulator.client_configuration()) as cluster:
        found = cluster.list_objects(cluster.resource("apps/v1", "Deployment"))
    # the apps' Deployments: kube-system holds the cluster's own (CoreDNS)
    return {
        f"{d['metadata']['namespace']}/{d['metadata']['name']}"
        for d in found
        if d["metadata"]["namespace"] != "kube-system"
    }


def test_namespace_has_its_short_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(shutil.copytree(REPO, tmp_path / "acme"))
    _app(root, "loose", tier="web", namespace=False)

    assert main(["render", str(root), "--app", "loose", "-n", "staging"]) == 0
    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    assert objects and {o["metadata"]["namespace"] for o in objects} == {"staging"}


def test_apply_takes_every_app_given(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "apply", checkout, "--app", "search", "--app", "batch") == 0

    assert _deployments(emulator) == {"search/search", "batch/batch"}
    out = capsys.readouterr().out
    assert "app search:" in out and "app batch:" in out and "app shop:" not in out


def test_an_unknown_app_among_several_is_an_error_naming_it(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "diff", checkout, "--app", "search", "--app", "nope") == 2
    assert "no app named 'nope'" in capsys.readouterr().err
    assert _deployments(emulator) == set()


def test_selector_picks_apps_by_their_appfile_labels(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "apply", checkout, "-l", "tier=web") == 0
    assert _deployments(emulator) == {"search/search", "cart/cart"}
    capsys.readouterr()

    assert cli(emulator, "diff", checkout, "--selector", "tier in (web,batch),team!=find") == 1
    out = capsys.readouterr().out
    assert "Deployment.apps/batch/batch" in out and "search/search" not in out

    assert main(["render", str(checkout), "-l", "!tier", "-o", "json"]) == 0
    items = json.loads(capsys.readouterr().out)["items"]
    assert {i["metadata"]["labels"]["app.oam.dev/name"] for i in items} == {"shop"}


def test_a_selector_matching_nothing_or_malformed_says_so(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "apply", checkout, "-l", "tier=db") == 2
    assert "no app matches the selector" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["render", str(checkout), "-l", "tier=(web"])
    assert exited.value.code == 2
    assert "invalid selector requirement 'tier=(web'" in capsys.readouterr().err
    assert _deployments(emulator) == set()


def test_a_broken_appfile_the_selector_matches_fails_the_run(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = checkout / "apps" / "cart" / "vela.yaml"
    broken.write_text(broken.read_text().replace("image:", "imagee:"))

    assert cli(emulator, "apply", checkout, "-l", "tier=batch") == 0  # cart is not tier=batch
    assert cli(emulator, "apply", checkout, "-l", "tier=web") == 1
    assert "apps/cart/vela.yaml" in capsys.readouterr().out
    assert _deployments(emulator) == {"batch/batch", "search/search"}


def test_dry_run_as_kubectl_spells_it(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "apply", checkout, "--app", "shop", "--dry-run=server") == 0
    assert "shop: 4 created" in capsys.readouterr().out
    # bare --dry-run is the server dry run, and does not swallow the PATH after it
    assert (
        main(
            [
                "apply",
                "--dry-run",
                str(checkout),
                "--app",
                "shop",
                "--kubeconfig",
                str(emulator.kubeconfig_path),
            ]
        )
        == 0
    )
    assert "shop: 4 created" in capsys.readouterr().out
    assert _deployments(emulator) == set()

    # client: the objects apply would send, no cluster needed at all
    nowhere = str(checkout / "no-such-kubeconfig")
    code = main(
        [
            "apply",
            str(checkout),
            "--app",
            "shop",
            "--dry-run=client",
            "-o",
            "yaml",
            "--kubeconfig",
            nowhere,
        ]
    )
    assert code == 0
    listing = yaml.safe_load(capsys.readouterr().out)
    assert listing["kind"] == "List"
    kinds = [i["kind"] for i in listing["items"]]
    assert kinds[-1] == "Ingress" and "Deployment" in kinds and len(kinds) == 4
    assert all(
        i["metadata"]["labels"]["gitops-vela.dev/app"] == "acme.shop" for i in listing["items"]
    )

    assert cli(emulator, "apply", checkout, "--app", "shop", "--dry-run=none") == 0
    assert _deployments(emulator) == {"shop/web"}


def test_bad_dry_run_value_is_refused(checkout: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["apply", str(checkout), "--dry-run=maybe"])
    assert "invalid choice: 'maybe'" in capsys.readouterr().err


def test_output_flags_on_apply_and_diff(
    emulator: Emulator, checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "diff", checkout, "--app", "shop", "-o", "json") == 1
    report = json.loads(capsys.readouterr().out)
    (shop,) = report["apps"]
    assert report["changed"] and {o["action"] for o in shop["objects"]} == {"created"}
    assert "hunter2" not in json.dumps(report)

    assert cli(emulator, "apply", checkout, "--app", "shop", "-o", "yaml") == 0
    applied = yaml.safe_load(capsys.readouterr().out)
    assert applied["ok"] and applied["apps"][0]["sync"] == "Synced"

    assert cli(emulator, "diff", checkout, "--app", "shop", "--output", "yaml") == 0
    assert yaml.safe_load(capsys.readouterr().out)["changed"] is False


def test_validate_and_defs_print_documents_for_machines(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = checkout / "apps" / "cart" / "vela.yaml"
    broken.write_text(broken.read_text().replace("image:", "imagee:"))

    assert main(["validate", str(checkout), "-o", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and sorted(report["apps"]) == ["batch", "search", "shop"]
    assert report["errors"], report
    for error in report["errors"]:
        assert error["path"] == "apps/cart/vela.yaml" and error["line"] > 0

    assert main(["defs", "list", str(checkout), "-o", "yaml"]) == 0
    names = {d["name"] for d in yaml.safe_load(capsys.readouterr().out)["definitions"]}
    assert {"site", "webservice", "scaler"} <= names
    assert main(["defs", "show", "site", str(checkout), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]["required"] == ["image"]


def test_review_output_and_format_are_one_flag_and_app_repeats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Repo(tmp_path / "platform")
    labelled = {
        **APPS,
        "apps/beta/vela.yaml": APPS["apps/beta/vela.yaml"].replace(
            "name: beta\n", "name: beta\nlabels: {team: b}\n"
        ),
    }
    repo.write({**DEFINITIONS, **labelled})
    repo.commit("definitions and apps")
    repo.branch("feature")
    repo.edit("definitions/tiny.yaml", "default: 1", "default: 2")  # touches alpha and beta
    repo.commit("two replicas")
    base = ["review", "--base", "main", "--head", "feature", str(repo.path)]

    for flag in ("-o", "--output", "--format"):
        assert main([*base, flag, "json"]) == 0
        apps = {a["name"] for a in json.loads(capsys.readouterr().out)["apps"]}
        assert apps == {"alpha", "beta"}
    assert main([*base, "--output", "json", "--app", "beta"]) == 0
    assert {a["name"] for a in json.loads(capsys.readouterr().out)["apps"]} == {"beta"}
    assert main([*base, "-o", "json", "-l", "team=b"]) == 0
    assert {a["name"] for a in json.loads(capsys.readouterr().out)["apps"]} == {"beta"}
    assert main([*base, "-o", "json", "-l", "!team"]) == 0
    assert {a["name"] for a in json.loads(capsys.readouterr().out)["apps"]} == {"alpha"}


def test_status_prints_json_and_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.source.gitrepos import make_remote

    remote = make_remote(tmp_path)
    try:
        StatusWriter.for_url(remote.url, cache_dir=tmp_path / "cache").write(
            [status("shop"), status("web", sync=SyncState.FAILED, health=Health.UNKNOWN)]
        )
        assert main(["status", remote.url, "-o", "json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert [a["app"] for a in document["apps"]] == ["shop", "web"]
        assert document["apps"][1]["sync"] == "Failed"
        assert main(["status", remote.url, "-o", "yaml"]) == 0
        assert yaml.safe_load(capsys.readouterr().out) == document
    finally:
        remote.work.close()


def test_durations_in_go_form_for_flags_and_the_config_file(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--repo", str(tmp_path), "--interval", "1h30m"])
    assert settings_loader(args)().repositories[0].interval == 5400.0
    apply = build_parser().parse_args(["apply", ".", "--wait", "--timeout", "2m30s"])
    assert apply.timeout == 150.0

    config = tmp_path / "config.yaml"
    config.write_text(f"repositories:\n  - url: {tmp_path}\n    interval: 1h30m\n")
    assert load_config_file(config).repositories[0].interval == 5400.0


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        (["apply"], ("--dry-run=server", "-n ", "--timeout 2m30s")),
        (["diff"], ("--app shop --app search", "-l tier=web", "-o json")),
        (["render"], ("-l tier=web",)),
        (["review"], ("--app shop --app search", "-o json")),
        (["status"], ("-o json",)),
        (["run"], ("--interval 2m30s",)),
    ],
)
def test_help_examples_show_the_new_flags(
    command: list[str], flags: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    example = capsys.readouterr().out.split("example:", 1)[1]
    for flag in flags:
        assert flag in example, (command, flag)
