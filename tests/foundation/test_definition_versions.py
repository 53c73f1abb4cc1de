"""A definition's ``spec.version``: read as semver, refused with its file, line and key otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.catalog.catalog import Catalog
from tests.foundation.conftest import repo_catalog

TRAIT = (
    "apiVersion: core.oam.dev/v1beta1\nkind: TraitDefinition\nmetadata: {{name: shiny}}\nspec:\n"
    "  version: {version}\n"
    "  schematic: {{jsonnet: {{template: 'function(p, c) {{}}'}}}}\n"
)


def load(tmp_path: Path, version: str) -> Catalog:
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "shiny.yaml").write_text(TRAIT.format(version=version))
    return repo_catalog(tmp_path)


def test_a_semantic_version_is_kept(tmp_path: Path) -> None:
    catalog = load(tmp_path, '"2.1.0"')

    shiny = catalog.get("shiny")
    assert shiny is not None and shiny.version == "2.1.0"


def test_no_version_means_none_declared(tmp_path: Path) -> None:
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "shiny.yaml").write_text(
        TRAIT.format(version='"1.0.0"').replace('  version: "1.0.0"\n', "")
    )

    shiny = repo_catalog(tmp_path).get("shiny")
    assert shiny is not None and shiny.version == ""


@pytest.mark.parametrize("version", ["2.1", "v1.0.0", "01.0.0", "1", "[1]"])
def test_a_version_that_is_not_semver_is_refused_with_its_key(tmp_path: Path, version: str) -> None:
    catalog = load(tmp_path, version)

    assert catalog.get("shiny") is None
    (problem,) = catalog.diagnostics
    assert str(problem).startswith("definitions/shiny.yaml:5: spec.version: version ")
    assert "is not a semantic version" in str(problem)
