"""The poll scheduler alone: cadence bounds and jitter, resume spread, pauses, the request cap."""

from __future__ import annotations

import asyncio
import itertools
import random

import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs import JobKind, PollScheduler


@pytest.mark.parametrize(
    ("kind", "first", "cap"),
    [(JobKind.RENDER, 2.0, 15.0), (JobKind.PUBLISH, 5.0, 60.0)],
)
def test_cadence_starts_backs_off_by_half_and_caps_with_20_percent_jitter(kind, first, cap):
    scheduler = PollScheduler(FakeClock(), rng=random.Random(5))
    for attempt in range(30):
        base = min(first * 1.5**attempt, cap)
        for _ in range(20):
            delay = scheduler.next_delay(kind, attempt)
            assert base * 0.8 <= delay <= base * 1.2
    # The jitter really varies (not a constant factor).
    samples = {round(scheduler.next_delay(kind, 0), 6) for _ in range(50)}
    assert len(samples) > 40
    assert min(samples) < first * 0.9
    assert max(samples) > first * 1.1


def test_deadlines_are_an_hour_for_renders_and_a_day_for_publishes():
    scheduler = PollScheduler(FakeClock())
    assert scheduler.deadline(JobKind.RENDER) == 3600
    assert scheduler.deadline(JobKind.PUBLISH) == 24 * 3600
    with pytest.raises(ValueError, match="not polled"):
        scheduler.next_delay(JobKind.DOWNLOAD, 0)


def test_jitter_comes_from_the_injected_rng():
    one = PollScheduler(FakeClock(), rng=random.Random(42))
    two = PollScheduler(FakeClock(), rng=random.Random(42))
    assert [one.next_delay(JobKind.RENDER, a) for a in range(10)] == [
        two.next_delay(JobKind.RENDER, a) for a in range(10)
    ]


@pytest.mark.parametrize("n", [1, 3, 10, 50, 100, 500])
def test_resume_spread_covers_a_window_of_at_most_five_seconds(n):
    delays = PollScheduler(FakeClock(), rng=random.Random(n)).resume_spread(n)
    window = min(5.0, 0.05 * n)
    assert len(delays) == n
    assert all(0 <= d <= window for d in delays)
    # Spread, not clustered: every tenth of the window gets its share.
    if n >= 50:
        buckets = [0] * 10
        for d in delays:
            buckets[min(9, int(d / window * 10))] += 1
        assert min(buckets) >= n // 10 - 1
    assert PollScheduler(FakeClock()).resume_spread(0) == []


async def test_offline_backoff_grows_by_1_6_up_to_two_minutes():
    clock = FakeClock()
    scheduler = PollScheduler(clock, rng=random.Random(9))
    waits: list[float] = []
    for _ in range(20):
        scheduler.note_offline()
        before = clock.now()
        await scheduler.wait_until_unpaused()
        waits.append(clock.now() - before)
    expected = 1.0
    for waited in waits:
        assert expected * 0.8 - 1e-9 <= waited <= expected * 1.2 + 1e-9
        expected = min(expected * 1.6, 120.0)
    assert max(waits) <= 144.0
    scheduler.note_online()
    assert not scheduler.offline
    before = clock.now()
    await scheduler.wait_until_unpaused()
    assert clock.now() == before


async def test_many_jobs_noticing_one_outage_take_one_backoff_step():
    scheduler = PollScheduler(FakeClock(), rng=random.Random(1))
    for _ in range(50):
        scheduler.note_offline()
    reason = scheduler.pause_reason
    assert reason is not None
    assert "cannot be reached" in reason
    clock = FakeClock()
    other = PollScheduler(clock, rng=random.Random(1))
    for _ in range(50):
        other.note_offline()
    await other.wait_until_unpaused()
    assert clock.now() <= 1.2


async def test_rate_limit_holds_every_request_until_the_instant():
    clock = FakeClock()
    scheduler = PollScheduler(clock)
    scheduler.rate_limit(3600)
    async with scheduler.request_slot():
        assert clock.now() >= 3600
    assert scheduler.rate_limited_until is None


