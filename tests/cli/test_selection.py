"""Label selectors as kubectl writes them, matched against Appfile labels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitops_vela.cli import main
from gitops_vela.render.selection import SelectorError, parse_selector
from tests.cli.conftest import REPO

LABELS = {"tier": "web", "team": "find", "example.com/env": "prod"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("tier=web", True),
        ("tier==web", True),
        ("tier!=web", False),
        ("tier=batch", False),
        ("tier in (web, batch)", True),
        ("tier notin (web)", False),
        ("region notin (eu)", True),  # a missing key is not in any set
        ("team", True),
        ("!team", False),
        ("!region", True),
        ("tier=web,team=find,example.com/env=prod", True),
        ("tier=web, team=other", False),
        ("example.com/env in (prod,staging),!legacy", True),
    ],
)
def test_selectors_match_as_kubectl_matches(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


@pytest.mark.parametrize("text", ["", " , ", "tier=(web", "tier in web", "=web", "tier>3"])
def test_malformed_selectors_say_what_is_wrong(text: str) -> None:
    with pytest.raises(SelectorError, match="selector"):
        parse_selector(text)


def test_appfile_labels_are_checked_like_kubernetes_labels(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(shutil.copytree(REPO, tmp_path / "acme"))
    appfile = root / "apps" / "shop" / "vela.yaml"
    text = appfile.read_text().replace(
        "namespace: shop\n", "namespace: shop\nlabels:\n  tier: web!\n  bad key: x\n  n: 3\n"
    )
    appfile.write_text(text)

    assert main(["validate", str(root)]) == 1
    err = capsys.readouterr().err
    assert "apps/shop/vela.yaml:4: labels.tier: 'web!' is not a label value" in err
    assert "apps/shop/vela.yaml:5: labels.bad key: 'bad key' is not a label key" in err
    assert "apps/shop/vela.yaml:6: labels.n: must be a string, got int (quote it)" in err
