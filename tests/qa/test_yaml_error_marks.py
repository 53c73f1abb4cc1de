"""A YAML syntax error names the construct left open and where the parser noticed (#15.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_vela.cli import main

APPFILE = "name: [testapp\nservices:\n  web:\n    image: nginx\n"


def test_an_unclosed_flow_sequence_points_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "apps" / "testapp"
    app.mkdir(parents=True)
    (app / "vela.yaml").write_text(APPFILE)

    assert main(["validate", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "vela.yaml" in x)
    assert "apps/testapp/vela.yaml:1: YAML syntax error: while parsing a flow sequence; " in line
    assert "apps/testapp/vela.yaml:2: did not find expected ',' or ']'" in line
