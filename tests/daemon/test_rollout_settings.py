"""``rollout:`` of a repository in the config file: the issue's names, checked with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.errors import ConfigError
from gitops_vela.settings import RolloutSettings, load_config_file

CONFIG = """\
repositories:
  - url: /srv/shop.git
    rollout:
      waves: ["1", "10%", "50%", "100%"]
      pause: 2m
      healthGate: 5m
      order: [gitops-vela.dev/rollout-tier]
      onFailure: rollback
  - url: /srv/blog.git
"""


def load(tmp_path: Path, text: str) -> list[RolloutSettings | None]:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return [r.rollout for r in load_config_file(path, environ={}).repositories]


def test_the_rollout_keys_are_read_and_a_repository_without_them_has_no_waves(
    tmp_path: Path,
) -> None:
    shop, blog = load(tmp_path, CONFIG)

    assert shop == RolloutSettings(
        waves=("1", "10%", "50%", "100%"),
        pause=120.0,
        health_gate=300.0,
        order=("gitops-vela.dev/rollout-tier",),
        on_failure="rollback",
    )
    assert blog is None


def test_an_empty_rollout_block_takes_the_defaults(tmp_path: Path) -> None:
    (shop,) = load(tmp_path, "repositories:\n  - url: /srv/shop.git\n    rollout: {pause: 5s}\n")

    assert shop == RolloutSettings(pause=5.0)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ('      waves: ["1", "0%", "150%", "x"]', "repositories[0].rollout.waves[1]: '0%' is not"),
        ("      pause: soon", "repositories[0].rollout.pause: "),
        ("      onFailure: retry", "repositories[0].rollout.onFailure: 'retry' is not one of"),
    ],
)
def test_a_bad_rollout_value_names_file_line_and_key(tmp_path: Path, line: str, error: str) -> None:
    text = f"repositories:\n  - url: /srv/shop.git\n    rollout:\n{line}\n"

    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)

    assert f"config.yaml:4: {error}" in str(caught.value)
