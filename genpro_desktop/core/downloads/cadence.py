"""When to checkpoint a download, and when a crawling connection counts as stalled."""

from __future__ import annotations

from genpro_desktop.core.downloads.progress import MonotonicClock, format_bytes

# Checkpoint the resume state after this many new bytes or seconds, whichever comes first, so a
# crash loses at most about this much progress and the store sees a few writes a second. The
# byte bound is large: on a fast link (loopback, a LAN CDN cache) every checkpoint waits for the
# writer thread and a SQLite commit, and 1 MiB checkpoints held a 600 MB/s pipe to ~250 MB/s
# (bench/download.py); 64 MiB re-downloads in well under a second on such a link.
CHECKPOINT_BYTES = 64 * 1024 * 1024
CHECKPOINT_INTERVAL = 1.0
# Policy D6: less than 1 KiB/s over 60 s is a stall; reconnect (resume) instead of trickling on.
STALL_WINDOW = 60.0
STALL_MIN_RATE = 1024.0


class Checkpointer:
    """Says when the next checkpoint is due: every ``every_bytes`` or ``every_seconds``."""

    def __init__(
        self,
        clock: MonotonicClock,
        *,
        every_bytes: int = CHECKPOINT_BYTES,
        every_seconds: float = CHECKPOINT_INTERVAL,
    ) -> None:
        self._clock = clock
        self._every_bytes = every_bytes
        self._every_seconds = every_seconds
        self._at = clock.now()
        self._done = 0

    def mark(self, done: int) -> None:
        """Record that a checkpoint of ``done`` bytes was just taken."""
        self._at = self._clock.now()
        self._done = done

    def due(self, done: int) -> bool:
        """True when ``done`` bytes deserve a checkpoint now."""
        if done <= self._done:
            return False
        if done - self._done >= self._every_bytes:
            return True
        return self._clock.now() - self._at >= self._every_seconds


class StallWatchdog:
    """Detects a connection that delivers less than ``min_rate`` bytes/s over ``window`` s."""

    def __init__(
        self,
        clock: MonotonicClock,
        *,
        window: float = STALL_WINDOW,
        min_rate: float = STALL_MIN_RATE,
    ) -> None:
        self._clock = clock
        self._window = window
        self._min_rate = min_rate
        self._since = clock.now()
        self._base = 0

    def start(self, done: int) -> None:
        """Begin watching at ``done`` bytes."""
        self._since = self._clock.now()
        self._base = done

    def stalled(self, done: int) -> bool:
        """Record ``done`` bytes; True if the last full window was slower than the minimum."""
        now = self._clock.now()
        elapsed = now - self._since
        if elapsed < self._window:
            return False
        if (done - self._base) / elapsed < self._min_rate:
            return True
        self._since, self._base = now, done
        return False

    def describe(self) -> str:
        """The rule, for messages: "less than 1.0 kB a second for 60 s"."""
        return f"less than {format_bytes(int(self._min_rate))} a second for {self._window:g} s"
