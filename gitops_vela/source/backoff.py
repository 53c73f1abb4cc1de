"""Exponential backoff with jitter and a cap, for retrying a remote that is down."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays that grow ``initial * factor**(n-1)`` up to ``cap``, each moved by ±``jitter``.

    ``failure()`` records a failure and returns how long to wait before the next
    try; ``success()`` starts over. Jitter spreads the retries of many
    repositories that failed together (one Git server down).
    """

    initial: float = 5.0
    factor: float = 2.0
    cap: float = 300.0
    jitter: float = 0.2
    rng: random.Random = field(default_factory=random.Random, repr=False)
    failures: int = 0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial:
            raise ValueError("backoff needs initial > 0, factor >= 1 and cap >= initial")
        if not 0 <= self.jitter < 1:
            raise ValueError("backoff jitter is a fraction in [0, 1)")

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` consecutive failures (>= 1), jitter included."""
        exponent = min(max(failures, 1) - 1, 64)  # large counts must not overflow
        base = min(self.cap, self.initial * self.factor**exponent)
        spread = base * self.jitter
        return min(self.cap, base + self.rng.uniform(-spread, spread))

    def failure(self) -> float:
        self.failures += 1
        return self.delay(self.failures)

    def success(self) -> None:
        self.failures = 0
