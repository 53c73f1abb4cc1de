"""A checkout is named after its origin remote, as the daemon names the repository.

Issue 10.6: in a clone whose folder has another name, ``diff`` must not report
objects as changing owner and ``apply --dry-run`` must not say they would be created.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from vela_emulator import Emulator

from gitops_vela.cli import main
from gitops_vela.cluster import Cluster
from gitops_vela.model.labels import OWNER
from gitops_vela.review.reviewer import repo_name
from gitops_vela.settings import SingleRepository, single_repository_settings
from gitops_vela.source.identity import without_secrets
from tests.cli.conftest import cli, clone, git


def _daemon_name(url: str) -> str:
    """The name ``gitops-vela run --repo URL`` gives the repository."""
    settings = single_repository_settings(SingleRepository(url=url), environ={})
    return settings.repositories[0].name


def _owners(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> set[str]:
    assert main(["render", str(path), *extra]) == 0
    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    return {obj["metadata"]["labels"][OWNER] for obj in objects}


def test_a_clone_is_named_after_its_origin_whatever_its_folder(
    remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = clone(remote, tmp_path / "my-work-copy")

    assert _daemon_name(str(remote)) == "sample"
    assert _owners(capsys, checkout) == {"sample.shop"}
    assert _owners(capsys, checkout / "apps" / "..") == {"sample.shop"}
    assert _owners(capsys, checkout, "--repo", "acme") == {"acme.shop"}


def test_without_a_remote_the_folder_names_it(
    remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = clone(remote, tmp_path / "Loose_Copy")
    git("remote", "remove", "origin", cwd=checkout)

    # named as the daemon names a local path: a DNS label, whatever the folder is called
    assert _daemon_name(str(checkout)) == "loose-copy"
    assert _owners(capsys, checkout) == {"loose-copy.shop"}


def test_review_names_other_app_repositories_the_same_way(remote: Path, tmp_path: Path) -> None:
    assert repo_name(clone(remote, tmp_path / "apps-checkout")) == "sample"


def test_credentials_in_the_origin_url_never_reach_a_name(
    remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = clone(remote, tmp_path / "work")
    url = "https://bot:tok3n-s3cret@git.example.com/acme/shop.git?access_token=tok3n-s3cret#x"
    git("remote", "set-url", "origin", url, cwd=checkout)

    assert _owners(capsys, checkout) == {"shop.shop"}
    assert _daemon_name(without_secrets(url)) == "shop"
    assert main(["render", str(checkout)]) == 0
    captured = capsys.readouterr()
    assert "tok3n" not in captured.out + captured.err


def test_diff_and_dry_run_in_another_clone_see_the_daemons_objects(
    emulator: Emulator, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The objects as the daemon applies them: named after the URL.
    assert (
        cli(emulator, "apply", clone(remote, tmp_path / "a"), "--repo", _daemon_name(str(remote)))
        == 0
    )
    checkout = clone(remote, tmp_path / "elsewhere")
    capsys.readouterr()

    assert cli(emulator, "diff", checkout) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "0 object(s) differ in 0 app(s)"
    assert "warning" not in captured.err

    assert cli(emulator, "apply", checkout, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "shop: 4 unchanged" in out and "created" not in out and "adopted" not in out

    with Cluster(emulator.client_configuration()) as cluster:
        live = cluster.get(cluster.resource("apps/v1", "Deployment"), namespace="shop", name="web")
    assert live is not None and live["metadata"]["labels"][OWNER] == "sample.shop"


def test_a_warning_names_the_repository_the_cluster_records(
    emulator: Emulator, remote: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "apply", clone(remote, tmp_path / "a"), "--repo", "shop-prod") == 0
    checkout = clone(remote, tmp_path / "b")
    capsys.readouterr()

    cli(emulator, "diff", checkout)
    err = capsys.readouterr().err
    assert "recorded in the cluster for repository 'shop-prod' (apps shop)" in err
    assert "pass --repo shop-prod" in err

    assert cli(emulator, "diff", checkout, "--repo", "shop-prod") == 0
    assert "warning" not in capsys.readouterr().err
