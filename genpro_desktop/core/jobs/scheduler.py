"""The one poll scheduler: the poll plan, a global request cap, and shared pauses.

How long to wait before a job's next read comes from a `PollPlan` (`poll_plan.py`): by default
the `PredictivePlan`, which uses the typical duration of the job's kind; `FixedPlan` gives the
fixed-interval baseline the polling benchmark compares against.

Every request the tracker makes to GEN goes through `request_slot()`, which waits while tracking
is paused (401/403 until the user signs in again, offline with reconnect back-off, 429 until the
Retry-After instant) and then takes one of `max_concurrent` slots, so 500 active jobs never
stampede the API. The periodic status reads (`poll_slot()`) are also paced: at most
`poll_rate` a second over all jobs (`DEFAULT_POLL_RATE`, bursts of `poll_burst`), so with
hundreds of renders in their dense phase each one is read a little less often instead of GEN
getting hundreds of requests a second (and the GUI thread, which runs them, a third of its time
busy). A user's "check now", submissions and actions are not paced. Time comes only from the
injected `Clock`; jitter from an injectable RNG.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType

from genpro_desktop.core.clock import Clock
from genpro_desktop.core.jobs.model import JobKind
from genpro_desktop.core.jobs.poll_plan import CADENCES, Cadence, PollPlan, PredictivePlan

__all__ = [
    "CADENCES",
    "DEFAULT_MAX_CONCURRENT",
    "DEFAULT_POLL_BURST",
    "DEFAULT_POLL_RATE",
    "Cadence",
    "PauseListener",
    "PollScheduler",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

DEFAULT_MAX_CONCURRENT = 6
# Status reads per second over all jobs (issue #20). The dense phase of the predictive plan
# reads a render every ~2-4 s, so up to ~60-100 renders at once are never slowed by it; with
# 500 each is read about every 17 s (GEN's SDK would send 250 requests a second for them).
DEFAULT_POLL_RATE = 30.0
DEFAULT_POLL_BURST = 30
# Reconnect probing while offline (reliability anchors row 6): 1 s x1.6, cap 120 s, +-20 %.
OFFLINE_FIRST_S = 1.0
OFFLINE_FACTOR = 1.6
OFFLINE_CAP_S = 120.0
# Resumed jobs start spread over at most this window (P5), narrower for a handful of jobs.
RESUME_WINDOW_S = 5.0
RESUME_WINDOW_PER_JOB_S = 0.05


PauseListener = Callable[[bool, str | None], None]
"""Called with (paused, reason) whenever tracking pauses or resumes."""


class PollScheduler:
    """The poll plan, the global request cap and the auth/offline/rate-limit pauses for all jobs."""

    def __init__(
        self,
        clock: Clock,
        rng: random.Random | None = None,
        max_concurrent: int = DEFAULT_MAX_CONCURRENT,
        plan: PollPlan | None = None,
        poll_rate: float | None = DEFAULT_POLL_RATE,
        poll_burst: int = DEFAULT_POLL_BURST,
    ) -> None:
        if max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self._clock = clock
        self.pace = PollPace(clock, poll_rate, poll_burst)
        self._rng = rng or random.Random()
        self.plan: PollPlan = plan if plan is not None else PredictivePlan()
        self.max_concurrent = max_concurrent
        self._slots = asyncio.Semaphore(max_concurrent)
        self._in_flight = 0
        self.peak_in_flight = 0
        self._auth_reason: str | None = None
        self._auth_resumed = asyncio.Event()
        self._auth_resumed.set()
        self._offline_until: float | None = None
        self._offline_delay = 0.0
        self._rate_limited_until: float | None = None
        self._listener: PauseListener | None = None

    # -- cadence -------------------------------------------------------------------------

    def cadence(self, kind: JobKind) -> Cadence:
        """The cadence for polling `kind` (downloads are not polled)."""
        return self.plan.cadence(kind)

    def next_delay(
        self,
        kind: JobKind,
        attempt: int,
        *,
        elapsed: float | None = None,
        typical: float | None = None,
        samples: int | None = None,
    ) -> float:
        """Seconds to wait before poll number `attempt` (0 = first) of a job that has run
        `elapsed` seconds, when jobs of its kind typically take `typical` (None: unknown), the
        median of `samples` recent successes; the plan gives a range, the jitter is drawn here."""
        planned = self.plan.delay(kind, attempt, elapsed, typical, samples)
        return self._rng.uniform(planned.low_s, planned.high_s)

    def deadline(self, kind: JobKind) -> float:
        """Seconds a job of `kind` may stay unfinished before it needs the user's attention."""
        return self.cadence(kind).deadline_s

    def resume_spread(self, n: int) -> list[float]:
        """Initial delays for `n` resumed jobs, spread across [0, min(5, 0.05 * n)] seconds."""
        if n <= 0:
            return []
        window = min(RESUME_WINDOW_S, RESUME_WINDOW_PER_JOB_S * n)
        # One random point inside each equal share of the window: spread, never clustered.
        share = window / n
        return [(i + self._rng.random()) * share for i in range(n)]

    def _jittered(self, base: float, jitter: float) -> float:
        return base * self._rng.uniform(1.0 - jitter, 1.0 + jitter)

    # -- the request cap -----------------------------------------------------------------

    @property
    def in_flight(self) -> int:
        """Requests holding a slot right now."""
        return self._in_flight

    def request_slot(self) -> AbstractAsyncContextManager[None]:
        """Wait while tracking is paused, then hold one of the `max_concurrent` request slots
        (`async with`; the slot is given back when the block ends, however it ends)."""
        return _RequestSlot(self._take_slot, self._give_back_slot)

    def set_poll_rate(self, rate: float | None, burst: int | None = None) -> None:
        """Pace status reads at `rate` a second over all jobs (None or 0: unpaced)."""
        self.pace = PollPace(self._clock, rate, self.pace.burst if burst is None else burst)

    def poll_slot(self) -> AbstractAsyncContextManager[None]:
        """`request_slot()` for a job's periodic status read: first wait for the poll pace
        (at most `pace.rate` reads a second over all jobs), then as `request_slot()`."""
        return _RequestSlot(self._take_poll_slot, self._give_back_slot)

    async def _take_poll_slot(self) -> None:
        await self.pace.wait()
        await self._take_slot()

    async def _take_slot(self) -> None:
        while True:
            await self.wait_until_unpaused()
            await self._slots.acquire()
            if not self._paused_now():
                break
            # A pause began while we queued for the slot: give it back and wait again.
            self._slots.release()
        self._in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self._in_flight)

    def _give_back_slot(self) -> None:
        self._in_flight -= 1
        self._slots.release()

    async def wait_until_unpaused(self) -> None:
        """Return once no auth, offline or rate-limit pause is in force."""
        while True:
            if self._auth_reason is not None:
                await self._auth_resumed.wait()
                continue
            until = self._time_pause_until()
            if until is None:
                return
            await self._clock.sleep(until - self._clock.now())

    def _paused_now(self) -> bool:
        return self._auth_reason is not None or self._time_pause_until() is not None

    def _time_pause_until(self) -> float | None:
        offline, limited = self._offline_until, self._rate_limited_until
        if offline is None and limited is None:
            return None  # the usual case, checked before every request
        now = self._clock.now()
        latest = max(t for t in (offline, limited) if t is not None)
        if latest <= now:
            return None
        return latest

    # -- pauses --------------------------------------------------------------------------

    def set_listener(self, listener: PauseListener | None) -> None:
        """Be told (paused, reason) when tracking pauses or resumes (the tracker emits events)."""
        self._listener = listener

    @property
    def auth_paused(self) -> bool:
        """True while GEN refuses the key (401/403) and the user has not signed in again."""
        return self._auth_reason is not None

    @property
    def pause_reason(self) -> str | None:
        """Why tracking is paused right now, as a sentence, or None."""
        if self._auth_reason is not None:
            return self._auth_reason
        now = self._clock.now()
        if self._rate_limited_until is not None and self._rate_limited_until > now:
            left = self._rate_limited_until - now
            return f"GEN asked to slow down; polling resumes in {left:.0f} s"
        if self._offline_until is not None:
            return "GEN cannot be reached; retrying with back-off"
        return None

    @property
    def offline(self) -> bool:
        """True between a connection failure and the next successful request."""
        return self._offline_until is not None

    @property
    def rate_limited_until(self) -> float | None:
        """The monotonic instant a 429 pause ends, if one is in force."""
        until = self._rate_limited_until
        return until if until is not None and until > self._clock.now() else None

    def pause_auth(self, reason: str) -> None:
        """Pause every request until `resume_auth()` (GEN refused the key: 401/403)."""
        first = self._auth_reason is None
        self._auth_reason = reason
        self._auth_resumed.clear()
        if first:
            logger.warning("Tracking paused: %s", reason)
            self._notify(True, reason)

    def resume_auth(self) -> None:
        """The user signed in again: let requests through."""
        if self._auth_reason is None:
            return
        self._auth_reason = None
        self._auth_resumed.set()
        logger.info("Tracking resumed after sign-in")
        self._notify(False, None)

    def note_offline(self) -> None:
        """A request failed to reach GEN after the client's retries: back off before the next."""
        now = self._clock.now()
        if self._offline_until is not None and now < self._offline_until:
            return  # several jobs noticed the same outage: one back-off step, not many
        first = self._offline_until is None
        if first:
            self._offline_delay = OFFLINE_FIRST_S
        else:
            self._offline_delay = min(self._offline_delay * OFFLINE_FACTOR, OFFLINE_CAP_S)
        self._offline_until = now + self._jittered(self._offline_delay, 0.2)
        if first:
            self._notify(True, "GEN cannot be reached; retrying with back-off")

    def note_online(self) -> None:
        """A request reached GEN: end the offline back-off (and a rate limit that has passed)."""
        changed = False
        if self._offline_until is not None:
            self._offline_until = None
            self._offline_delay = 0.0
            changed = True
        limited = self._rate_limited_until
        if limited is not None and limited <= self._clock.now():
            self._rate_limited_until = None
            changed = True
        if changed and self._auth_reason is None:
            self._notify(False, None)

    def rate_limit(self, seconds: float) -> None:
        """GEN answered 429: every request to the origin waits `seconds` from now."""
        until = self._clock.now() + max(0.0, seconds)
        if self._rate_limited_until is None or until > self._rate_limited_until:
            self._rate_limited_until = until
            self._notify(True, f"GEN asked to slow down for {seconds:.0f} s")

    def _notify(self, paused: bool, reason: str | None) -> None:
        if self._listener is not None:
            try:
                self._listener(paused, reason)
            except Exception:
                logger.exception("The scheduler's pause listener failed")


