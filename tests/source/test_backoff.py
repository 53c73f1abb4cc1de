from __future__ import annotations

import random

import pytest

from gitops_vela.source import Backoff


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    backoff = Backoff(initial=1, factor=2, cap=10, jitter=0)
    assert [backoff.failure() for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    backoff.success()
    assert backoff.failure() == 1


def test_backoff_jitter_stays_within_bounds_and_cap() -> None:
    backoff = Backoff(initial=4, factor=2, cap=16, jitter=0.25, rng=random.Random(7))
    delays = [backoff.delay(n) for n in (1, 1, 1, 1, 2, 5, 1000)]
    assert all(3 <= d <= 5 for d in delays[:4])
    assert len(set(delays[:4])) > 1  # the jitter spreads retries
    assert 6 <= delays[4] <= 10
    assert delays[5] <= 16 and delays[6] <= 16


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(initial=0)
    with pytest.raises(ValueError):
        Backoff(jitter=1.5)
