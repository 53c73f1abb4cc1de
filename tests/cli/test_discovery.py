"""Issue 15.2: Appfile discovery is bounded, configurable and says when it finds nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vela_emulator import Emulator

from gitops_vela.cli import build_parser, main
from gitops_vela.cli.run_cmd import settings_loader
from gitops_vela.cluster import Cluster
from gitops_vela.daemon.centers import Centers
from gitops_vela.daemon.metrics import Metrics
from gitops_vela.daemon.reconcile import RepositoryReconciler
from gitops_vela.settings import RepositorySettings, load_config_file
from gitops_vela.source import GitSource
from tests.cli.conftest import REPO, clone, git
from tests.review.conftest import APPS, DEFINITIONS, Repo

PROJECT = Path(__file__).parents[2]
BROKEN = "name: stray\nservices:\n  web:\n    type: no-such-type\n"


def _broken(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(BROKEN)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO, tmp_path / "acme"))


def test_a_folder_that_is_no_repository_is_refused_not_searched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(30):
        _broken(tmp_path / "scratch" / f"run-{n}" / "x" / "vela.yaml")

    assert main(["validate", str(tmp_path / "scratch")]) == 2
    err = capsys.readouterr().err
    assert "no apps/ folder, vela.yaml or definitions/ here, and not a Git checkout" in err
    assert "--app-glob" in err and "no-such-type" not in err

    # asked explicitly, it searches
    assert main(["validate", str(tmp_path / "scratch"), "--app-glob", "**/vela.yaml"]) == 1
    assert capsys.readouterr().err.count("no-such-type") == 30


def test_validate_at_the_project_root_leaves_test_data_alone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", str(PROJECT)]) == 0
    captured = capsys.readouterr()
    assert "tests/" not in captured.out + captured.err
    assert "no Appfile matches **/vela.yaml, apps/**/*.yaml" in captured.err


def test_the_ignore_file_excludes_paths_in_gitignore_syntax(
    checkout: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _broken(checkout / "apps" / "drafts" / "one" / "vela.yaml")
    _broken(checkout / "apps" / "drafts" / "keep" / "vela.yaml")
    _broken(checkout / "apps" / "old.yaml")
    (checkout / "apps" / "old.yaml").write_text(BROKEN.replace("stray", "old"))
    (checkout / ".gitops-vela-ignore").write_text("# drafts\napps/drafts/\n*.yaml\n!vela.yaml\n")

    assert main(["validate", str(checkout)]) == 0
    assert "ok: 1 apps rendered" in capsys.readouterr().out


def test_the_daemons_cache_and_nested_checkouts_are_not_searched(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A broken app in Git, fetched into a daemon cache that lives inside the folder.
    origin = Path(shutil.copytree(REPO, tmp_path / "origin"))
    _broken(origin / "apps" / "other" / "vela.yaml")
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", "-A", cwd=origin)
    git("commit", "-q", "-m", "apps", cwd=origin)
    GitSource(str(origin), cache_dir=checkout / "cache").fetch()
    assert list((checkout / "cache").rglob("other/vela.yaml")), "the snapshot holds the app"
    clone(origin, checkout / "vendor-clone")  # another repository's checkout

    assert main(["validate", str(checkout)]) == 0
    captured = capsys.readouterr()
    assert "ok: 1 apps rendered" in captured.out and "no-such-type" not in captured.err


def test_globs_come_from_the_flag_the_config_file_and_run(
    checkout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    moved = checkout / "deploy" / "shop.yaml"
    moved.parent.mkdir()
    shutil.move(checkout / "apps" / "shop" / "vela.yaml", moved)

    assert main(["render", str(checkout)]) == 0
    assert "no Appfile matches **/vela.yaml, apps/**/*.yaml" in capsys.readouterr().err
    assert main(["render", str(checkout), "--app-glob", "deploy/*.yaml"]) == 0
    assert "# app: shop (deploy/shop.yaml)" in capsys.readouterr().out
    assert main(["validate", str(checkout), "--app-glob", "../elsewhere/*.yaml"]) == 2
    assert "must be relative to the repository" in capsys.readouterr().err

    config = tmp_path / "config.yaml"
    config.write_text(f"repositories:\n  - url: {checkout}\n    appGlobs: [deploy/*.yaml]\n")
    assert load_config_file(config).repositories[0].app_globs == ("deploy/*.yaml",)
    args = build_parser().parse_args(
        ["run", "--repo", str(checkout), "--app-glob", "deploy/*.yaml", "--app-glob", "x/*.yaml"]
    )
    assert settings_loader(args)().repositories[0].app_globs == ("deploy/*.yaml", "x/*.yaml")


def test_review_honours_the_ignore_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = Repo(tmp_path / "platform")
    repo.write({**DEFINITIONS, **APPS, ".gitops-vela-ignore": "apps/beta/\n"})
    repo.commit("definitions and apps")
    repo.branch("feature")
    repo.edit("definitions/tiny.yaml", "default: 1", "default: 2")  # used by alpha and beta
    repo.commit("two replicas")

    args = ["review", "--base", "main", "--head", "feature", str(repo.path), "-o", "json"]
    assert main(args) == 0
    assert '"beta"' not in capsys.readouterr().out


def test_the_daemon_reads_app_globs_and_the_ignore_file(emulator: Emulator, tmp_path: Path) -> None:
    """A repository whose Appfiles live in deploy/, with drafts ignored: the daemon applies
    exactly the Appfiles the config and the ignore file name."""
    origin = Path(shutil.copytree(REPO, tmp_path / "origin"))
    shutil.move(origin / "apps" / "shop" / "vela.yaml", origin / "deploy.yaml")
    _broken(origin / "drafts" / "deploy.yaml")
    (origin / ".gitops-vela-ignore").write_text("drafts/\n")
    git("init", "-q", "-b", "main", cwd=origin)
    git("add", "-A", cwd=origin)
    git("commit", "-q", "-m", "apps", cwd=origin)
    settings = RepositorySettings(name="acme", url=str(origin), app_globs=("**/deploy.yaml",))

    with Cluster(emulator.client_configuration()) as cluster:
        reconciler = RepositoryReconciler(
            settings,
            cluster=cluster,
            centers=lambda: Centers((), cache_dir=tmp_path / "centers"),
            metrics=Metrics(),
            cache_dir=tmp_path / "cache",
            inventory_namespace="gitops-vela-system",
        )
        assert reconciler.run().ok
        live = cluster.get(cluster.resource("apps/v1", "Deployment"), namespace="shop", name="web")
    assert live is not None and live["metadata"]["labels"]["gitops-vela.dev/app"] == "acme.shop"
