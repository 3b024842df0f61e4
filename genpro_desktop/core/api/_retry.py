"""The one retry policy: request kinds, full-jitter back-off and Retry-After.

READ requests retry on 408/429/5xx and on connection errors and timeouts. CHARGED, PUBLISH and
ACTION requests retry only when the request provably never left the machine (connect error,
connect or pool timeout); anything after sending is the caller's to reconcile.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from genpro_desktop.core.api._clock import Clock
from genpro_desktop.core.api._constants import (
    BASE_DELAY,
    MAX_ATTEMPTS,
    MAX_DELAY,
    RATE_LIMIT_BASE_DELAY,
    RETRY_AFTER_CAP,
    RETRYABLE_STATUS,
)
from genpro_desktop.core.api.errors import APIConnectionError, APIStatusError

T = TypeVar("T")
logger = logging.getLogger("genpro_desktop.core.api")
_DEFAULT_RNG = random.Random()  # jitter, not security: S311 is ignored project-wide


class RequestKind(StrEnum):
    """What a request does, which decides whether a failure may be retried automatically."""

    READ = "read"
    CHARGED = "charged"
    PUBLISH = "publish"
    ACTION = "action"

    @property
    def sends_idempotency_key(self) -> bool:
        """CHARGED and PUBLISH requests carry an Idempotency-Key header."""
        return self in (RequestKind.CHARGED, RequestKind.PUBLISH)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry bounds (reliability anchors R1-R4); `rng` makes the jitter deterministic in tests."""

    max_attempts: int = MAX_ATTEMPTS
    base_delay: float = BASE_DELAY
    max_delay: float = MAX_DELAY
    rate_limit_base: float = RATE_LIMIT_BASE_DELAY
    retry_after_cap: float = RETRY_AFTER_CAP
    rng: random.Random | None = field(default=None, compare=False, repr=False)

    def backoff(self, attempt: int, *, rate_limited: bool = False) -> float:
        """Full jitter: uniform(0, min(base * 2^(attempt-1), max_delay)) for failed attempt n."""
        base = self.rate_limit_base if rate_limited else self.base_delay
        ceiling = min(base * 2 ** max(0, attempt - 1), self.max_delay)
        return (self.rng or _DEFAULT_RNG).uniform(0.0, ceiling)

    def should_retry(self, kind: RequestKind, error: BaseException) -> bool:
        """Whether `error` from a request of `kind` may be retried automatically."""
        if kind is not RequestKind.READ:
            # Only a request that never left the machine is safe to send again.
            return isinstance(error, APIConnectionError) and not error.maybe_sent
        if isinstance(error, APIConnectionError):
            return True
        if isinstance(error, APIStatusError) and error.status_code in RETRYABLE_STATUS:
            return error.retry_after is None or error.retry_after <= self.retry_after_cap
        return False

    def delay_for(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait after failed attempt `attempt`; Retry-After is a floor."""
        rate_limited = isinstance(error, APIStatusError) and error.status_code == 429
        delay = self.backoff(attempt, rate_limited=rate_limited)
        if isinstance(error, APIStatusError) and error.retry_after is not None:
            delay = max(delay, error.retry_after)
        return delay


def parse_retry_after(
    value: str | None, *, date_header: str | None = None, now: datetime | None = None
) -> float | None:
    """Seconds from a Retry-After value (delta-seconds or HTTP-date); None when malformed."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return seconds if seconds >= 0 and seconds == seconds and seconds != float("inf") else None
    target = _http_date(text)
    if target is None:
        return None
    # Relative to the server's own Date header when it sent one, so local clock skew cancels out.
    reference = _http_date(date_header) if date_header else None
    if reference is None:
        reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (target - reference).total_seconds())


def _http_date(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


async def run_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    kind: RequestKind,
    policy: RetryPolicy,
    clock: Clock,
    description: str,
) -> T:
    """Run `attempt` under `policy`, sleeping on `clock`; the last error propagates unchanged.

    The first attempt runs directly: nearly every request succeeds at once, and building
    tenacity's machinery (a retry object, its callbacks, their coroutine checks) cost about a
    fifth of a render poll's CPU on the GUI thread. When it fails, tenacity takes over with that
    failure as its attempt 1, so which errors retry, how long it waits, the Retry-After floor,
    the log line and the number of attempts are exactly the policy's, as before.
    """
    try:
        return await attempt()
    except Exception as error:  # handed to the retry policy just below
        first_failure: Exception | None = error

    async def replay_then_attempt() -> T:
        nonlocal first_failure
        failure, first_failure = first_failure, None
        if failure is not None:
            raise failure
        return await attempt()

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        return policy.delay_for(state.attempt_number, error)

    def before_sleep(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        sleep = state.upcoming_sleep
        logger.info("Retrying %s in %.2f s after: %s", description, sleep, error)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(max(1, policy.max_attempts)),
        wait=wait,
        retry=retry_if_exception(lambda error: policy.should_retry(kind, error)),
        sleep=clock.sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    result: T = await retrying(replay_then_attempt)
    return result
