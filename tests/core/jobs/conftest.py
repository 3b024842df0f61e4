"""Fixtures for the tracker tests: a real store, the simulator on real sockets, linked clocks.

The tracker and the client run on a `LinkedClock`: a FakeClock whose `sleep()` also advances the
simulator's ManualClock by the same amount, so every poll interval the tracker waits is time
that passes on the server too (renders finish after 8 s of polling, not of real time).
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from jobs_harness import Harness, LinkedClock

from genpro_desktop.core.jobs.scheduler import PollPace
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import ManualClock, Simulator


@pytest.fixture
def linked_clock(sim_clock: ManualClock) -> LinkedClock:
    return LinkedClock(sim_clock)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = Store.open(tmp_path / "data" / "genpro.sqlite3")
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
async def harness(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
) -> AsyncIterator[Harness]:
    """A started tracker over the simulator; closed (with everything it built) afterwards."""
    built = Harness(sim, store, linked_clock, tmp_path / "downloads", rng=random.Random(3))
    try:
        await built.start()
        yield built
    finally:
        await built.aclose()


@pytest.fixture
def pace_waits(monkeypatch: pytest.MonkeyPatch) -> list[PollPace]:
    """Every wait for the scheduler's poll pace, in order (the waits still happen)."""
    waits: list[PollPace] = []
    wait = PollPace.wait

    async def counted(pace: PollPace) -> None:
        waits.append(pace)
        await wait(pace)

    monkeypatch.setattr(PollPace, "wait", counted)
    return waits
