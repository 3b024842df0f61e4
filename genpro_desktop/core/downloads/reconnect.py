"""Reconnecting by itself: a download whose connection fails part-way continues from the kept bytes.

A download is an idempotent GET, so when the connection drops, resets, stalls or the CDN answers
408/429/5xx (a ``DownloadError`` with ``transient`` set), the ``Downloader`` asks again for the
rest with ``Range`` + ``If-Range`` (the rules are in ``resume``) after a back-off, like
``curl --retry`` or a browser. Only attempts that move no byte forward count: the download gives
up after ``Reconnects.limit`` reconnects in a row that got no further than the bytes already in
the ``.part`` file (the error then says so, and the ``.part`` stays for a later resume). An attempt
that moved bytes forward starts the count again, and since every such attempt grows the file,
the loop always ends.

The back-off is the core's full-jitter one (``core.api.RetryPolicy.backoff``) with a
``Retry-After`` from the CDN as a floor, slept on the core's clock (tests use a fake one), driven
by tenacity. Before each wait the progress callback gets a ``DownloadProgress`` whose
``reconnect`` field says "reconnecting, attempt 2 of 5".
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception

from genpro_desktop.core.api import Clock, RetryPolicy
from genpro_desktop.core.downloads.errors import DownloadError
from genpro_desktop.core.downloads.progress import Reconnecting
from genpro_desktop.core.downloads.resume import ResumeState

T = TypeVar("T")

# Five reconnects in a row without a new byte, waiting up to 1, 2, 4, 8, 16 s (full jitter).
DEFAULT_LIMIT = 5
BASE_DELAY = 1.0
MAX_DELAY = 30.0
# A longer Retry-After is waited for only this long (a reconnect costs the CDN one request).
RETRY_AFTER_CAP = 60.0


@dataclass(frozen=True, slots=True)
class Reconnects:
    """How a ``Downloader`` reconnects: ``limit`` reconnects in a row without progress (0: never).

    ``clock`` sleeps the back-off (None: the downloader's clock when it can sleep, else the
    system's); ``rng`` makes the jitter deterministic in tests.
    """

    limit: int = DEFAULT_LIMIT
    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    clock: Clock | None = field(default=None, compare=False)
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before reconnect ``attempt`` (1-based); Retry-After is a floor."""
        policy = RetryPolicy(base_delay=self.base_delay, max_delay=self.max_delay, rng=self.rng)
        delay = policy.backoff(attempt)
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP))
        return delay


NO_RECONNECTS = Reconnects(limit=0)
"""One attempt only (the caller decides about trying again)."""


def is_transient(error: BaseException) -> bool:
    """True for a failure that reconnecting soon may cure (see ``DownloadError.transient``)."""
    return isinstance(error, DownloadError) and error.transient


class ReconnectLoop:
    """Runs attempts until one succeeds, one fails for good, or ``limit`` bring nothing new."""

    def __init__(
        self,
        policy: Reconnects,
        sleep: Callable[[float], Awaitable[None]],
        *,
        kept: int,
        notify: Callable[[Reconnecting, int, int | None], None],
    ) -> None:
        self._policy = policy
        self._sleep = sleep
        self._notify = notify
        # The most bytes the .part has held; an attempt that ends above it made progress.
        self._best = kept
        # The number of the next reconnect in the current run: 1 after an attempt that moved
        # bytes forward, one more after each that did not; past ``limit`` the loop gives up.
        self._streak = 0
        self._state: ResumeState | None = None
        self.reconnects = 0

    async def run(
        self,
        attempt: Callable[[ResumeState | None], Awaitable[T]],
        resume: ResumeState | None,
    ) -> T:
        """Call ``attempt(resume)``, then again with the state each failure leaves behind."""
        self._state = resume

        async def once() -> T:
            try:
                return await attempt(self._state)
            except DownloadError as exc:
                if exc.resume_state is not None:
                    self._state = exc.resume_state
                done = exc.resume_state.bytes_done if exc.resume_state is not None else 0
                if done > self._best:
                    self._best, self._streak = done, 1
                else:
                    self._streak += 1
                raise

        retrying = AsyncRetrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception(is_transient),
            sleep=self._sleep,
            before_sleep=self._before_sleep,
            reraise=True,
        )
        try:
            return await retrying(once)
        except DownloadError as exc:
            if is_transient(exc) and self._policy.limit > 0 and self._streak > self._policy.limit:
                exc.message = (
                    f"{exc.message} (gave up after {self._policy.limit} reconnects in a row "
                    "brought no new bytes)"
                )
                exc.args = (exc.message,)
            raise

    def _stop(self, _state: RetryCallState) -> bool:
        return self._streak > self._policy.limit

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        retry_after = error.retry_after if isinstance(error, DownloadError) else None
        return self._policy.delay(self._streak, retry_after)

    def _before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        delay = state.upcoming_sleep
        self.reconnects += 1
        notice = Reconnecting(self._streak, self._policy.limit, delay, str(error or ""))
        # What the .part holds now (after a restart from a new version, less than the best).
        latest = self._state
        done = latest.bytes_done if latest is not None else 0
        self._notify(notice, done, latest.total if latest is not None else None)
