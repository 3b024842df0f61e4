"""GUI test fixtures: core services bound to the simulator, and a shown main window."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from genpro_desktop.core.services import AppServices, build_services
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.simulator import DEMO_API_KEY, Simulator


@pytest.fixture
async def services(sim: Simulator) -> AsyncIterator[AppServices]:
    built = build_services(api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711")
    yield built
    await built.aclose()


@pytest.fixture
async def tasks() -> AsyncIterator[TaskRegistry]:
    registry = TaskRegistry()
    yield registry
    await registry.aclose()
