"""Shared fixtures: a simulator on a real socket, a client bound to it, a fake clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from genpro_desktop.core.api import PREFIX_MEMORY, GenClient
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator

# Qt widgets in tests never need a screen; CI sets this too.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _forget_remembered_prefixes() -> Iterator[None]:
    """Ports are reused between tests, so a prefix remembered for one base URL must not leak."""
    PREFIX_MEMORY.clear()
    yield
    PREFIX_MEMORY.clear()


@pytest.fixture
def isolated_data_dir(tmp_path, monkeypatch):
    """Every test gets its own GENPRO_DATA_DIR and no GEN_API_KEY from the environment."""
    data = tmp_path / "genpro-data"
    monkeypatch.setenv("GENPRO_DATA_DIR", str(data))
    monkeypatch.delenv("GEN_API_KEY", raising=False)
    monkeypatch.delenv("GEN_AGENT_ID", raising=False)
    monkeypatch.delenv("GEN_API_BASE_URL", raising=False)
    return data


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(sim_clock: ManualClock) -> Iterator[Simulator]:
    """A simulator serving on 127.0.0.1 in a background thread, on a manual clock."""
    with Simulator(clock=sim_clock) as simulator:
        yield simulator


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def client(sim: Simulator, fake_clock: FakeClock) -> AsyncIterator[GenClient]:
    """A GenClient talking to the simulator over a real socket; retries sleep on the fake clock."""
    async with GenClient(
        api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=fake_clock
    ) as gen:
        yield gen
