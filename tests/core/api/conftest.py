"""Fixtures for the GEN client tests: fresh prefix memory and a client factory that cleans up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from api_helpers import MakeClient

from genpro_desktop.core.api import PREFIX_MEMORY, GenClient, PrefixMemory
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import DEMO_API_KEY


@pytest.fixture(autouse=True)
def _fresh_prefix_memory() -> Iterator[None]:
    """Ports get reused between tests, so the process-wide prefix memory starts empty."""
    PREFIX_MEMORY.clear()
    yield
    PREFIX_MEMORY.clear()


@pytest.fixture
def memory() -> PrefixMemory:
    return PrefixMemory()


@pytest.fixture
async def make_client(fake_clock: FakeClock, memory: PrefixMemory) -> AsyncIterator[MakeClient]:
    """Build GenClients (demo key, agent 4711, fake clock, test-local prefix memory)."""
    made: list[GenClient] = []

    def make(base_url: str, **overrides: Any) -> GenClient:
        options: dict[str, Any] = {
            "api_key": DEMO_API_KEY,
            "agent_id": "4711",
            "clock": fake_clock,
            "prefix_memory": memory,
        }
        options.update(overrides)
        client = GenClient(base_url=base_url, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