async def test_auth_pause_blocks_slots_until_resumed_and_notifies():
    changes: list[tuple[bool, str | None]] = []
    scheduler = PollScheduler(FakeClock())
    scheduler.set_listener(lambda paused, reason: changes.append((paused, reason)))
    scheduler.pause_auth("GEN did not accept the API key")
    entered = asyncio.Event()

    async def request() -> None:
        async with scheduler.request_slot():
            entered.set()

    task = asyncio.create_task(request())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not entered.is_set()
    scheduler.resume_auth()
    await task
    assert changes == [(True, "GEN did not accept the API key"), (False, None)]


async def test_request_slots_cap_concurrency():
    scheduler = PollScheduler(FakeClock(), max_concurrent=3)
    inside = 0
    peak = 0

    async def request() -> None:
        nonlocal inside, peak
        async with scheduler.request_slot():
            inside += 1
            peak = max(peak, inside)
            for _ in range(5):
                await asyncio.sleep(0)
            inside -= 1

    await asyncio.gather(*(request() for _ in range(40)))
    assert peak == 3 == scheduler.peak_in_flight
    with pytest.raises(ValueError, match="at least 1"):
        PollScheduler(FakeClock(), max_concurrent=0)


async def test_a_slot_is_given_back_however_the_block_ends():
    # Guards the plain-class request_slot (it replaced an @asynccontextmanager for CPU).
    scheduler = PollScheduler(FakeClock(), max_concurrent=1)

    async def failing() -> None:
        async with scheduler.request_slot():
            assert scheduler.in_flight == 1
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert scheduler.in_flight == 0

    holder_inside = asyncio.Event()

    async def holder() -> None:
        async with scheduler.request_slot():
            holder_inside.set()
            await asyncio.Event().wait()

    async def queued() -> None:
        async with scheduler.request_slot():
            raise AssertionError("the only slot is held")

    held = asyncio.create_task(holder())
    await holder_inside.wait()
    waiting = asyncio.create_task(queued())
    for _ in range(5):
        await asyncio.sleep(0)
    waiting.cancel()  # cancelled while queued for the slot: it held nothing
    held.cancel()  # cancelled inside the block: its slot comes back
    await asyncio.gather(held, waiting, return_exceptions=True)
    assert scheduler.in_flight == 0
    async with scheduler.request_slot():
        assert scheduler.in_flight == 1


async def test_poll_pace_lets_a_burst_through_then_spaces_reads_at_the_rate():
    clock = FakeClock()
    scheduler = PollScheduler(clock, poll_rate=10.0, poll_burst=5)
    started: list[float] = []
    for _ in range(25):
        async with scheduler.poll_slot():
            started.append(clock.now())
    # The first five go out at once; then one every 0.1 s, never faster.
    assert started[:5] == [0.0] * 5
    gaps = [later - earlier for earlier, later in itertools.pairwise(started[4:])]
    assert gaps == pytest.approx([0.1] * 20)
    assert started[-1] == pytest.approx(2.0)


async def test_poll_pace_refills_while_idle_but_never_beyond_the_burst():
    clock = FakeClock()
    scheduler = PollScheduler(clock, poll_rate=10.0, poll_burst=3)
    for _ in range(3):
        await scheduler.pace.wait()
    clock.advance(60.0)  # a long quiet spell earns a burst of 3, not 600 reads
    before = len(clock.sleeps)
    for _ in range(3):
        await scheduler.pace.wait()
    assert len(clock.sleeps) == before
    await scheduler.pace.wait()
    assert clock.sleeps[-1] == pytest.approx(0.1)


async def test_only_status_reads_are_paced_not_requests_a_user_starts():
    clock = FakeClock()
    scheduler = PollScheduler(clock, poll_rate=1.0, poll_burst=1)
    async with scheduler.poll_slot():
        pass
    # A submission, an action or a "check now" goes through request_slot: no pace wait.
    for _ in range(10):
        async with scheduler.request_slot():
            pass
    assert clock.now() == 0.0
    async with scheduler.poll_slot():
        assert clock.now() == pytest.approx(1.0)


async def test_poll_pace_can_be_turned_off_and_rejects_nonsense():
    clock = FakeClock()
    scheduler = PollScheduler(clock, poll_rate=None)
    for _ in range(1000):
        async with scheduler.poll_slot():
            pass
    assert clock.now() == 0.0
    with pytest.raises(ValueError, match="negative"):
        PollScheduler(clock, poll_rate=-1.0)
    with pytest.raises(ValueError, match="at least 1"):
        PollScheduler(clock, poll_burst=0)
