"""Fixtures of the foundation tests: a copy of the fixture repository, and the worker pool.

The Jsonnet worker pool is process-wide and warm: its start-up is paid once
per test session, and its workers are stopped when the session ends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_vela.catalog import Catalog, load_catalog
from gitops_vela.render import engine

FIXTURE_REPO = Path(__file__).parent / "repo"


@pytest.fixture(scope="session", autouse=True)
def jsonnet_workers() -> Iterator[None]:
    yield
    engine.shutdown()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A writable copy of the fixture repository (two apps, own definitions)."""
    target = tmp_path / "repo"
    shutil.copytree(FIXTURE_REPO, target)
    return target


def repo_catalog(root: Path) -> Catalog:
    """The fixture repository's own definitions, without the built-ins."""
    return load_catalog(root, origin="test", builtins=False)
