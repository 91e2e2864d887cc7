"""A clock the test moves by hand, so TTL and expiry behaviour is tested without sleeping."""

from __future__ import annotations

T0 = 1_800_000_000.0  # an arbitrary epoch-like start for clocks that stand in for time.time


class FakeClock:
    """Callable like ``time.monotonic``/``time.time``; ``now`` is set or advanced by the test."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
