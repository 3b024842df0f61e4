"""Fixtures for the core support tests: CDN URLs on the simulator, a downloader, keyring hygiene."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest

from genpro_desktop.core.downloads import NO_RECONNECTS, Downloader
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator


@pytest.fixture
def video_url(sim: Simulator) -> str:
    """The CDN URL of a render the simulator's seed already completed."""
    done = sorted(g for g in sim.state.render_records if sim.state.render_status(g) == "completed")
    return f"{sim.cdn_base_url}/outputs/render_{done[0]}.mp4"


@pytest.fixture
def sample_bytes() -> bytes:
    """The bytes the simulator serves for every render."""
    return resource_path("sample/render.mp4").read_bytes()


@pytest.fixture
async def downloader() -> AsyncIterator[Downloader]:
    """One attempt per call (no reconnects): these tests look at what one failure leaves."""
    async with Downloader(reconnects=NO_RECONNECTS) as instance:
        yield instance


@pytest.fixture
def downloads(isolated_data_dir: Path) -> Path:
    """An empty download folder inside the test's GENPRO_DATA_DIR."""
    folder = isolated_data_dir / "downloads"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Put back whatever keyring backend was active (or not yet chosen) before the test."""
    original = keyring.core._keyring_backend  # pyright: ignore[reportPrivateUsage]
    try:
        yield
    finally:
        keyring.core._keyring_backend = original  # pyright: ignore[reportPrivateUsage]


@pytest.fixture
async def endless_cdn() -> AsyncIterator[str]:
    """A local server whose /video.mp4 is an MP4 header followed by a body that never ends."""
    from aiohttp import web

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        await response.prepare(request)
        piece = b"\x00\x00\x00\x18ftypmp42" + bytes(64 * 1024 - 12)
        with contextlib.suppress(ConnectionError):
            while True:  # chunked, no Content-Length: only the client's cap can stop it
                await response.write(piece)
        return response

    app = web.Application()
    app.router.add_get("/video.mp4", endless)
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/video.mp4"
    finally:
        await runner.cleanup()
