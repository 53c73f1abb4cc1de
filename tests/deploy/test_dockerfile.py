"""The daemon image's Dockerfile passes hadolint (every rule, or an inline reason why not)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"  # installed by the dev extra


def test_hadolint_finds_nothing() -> None:
    done = subprocess.run(
        [str(HADOLINT), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_ignored_rule_says_why() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if line.startswith("# hadolint ignore="):
            assert lines[number - 1].startswith("# "), f"Dockerfile:{number + 1}: no reason given"


def test_the_image_holds_the_product_not_the_emulator() -> None:
    copies = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("COPY ")]
    assert not any("emulator" in line for line in copies)
    assert any(line.startswith("COPY gitops_vela ") for line in copies)
