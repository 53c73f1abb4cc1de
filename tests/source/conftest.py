from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.source.gitrepos import Remote, make_remote


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    remote = make_remote(tmp_path)
    yield remote
    remote.work.close()
