"""Free heap pages go back to the OS after a burst, never after a quiet poll."""

from __future__ import annotations

import pytest

from gitops_vela.daemon import memory


def test_a_burst_is_trimmed_a_quiet_poll_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(memory, "_malloc_trim", lambda: lambda pad: calls.append(pad) or 1)
    assert not memory.release(memory.BURST_APPS - 1)
    assert calls == []
    assert memory.release(memory.BURST_APPS)
    assert calls == [0]  # 0: keep no padding at the top of the heap


def test_without_malloc_trim_nothing_happens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_malloc_trim", lambda: None)
    assert not memory.release(10_000)


@pytest.mark.skipif(memory._malloc_trim() is None, reason="the C library has no malloc_trim")
def test_the_real_trim_runs_here() -> None:
    assert memory.release(10_000)
