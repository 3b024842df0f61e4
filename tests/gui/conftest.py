"""GUI test fixtures: qasync's loop for async tests, the whole app against the simulator.

Async GUI tests run on qasync's loop (like the app), so Qt signals and asyncio interleave.
Helpers (the simulator-driven clock, `until`, fake prompts) live in guikit.py.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync
from guikit import FakePrompts, OpenedUrls, SimDrivenClock
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.gui.app import DesktopApp, LaunchOptions
from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator


def _qt_event_loop() -> qasync.QEventLoop:
    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config: object, item: object) -> dict[str, object]:
    """Async GUI tests run on qasync's loop, like the app: Qt events and asyncio interleave."""
    return {"qasync": _qt_event_loop}


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread() -> Iterator[None]:
    """Python's cyclic GC may run in any thread; a QObject freed from a worker thread leaves
    dangling Qt timers behind. Tests, like the app, collect only on the main thread."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture
def tracker_clock(sim_clock: ManualClock) -> SimDrivenClock:
    return SimDrivenClock(sim_clock)


@pytest.fixture
def credentials() -> MemoryCredentialStore:
    return MemoryCredentialStore()


@pytest.fixture
def prompts() -> FakePrompts:
    return FakePrompts()


@pytest.fixture
def opened_urls() -> OpenedUrls:
    return OpenedUrls()


@pytest.fixture
async def make_app(
    sim: Simulator,
    isolated_data_dir: Path,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> AsyncIterator[Callable[..., Any]]:
    """Builds and starts `DesktopApp`s bound to the simulator; closes them all at the end."""
    apps: list[DesktopApp] = []

    async def make(**overrides: Any) -> DesktopApp:
        options = overrides.pop("options", LaunchOptions(base_url=sim.base_url, agent_id=None))
        app = DesktopApp(
            options,
            credentials=overrides.pop("credentials", credentials),
            clock=overrides.pop("clock", tracker_clock),
            prompts=overrides.pop("prompts", prompts),
            open_url=overrides.pop("open_url", opened_urls),
        )
        assert not overrides, f"unknown overrides: {overrides}"
        apps.append(app)
        await app.start()
        return app

    yield make
    for app in reversed(apps):
        await app.aclose()


@pytest.fixture
def signed_in(credentials: MemoryCredentialStore) -> MemoryCredentialStore:
    """A key already kept from an earlier run."""
    credentials.set(DEMO_API_KEY)
    return credentials
