"""`gitops-vela ... | head` must not end in a Python traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "sample-repo"


@pytest.mark.parametrize("argv", [["defs", "list", str(SAMPLE)], ["validate", str(SAMPLE)]])
def test_a_closed_stdout_is_quiet(argv: list[str]) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitops_vela", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err, err
