"""Fixtures for the policy tests: team A's repository and its policy file (see ``tenants``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policy.tenants import DEFINITIONS, EVIL, TEAM_A_POLICY, app, write


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Team A's repository: ``evil`` renders what the policy refuses, ``good`` does not."""
    return write(
        tmp_path / "team-a",
        {
            **DEFINITIONS,
            "apps/evil/vela.yaml": EVIL,
            "apps/good/vela.yaml": app("good", "team-a-dev"),
        },
    )


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return write(tmp_path, {"policy.yaml": TEAM_A_POLICY}) / "policy.yaml"
