"""Render settings flow from the environment through the command into the worker pool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitops_vela.cli import main
from gitops_vela.render import engine
from gitops_vela.settings import RenderSettings


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    engine.shutdown()
    yield
    engine.shutdown()


@pytest.mark.usefixtures("fresh_pool")
def test_render_workers_come_from_the_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITOPS_VELA_RENDER_WORKERS", "1")
    monkeypatch.setenv("GITOPS_VELA_RENDER_MEMORY_MB", "3000")

    assert main(["render", str(repo)]) == 0

    assert "kind: Deployment" in capsys.readouterr().out
    assert engine.pool().settings == RenderSettings(workers=1, memory_mb=3000)


@pytest.mark.usefixtures("fresh_pool")
def test_a_pool_with_another_shape_is_replaced_and_the_timeout_is_not_its_business() -> None:
    first = engine.pool(RenderSettings(workers=1))
    assert engine.pool(RenderSettings(workers=1, timeout=1.0)) is first
    second = engine.pool(RenderSettings(workers=2))
    assert second is not first and second.size == 2
    assert engine.pool() is second
    (outcome,) = engine.evaluate([engine.Job("<t>/main.jsonnet", "{a: 1}")])
    assert outcome.ok and '"a": 1' in outcome.text


def test_a_bad_render_setting_is_one_error_line(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GITOPS_VELA_RENDER_WORKERS", "abc")

    assert main(["render", str(repo)]) == 2

    err = capsys.readouterr().err.strip()
    assert err == "error: GITOPS_VELA_RENDER_WORKERS: expected a positive integer, got 'abc'"