class _RequestSlot(AbstractAsyncContextManager[None]):
    """`PollScheduler.request_slot()`: a plain class rather than an `@asynccontextmanager`
    generator, which cost ~0.05 ms of GUI-thread CPU per render poll (hundreds a second)."""

    __slots__ = ("_give_back", "_take")

    def __init__(self, take: Callable[[], Awaitable[None]], give_back: Callable[[], None]) -> None:
        self._take = take
        self._give_back = give_back

    async def __aenter__(self) -> None:
        await self._take()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._give_back()


class PollPace:
    """At most `rate` status reads a second, in bursts of up to `burst`, first come first served.

    The generic cell rate algorithm: each read is given the next free instant on a schedule
    that advances by 1 / `rate` per read, and may go up to `burst` - 1 intervals ahead of it.
    A `rate` of None (or 0) paces nothing. Time comes from the scheduler's clock.
    """

    __slots__ = ("_clock", "_interval", "_next", "_tolerance", "burst", "rate")

    def __init__(self, clock: Clock, rate: float | None, burst: int) -> None:
        if burst < 1:
            raise ValueError("poll_burst must be at least 1")
        if rate is not None and rate < 0:
            raise ValueError("poll_rate cannot be negative")
        self._clock = clock
        self.rate = rate or None
        self.burst = burst
        self._interval = 1.0 / rate if rate else 0.0
        self._tolerance = (burst - 1) * self._interval
        self._next = float("-inf")

    async def wait(self) -> None:
        """Return when this read may go out (at once while under the rate)."""
        if self.rate is None:
            return
        now = self._clock.now()
        due = max(self._next, now)
        self._next = due + self._interval
        start = due - self._tolerance
        if start > now:
            await self._clock.sleep(start - now)
