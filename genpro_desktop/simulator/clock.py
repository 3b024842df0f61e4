"""Simulator clocks: every job timeline in the simulator is computed from one of these."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

# Same instant as core.clock.FakeClock's default wall start, so a test that builds a schedule
# from the client's fake clock and one that asks the simulator agree on what "the future" is.
DEFAULT_WALL_START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@runtime_checkable
class SimClock(Protocol):
    """Where the simulator reads time: monotonic seconds for timelines, aware UTC for stamps."""

    def now(self) -> float:
        """Seconds elapsed on the simulator's timeline."""
        ...

    def wall(self) -> datetime:
        """The simulated wall-clock time (aware, UTC)."""
        ...


class ManualClock:
    """A clock that only moves when a test calls `advance`; safe to use from any thread."""

    def __init__(self, start: float = 0.0, wall_start: datetime = DEFAULT_WALL_START) -> None:
        if wall_start.tzinfo is None:
            raise ValueError("wall_start must be timezone-aware")
        self._lock = threading.Lock()
        self._now = float(start)
        self._wall_start = wall_start.astimezone(UTC) - timedelta(seconds=start)

    def now(self) -> float:
        """Seconds elapsed on the simulator's timeline."""
        with self._lock:
            return self._now

    def wall(self) -> datetime:
        """The simulated wall-clock time: wall_start plus everything advanced so far."""
        with self._lock:
            return self._wall_start + timedelta(seconds=self._now)

    def advance(self, seconds: float) -> None:
        """Move time forward; jobs whose deadlines pass change state on their next read."""
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now():.3f})"


class RealClock:
    """Scaled real time for the demo: `speed=10` makes a 8 s render finish in 0.8 s."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._t0 = time.monotonic()

    def now(self) -> float:
        """Scaled seconds since the clock was created."""
        return (time.monotonic() - self._t0) * self.speed

    def wall(self) -> datetime:
        """The real wall clock, so schedules typed by a person are judged against real time."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return f"RealClock(speed={self.speed})"
