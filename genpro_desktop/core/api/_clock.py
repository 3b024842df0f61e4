"""The time source of the whole core: a monotonic clock, an async sleep and the wall clock.

It lives in `core.api` (the bottom layer) so the client and the rest of the core share one
protocol; `core.clock` re-exports it beside the tests' `FakeClock`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds, an async sleep on the same timeline, and aware UTC wall time."""

    def now(self) -> float:
        """Monotonic seconds; only differences are meaningful."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock's timeline."""
        ...

    def wall(self) -> datetime:
        """The wall-clock time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real clocks: `time.monotonic`, `asyncio.sleep` and `datetime.now(UTC)`."""

    def now(self) -> float:
        """Monotonic seconds from the OS."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Sleep on the running event loop."""
        await asyncio.sleep(max(0.0, seconds))

    def wall(self) -> datetime:
        """The system's wall clock in UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"
