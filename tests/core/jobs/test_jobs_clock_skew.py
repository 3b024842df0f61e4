"""Fault matrix row 23, the part about deadlines: they run on the monotonic clock, so the wall
clock jumping (a wrong time, a DST change, the user fixing the clock) neither fires nor
postpones them. Real sockets to the simulator; only this computer's wall clock is skewed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from jobs_harness import Harness, LinkedClock

from genpro_desktop.core.jobs import JobState
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import ManualClock, Simulator

HOUR = 3600.0


class SkewedClock(LinkedClock):
    """A LinkedClock whose wall time can jump while monotonic time runs on undisturbed."""

    def __init__(self, sim_clock: ManualClock) -> None:
        super().__init__(sim_clock)
        self.skew = timedelta()

    def wall(self) -> datetime:
        return super().wall() + self.skew


@pytest.fixture
async def skewed(
    sim: Simulator, sim_clock: ManualClock, store: Store, tmp_path: Path
) -> AsyncIterator[Harness]:
    built = Harness(sim, store, SkewedClock(sim_clock), tmp_path / "dl")
    await built.start()
    try:
        yield built
    finally:
        await built.aclose()


def _skew(harness: Harness, hours: float) -> None:
    clock = harness.clock
    assert isinstance(clock, SkewedClock)
    clock.skew = timedelta(hours=hours)


async def test_row23_the_wall_clock_jumping_ahead_does_not_expire_a_render(skewed: Harness):
    job = await skewed.submit(0)
    _skew(skewed, 2)  # two hours "pass" on the wall clock in an instant
    done = await skewed.settle(job.id)
    assert done.state is JobState.COMPLETED
    history = [c.state for c in await skewed.store.state_history(job.id)]
    assert JobState.NEEDS_ATTENTION not in history


async def test_row23_the_wall_clock_jumping_back_does_not_postpone_the_deadline(
    skewed: Harness,
):
    skewed.sim.state.script_render(pending_s=2, done_s=50_000)  # never done within the hour
    job = await skewed.submit(0)
    _skew(skewed, -2)
    parked = await skewed.settle(job.id, limit=60)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "much longer than usual" in parked.attention_reason
    # Parked after the hour of monotonic time, not three hours of it.
    assert HOUR <= skewed.clock.now() < 1.5 * HOUR
