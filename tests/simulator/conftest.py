"""Simulator test fixtures: a started simulator on a manual clock and plain httpx clients.

These tests exercise the server itself, so they use bare httpx rather than GenClient.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from simkit import http

from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(sim_clock: ManualClock) -> Iterator[Simulator]:
    with Simulator(clock=sim_clock) as simulator:
        yield simulator


@pytest.fixture
def api(sim: Simulator) -> Iterator[httpx.Client]:
    """An API client that sends the demo key."""
    with http(base_url=sim.base_url, headers={"X-API-Key": DEMO_API_KEY}) as client:
        yield client


@pytest.fixture
def anon(sim: Simulator) -> Iterator[httpx.Client]:
    """A client without any key (the CDN, or 401 checks)."""
    with http(base_url=sim.base_url) as client:
        yield client
