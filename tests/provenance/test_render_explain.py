"""``render --explain``: the YAML stream ``render`` prints, a comment on every leaf."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitops_vela.cli import main
from gitops_vela.provenance import annotate
from tests.provenance.conftest import SAMPLE


def _render(capsys: pytest.CaptureFixture[str], *flags: str) -> str:
    code = main(["render", str(SAMPLE), "--repo", "sample", *flags])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_explained_yaml_is_the_render_with_a_comment_on_each_leaf(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = _render(capsys, "--app", "shop")
    explained = _render(capsys, "--app", "shop", "--explain")
    assert list(yaml.safe_load_all(explained)) == list(yaml.safe_load_all(plain))
    lines = explained.splitlines()
    assert (
        "  replicas: 3  # apps/shop/vela.yaml:18 services.frontend.scaler.replicas (trait scaler)"
        in lines
    )
    leaves = [line for line in lines if _is_leaf_line(line)]
    assert leaves and all("  # " in line for line in leaves), [
        line for line in leaves if "  # " not in line
    ][:5]


def _is_leaf_line(line: str) -> bool:
    """A line ending in a scalar (not ``---``, a header comment, or a ``key:`` opening a block)."""
    text = line.strip()
    if not text or text == "---" or text.startswith("#"):
        return False
    body = text.split("  # ", 1)[0]
    return not body.endswith(":")


def test_every_object_of_sample_repo_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    explained = _render(capsys, "--explain")
    documents = list(yaml.safe_load_all(explained))
    assert len(documents) == len(list(yaml.safe_load_all(_render(capsys))))
    assert (
        "# constant in template (<builtin>/webservice.jsonnet) (workload webservice)" in explained
    )
    assert "# context.name (workload webservice)" in explained
    assert "of definition route (<builtin>/route.yaml:" in explained


def test_explain_needs_yaml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", str(SAMPLE), "--explain", "-o", "json"]) == 2
    assert "--explain writes YAML comments" in capsys.readouterr().err


@pytest.mark.parametrize(
    "obj",
    [
        {"a": {"b": [1, "2", True, None]}, "c": []},
        {"s": "multi\nline: text", "t": "yes", "u": "", "v": {}, "w": "# not a comment"},
        {"lists": [[1, 2], [{"name": "x", "v": "0.5"}], []], "k:y": {"a.b/c": 1.5}},
    ],
)
def test_annotated_yaml_reads_back_as_the_object(obj: dict[str, Any]) -> None:
    text = annotate.dump(obj, lambda path: f"leaf {len(path)}")
    assert yaml.safe_load(text) == obj


def test_explained_yaml_of_an_environment_names_its_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plain = _render(capsys, "--app", "shop", "--env", "prod")
    explained = _render(capsys, "--app", "shop", "--env", "prod", "--explain")
    assert list(yaml.safe_load_all(explained)) == list(yaml.safe_load_all(plain))
    lines = (SAMPLE / "apps/shop/vela.yaml").read_text().splitlines()
    prod = next(i for i, line in enumerate(lines, 1) if "scaler: {replicas: 5}" in line)
    assert (
        f"  replicas: 5  # apps/shop/vela.yaml:{prod}"
        " environments.prod.services.frontend.scaler.replicas (trait scaler)"
    ) in explained.splitlines()
