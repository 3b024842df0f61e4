"""core.clock: the fake clock records sleeps and moves time; the system clock is real."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from genpro_desktop.core.api._retry import Clock as ApiClock
from genpro_desktop.core.clock import Clock, FakeClock, SystemClock


async def test_fake_clock_sleeps_instantly_and_records() -> None:
    clock = FakeClock(start=5.0)
    await clock.sleep(2.5)
    await clock.sleep(-1)
    assert clock.sleeps == [2.5, 0.0]
    assert clock.now() == 7.5
    assert clock.wall() == datetime(2026, 11, 27, 12, 0, 2, 500000, tzinfo=UTC)
    clock.advance(10)
    assert clock.sleeps == [2.5, 0.0]
    assert clock.wall() - datetime(2026, 11, 27, 12, 0, tzinfo=UTC) == timedelta(seconds=12.5)


def test_fake_clock_refuses_naive_wall_time_and_going_backwards() -> None:
    with pytest.raises(ValueError, match="aware"):
        FakeClock(wall_start=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="backwards"):
        FakeClock().advance(-1)


async def test_system_clock() -> None:
    clock = SystemClock()
    before = clock.now()
    await clock.sleep(0)
    assert clock.now() >= before
    assert clock.wall().tzinfo is UTC


def test_both_clocks_satisfy_both_protocols() -> None:
    for clock in (FakeClock(), SystemClock()):
        assert isinstance(clock, Clock)
        api_clock: ApiClock = clock
        assert api_clock.now() >= 0
