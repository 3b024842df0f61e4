"""core.api._retry: Retry-After parsing, full-jitter bounds and which failures retry."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from genpro_desktop.core.api import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidResponseError,
    NotFoundError,
    RateLimitedError,
    RequestKind,
    RetryPolicy,
    ServerError,
    UnprocessableError,
    parse_retry_after,
)
from genpro_desktop.core.api._retry import run_with_retries
from genpro_desktop.core.api.errors import APIStatusError, OutcomeUnknownError
from genpro_desktop.core.clock import FakeClock

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("1.5", 1.5),
        ("3600", 3600.0),
        ("-1", None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        (None, None),
        ("Wed, 99 Foo 2026", None),
    ],
)
def test_retry_after_delta_seconds_and_garbage(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_retry_after_http_date_is_relative_to_the_servers_date_header() -> None:
    server_now = NOW + timedelta(hours=3)  # the local clock is 3 h behind the server
    value = _http_date(server_now + timedelta(seconds=12))
    assert parse_retry_after(value, date_header=_http_date(server_now), now=NOW) == 12.0


def test_retry_after_http_date_without_date_header_uses_the_local_clock() -> None:
    assert parse_retry_after(_http_date(NOW + timedelta(seconds=30)), now=NOW) == 30.0
    assert parse_retry_after(_http_date(NOW - timedelta(seconds=30)), now=NOW) == 0.0


def test_retry_after_with_a_malformed_date_header_falls_back_to_now() -> None:
    value = _http_date(NOW + timedelta(seconds=5))
    assert parse_retry_after(value, date_header="garbage", now=NOW) == 5.0


@given(attempt=st.integers(min_value=1, max_value=12), seed=st.integers(0, 2**32))
def test_full_jitter_stays_within_bounds(attempt: int, seed: int) -> None:
    policy = RetryPolicy(rng=random.Random(seed))
    delay = policy.backoff(attempt)
    assert 0.0 <= delay <= min(0.5 * 2 ** (attempt - 1), 20.0)
    throttled = policy.backoff(attempt, rate_limited=True)
    assert 0.0 <= throttled <= min(1.0 * 2 ** (attempt - 1), 20.0)


def test_jitter_is_deterministic_with_an_injected_rng() -> None:
    first = [RetryPolicy(rng=random.Random(3)).backoff(n) for n in (1, 2, 3)]
    second = [RetryPolicy(rng=random.Random(3)).backoff(n) for n in (1, 2, 3)]
    assert first == second


def _status(cls: type[APIStatusError], code: int, retry_after: float | None = None):
    return cls("x", status_code=code, retry_after=retry_after)


READ_RETRIED = [
    APIConnectionError("refused", maybe_sent=False),
    APIConnectionError("reset", maybe_sent=True),
    APITimeoutError("slow", maybe_sent=True),
    _status(RateLimitedError, 429),
    _status(RateLimitedError, 429, retry_after=60),
    _status(ServerError, 500),
    _status(ServerError, 502),
    _status(ServerError, 503, retry_after=5),
    _status(ServerError, 504),
    _status(APIStatusError, 408),
]
NEVER_RETRIED = [
    _status(AuthenticationError, 401),
    _status(APIStatusError, 403),
    _status(NotFoundError, 404),
    _status(UnprocessableError, 422),
    _status(ServerError, 501),
    _status(RateLimitedError, 429, retry_after=61),
    InvalidResponseError("html"),
    OutcomeUnknownError("?", method="POST", path="x", idempotency_key="k"),
    ValueError("bug"),
]


@pytest.mark.parametrize("error", READ_RETRIED, ids=repr)
def test_reads_retry_transient_failures(error: Exception) -> None:
    assert RetryPolicy().should_retry(RequestKind.READ, error)


@pytest.mark.parametrize("error", NEVER_RETRIED, ids=repr)
def test_definitive_failures_never_retry(error: Exception) -> None:
    for kind in RequestKind:
        assert not RetryPolicy().should_retry(kind, error)


@pytest.mark.parametrize("kind", [RequestKind.CHARGED, RequestKind.PUBLISH, RequestKind.ACTION])
def test_side_effects_retry_only_what_never_left_the_machine(kind: RequestKind) -> None:
    policy = RetryPolicy()
    assert policy.should_retry(kind, APIConnectionError("refused", maybe_sent=False))
    assert policy.should_retry(kind, APITimeoutError("connect timeout", maybe_sent=False))
    assert not policy.should_retry(kind, APIConnectionError("reset", maybe_sent=True))
    assert not policy.should_retry(kind, APITimeoutError("read timeout", maybe_sent=True))
    assert not policy.should_retry(kind, _status(ServerError, 503))
    assert not policy.should_retry(kind, _status(RateLimitedError, 429))


def test_retry_after_is_a_floor_over_the_jitter() -> None:
    policy = RetryPolicy(rng=random.Random(1))
    assert policy.delay_for(1, _status(RateLimitedError, 429, retry_after=7)) >= 7
    assert policy.delay_for(1, _status(RateLimitedError, 429, retry_after=0)) <= 1.0
    assert policy.delay_for(4, _status(ServerError, 503)) <= 4.0


def test_the_retry_after_cap_is_configurable() -> None:
    policy = RetryPolicy(retry_after_cap=5)
    assert not policy.should_retry(RequestKind.READ, _status(RateLimitedError, 429, 6))
    assert policy.should_retry(RequestKind.READ, _status(RateLimitedError, 429, 5))


async def test_run_with_retries_sleeps_on_the_injected_clock_and_stops_at_max_attempts() -> None:
    clock = FakeClock()
    calls: list[float] = []

    async def always_503() -> str:
        calls.append(clock.now())
        raise _status(ServerError, 503)

    with pytest.raises(ServerError):
        await run_with_retries(
            always_503,
            kind=RequestKind.READ,
            policy=RetryPolicy(rng=random.Random(0)),
            clock=clock,
            description="GET /x",
        )
    assert len(calls) == 4
    assert len(clock.sleeps) == 3
    for n, slept in enumerate(clock.sleeps, start=1):
        assert 0 <= slept <= 0.5 * 2 ** (n - 1)


async def test_run_with_retries_returns_the_first_success() -> None:
    clock = FakeClock()
    outcomes: list[Exception | str] = [_status(RateLimitedError, 429, retry_after=2), "ok"]

    async def flaky() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = await run_with_retries(
        flaky, kind=RequestKind.READ, policy=RetryPolicy(), clock=clock, description="GET /x"
    )
    assert result == "ok"
    assert len(clock.sleeps) == 1
    assert 2 <= clock.sleeps[0] <= 2 + 1.0


async def test_a_policy_of_one_attempt_never_sleeps() -> None:
    clock = FakeClock()

    async def fail() -> None:
        raise APIConnectionError("refused", maybe_sent=False)

    with pytest.raises(APIConnectionError):
        await run_with_retries(
            fail,
            kind=RequestKind.CHARGED,
            policy=RetryPolicy(max_attempts=1),
            clock=clock,
            description="POST /x",
        )
    assert clock.sleeps == []


class _NoTenacity:
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("a first attempt that succeeds must not build tenacity's machinery")


async def test_a_first_attempt_that_succeeds_builds_no_retry_machinery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every render poll goes through here (hundreds a second on the GUI thread): the retry
    # objects are built only once an attempt has failed.
    monkeypatch.setattr("genpro_desktop.core.api._retry.AsyncRetrying", _NoTenacity)

    async def ok() -> str:
        return "ok"

    result = await run_with_retries(
        ok, kind=RequestKind.READ, policy=RetryPolicy(), clock=FakeClock(), description="GET /x"
    )
    assert result == "ok"


async def test_a_failed_first_attempt_counts_as_attempt_one_of_the_policy() -> None:
    clock = FakeClock()
    calls: list[int] = []
    outcomes: list[Exception | str] = [
        _status(ServerError, 503),
        _status(ServerError, 502),
        "ok",
    ]

    async def flaky() -> str:
        calls.append(len(calls) + 1)
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = RetryPolicy(rng=random.Random(3))
    result = await run_with_retries(
        flaky, kind=RequestKind.READ, policy=policy, clock=clock, description="GET /x"
    )
    assert result == "ok"
    assert calls == [1, 2, 3]  # the failed first attempt is not sent again on its own
    replay = random.Random(3)
    # The back-off of failed attempts 1 and 2 (ceilings 0.5 and 1.0 s), drawn in that order.
    assert clock.sleeps == [replay.uniform(0.0, 0.5), replay.uniform(0.0, 1.0)]


async def test_a_definitive_first_failure_propagates_unchanged_without_a_retry() -> None:
    clock = FakeClock()
    error = _status(NotFoundError, 404)
    calls = 0

    async def missing() -> None:
        nonlocal calls
        calls += 1
        raise error

    with pytest.raises(NotFoundError) as raised:
        await run_with_retries(
            missing, kind=RequestKind.READ, policy=RetryPolicy(), clock=clock, description="GET /x"
        )
    assert raised.value is error
    assert calls == 1
    assert clock.sleeps == []
