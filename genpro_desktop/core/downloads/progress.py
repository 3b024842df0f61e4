"""Download progress reports, throttled so a GUI is never flooded."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import NamedTuple, Protocol

# At most ten reports a second: enough for a smooth bar, cheap for a Qt signal per report.
PROGRESS_INTERVAL = 0.1
# Speed is measured over the last few seconds so it follows real changes but does not jitter.
SPEED_WINDOW = 3.0


class Reconnecting(NamedTuple):
    """The download is about to reconnect: attempt ``attempt`` of ``limit``, in ``delay`` s."""

    attempt: int
    limit: int
    delay: float
    reason: str

    def describe(self) -> str:
        """``"reconnecting, attempt 2 of 5"``."""
        return f"reconnecting, attempt {self.attempt} of {self.limit}"


class DownloadProgress(NamedTuple):
    """One progress report: bytes so far, total (None if unknown), bytes/s and seconds left.

    ``reconnect`` is set (and speed and ETA are None) when the connection failed part-way and
    the download is waiting to reconnect by itself; the next report with bytes clears it.
    """

    bytes: int
    total: int | None
    speed: float | None
    eta: float | None
    reconnect: Reconnecting | None = None


ProgressCallback = Callable[[DownloadProgress], None]


class MonotonicClock(Protocol):
    """Anything with a monotonic ``now()`` in seconds (``core.clock.Clock`` qualifies)."""

    def now(self) -> float:
        """Monotonic seconds; only differences are meaningful."""
        ...


class ProgressThrottle:
    """Turns a stream of byte counts into at most one report per ``interval`` seconds."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        total: int | None,
        clock: MonotonicClock,
        *,
        interval: float = PROGRESS_INTERVAL,
        start: int = 0,
    ) -> None:
        self._callback = callback
        self._total = total
        self._clock = clock
        self._interval = interval
        self._last_report: float | None = None
        # A resumed download starts at `start` bytes; speed counts only what arrives now.
        self._samples: deque[tuple[float, int]] = deque([(clock.now(), start)])

    def update(self, done: int) -> None:
        """Record ``done`` bytes; report if the last report is at least ``interval`` old."""
        if self._callback is None:
            return
        now = self._clock.now()
        if self._last_report is not None and now - self._last_report < self._interval:
            return
        self._report(now, done, final=False)

    def finish(self, done: int) -> None:
        """Always report the final count, with an ETA of zero."""
        if self._callback is None:
            return
        self._report(self._clock.now(), done, final=True)

    def _report(self, now: float, done: int, *, final: bool) -> None:
        assert self._callback is not None
        self._last_report = now
        self._samples.append((now, done))
        # Keep one sample older than the window so the speed always spans at least the window.
        while len(self._samples) > 2 and now - self._samples[1][0] >= SPEED_WINDOW:
            self._samples.popleft()
        start_time, start_bytes = self._samples[0]
        elapsed = now - start_time
        speed = (done - start_bytes) / elapsed if elapsed > 0 else None
        eta: float | None
        if final:
            eta = 0.0
        elif self._total is not None and speed:
            eta = max(0.0, (self._total - done) / speed)
        else:
            eta = None
        self._callback(DownloadProgress(done, self._total, speed, eta))


def format_bytes(count: int) -> str:
    """Return a size in decimal units for people, such as ``"1.5 GB"`` or ``"830 bytes"``."""
    if count < 1000:
        return f"{count:,} bytes"
    value = float(count)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:,.1f} {unit}"
    raise AssertionError("unreachable")
