"""Fixtures for the publish-service tests over the simulator: real tracker, store and sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.services import AppServices, build_services
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator


class LinkedClock(FakeClock):
    """A FakeClock whose sleeps also advance the simulator's clock, so polling moves jobs on."""

    def __init__(self, sim_clock: ManualClock) -> None:
        super().__init__()
        self.sim_clock = sim_clock

    async def sleep(self, seconds: float) -> None:
        self.sim_clock.advance(max(0.0, float(seconds)))
        await super().sleep(seconds)


@pytest.fixture
def linked_clock(sim_clock: ManualClock) -> LinkedClock:
    return LinkedClock(sim_clock)


@pytest.fixture
async def services(
    sim: Simulator, sim_clock: ManualClock, tmp_path: Path
) -> AsyncIterator[AppServices]:
    """The real service graph (tracker, store, publisher) over the simulator."""
    store = Store.open(tmp_path / "data" / "genpro.sqlite3")
    built = build_services(
        api_key=DEMO_API_KEY,
        base_url=sim.base_url,
        agent_id="4711",
        store=store,
        clock=LinkedClock(sim_clock),
        download_dir=tmp_path / "downloads",
    )
    try:
        await built.tracker.start()
        yield built
    finally:
        await built.aclose()
