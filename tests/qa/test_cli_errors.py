"""What a new user sees when a command line is wrong: the sub-command's own usage."""

from __future__ import annotations

import pytest

from gitops_vela.cli import main


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        (["render", "--bogus"], "gitops-vela render"),
        (["apply", ".", "--purge"], "gitops-vela apply"),
        (["defs", "show", "webservice", "--wide"], "gitops-vela defs show"),
    ],
)
def test_an_unknown_flag_is_reported_by_its_sub_command(
    argv: list[str], prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert f"usage: {prog} " in err
    assert f"{prog}: error: unrecognized arguments: {argv[-1]}" in err


def test_a_known_command_line_still_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["defs", "show", "scaler"]) == 0
    assert "replicas" in capsys.readouterr().out
