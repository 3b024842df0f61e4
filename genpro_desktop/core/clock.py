"""Where core code takes time from: a monotonic clock, an async sleep and the wall clock.

Production code uses `SystemClock`; tests pass a `FakeClock`, whose `sleep` returns at once and
records what was asked, so retry back-offs and poll intervals are asserted instead of waited for.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from genpro_desktop.core.api import Clock, SystemClock

__all__ = ["DEFAULT_WALL_START", "Clock", "FakeClock", "SystemClock"]

# The same instant as the simulator's ManualClock default, so schedules built from either clock
# agree on what "now" is.
DEFAULT_WALL_START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock for tests: `sleep` advances time instantly and is recorded in `sleeps`."""

    def __init__(self, start: float = 0.0, wall_start: datetime = DEFAULT_WALL_START) -> None:
        if wall_start.tzinfo is None:
            raise ValueError("wall_start must be timezone-aware")
        self._start = float(start)
        self._now = float(start)
        self._wall_start = wall_start.astimezone(UTC)
        self.sleeps: list[float] = []

    def now(self) -> float:
        """The fake monotonic time."""
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Record the sleep, advance time by it, and yield to the loop once."""
        seconds = max(0.0, float(seconds))
        self.sleeps.append(seconds)
        self._now += seconds
        # Yielding keeps "sleep" a real suspension point, so task interleavings stay realistic.
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._now += seconds

    def wall(self) -> datetime:
        """`wall_start` plus the time that has passed on this clock."""
        return self._wall_start + timedelta(seconds=self._now - self._start)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now:.3f}, sleeps={len(self.sleeps)})"
