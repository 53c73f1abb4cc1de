"""``--env E`` on the commands that render, ``validate`` over every declared environment,
and ``environment:`` in the daemon's repository config (docs/environments.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from gitops_vela.cli import build_parser, main
from gitops_vela.cli.run_cmd import settings_loader
from gitops_vela.errors import ConfigError
from gitops_vela.settings import PromotionSettings, load_config_file

FIXTURE = Path(__file__).resolve().parents[1] / "foundation" / "repo"
SHOP = "apps/shop/vela.yaml"
ENVIRONMENTS = """\
environments:
  staging:
    namespace: shop-staging
  prod:
    services:
      frontend:
        scaler: {replicas: 5}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The foundation fixture repository, its shop app with a staging and a prod block."""
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    path = root / SHOP
    path.write_text(path.read_text() + ENVIRONMENTS)
    return root


def rendered(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, object]]:
    assert main(["render", *args, "--app", "shop"]) == 0
    found = list(yaml.safe_load_all(capsys.readouterr().out))
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in found}


def test_render_takes_the_values_of_the_environment(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = rendered(capsys, str(repo))
    prod = rendered(capsys, str(repo), "--env", "prod")
    staging = rendered(capsys, str(repo), "--env", "staging")

    assert base["Deployment/frontend"]["spec"]["replicas"] == 3  # type: ignore[index]
    assert prod["Deployment/frontend"]["spec"]["replicas"] == 5  # type: ignore[index]
    assert {o["metadata"]["namespace"] for o in staging.values()} == {"shop-staging"}  # type: ignore[index]


def test_a_bad_environment_name_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["render", str(repo), "--env", "Prod"])

    assert exited.value.code == 2
    assert "'Prod' is not an environment name" in capsys.readouterr().err


def test_validate_checks_the_base_and_every_declared_environment(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(repo)]) == 0
    assert "ok: 2 apps rendered without errors in environments prod, staging" in (
        capsys.readouterr().out
    )

    (repo / "apps/shop/vela.prod.yaml").write_text("services:\n  frontend:\n    image: null\n")
    assert main(["validate", str(repo)]) == 1

    assert capsys.readouterr().err.splitlines() == [
        f"{SHOP}:4: services.frontend: 'image' is a required property (in environment 'prod')"
    ]


def test_validate_reports_an_error_of_the_base_once(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / SHOP
    path.write_text(path.read_text().replace("port: 8080", "port: http"))

    assert main(["validate", str(repo)]) == 1

    assert capsys.readouterr().err.splitlines() == [
        f"{SHOP}:6: services.frontend.port: 'http' is not of type 'integer'"
    ]


def test_validate_with_env_checks_only_that_environment(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "apps/shop/vela.prod.yaml").write_text(
        "services: {frontend: {scaler: {replicas: x}}}\n"
    )

    assert main(["validate", str(repo), "--env", "staging"]) == 0
    assert main(["validate", str(repo), "--env", "prod", "-o", "json"]) == 1

    out = capsys.readouterr().out
    assert '"path": "apps/shop/vela.prod.yaml"' in out
    assert "ok: 2 apps rendered without errors in environments staging" in out


def test_the_repository_config_names_its_environment(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n  - url: https://git.example.com/acme/shop.git\n    environment: prod\n"
    )

    (repository,) = load_config_file(config).repositories

    assert repository.environment == "prod"


def test_a_bad_environment_in_the_config_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n  - url: https://git.example.com/acme/shop.git\n    environment: Prod\n"
    )

    with pytest.raises(ConfigError) as caught:
        load_config_file(config)

    assert str(caught.value).startswith(f"{config}:3: repositories[0].environment:")


def test_run_with_one_repository_takes_env(tmp_path: Path) -> None:
    args = build_parser().parse_args(["run", "--repo", str(tmp_path), "--env", "staging"])

    (repository,) = settings_loader(args)().repositories
    assert repository.environment == "staging"


def test_apply_and_diff_take_env(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["apply", str(repo), "--env", "staging", "--dry-run=client", "-o", "json"])

    assert code == 0
    listing = json.loads(capsys.readouterr().out)
    shop = [o for o in listing["items"] if o["metadata"]["labels"]["app.oam.dev/name"] == "shop"]
    assert shop and {o["metadata"]["namespace"] for o in shop} == {"shop-staging"}
    with pytest.raises(SystemExit):
        main(["diff", str(repo), "--env", "no_such"])


def test_promotion_is_read_from_the_repository_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n  - url: https://git.example.com/acme/shop.git\n    environment: prod\n"
        "    promotion: {from: staging, healthyFor: 10m}\n"
    )

    (repository,) = load_config_file(config).repositories

    assert repository.promotion == PromotionSettings(source="staging", healthy_for=600.0)


def test_bad_promotions_are_named_with_their_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "repositories:\n  - url: https://git.example.com/acme/shop.git\n    environment: prod\n"
        "    promotion:\n      from: prod\n      healthyFor: soon\n"
    )

    with pytest.raises(ConfigError) as caught:
        load_config_file(config)

    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{config}:5: repositories[0].promotion.from: an environment cannot be promoted from itself"
    )
    assert lines[1].startswith(f"{config}:6: repositories[0].promotion.healthyFor:")


def test_an_environment_no_appfile_declares_is_warned_about(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render", str(repo), "--env", "prdo"]) == 0

    err = capsys.readouterr().err
    assert "warning: no Appfile declares environment 'prdo': every app renders its base" in err
    assert "(declared: prod, staging)" in err
