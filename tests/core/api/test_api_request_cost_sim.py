"""Per-request work the client skips (hundreds of render polls a second run on the GUI thread):
no cookie-jar work without Set-Cookie (cookies still kept), one URL parse per URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web
from api_helpers import MakeClient
from httpx import _urlparse

from genpro_desktop.core.api import JobStatus, RequestKind
from genpro_desktop.core.api._base_client import BaseClient
from genpro_desktop.core.api._security import Secret
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.simulator import DEMO_API_KEY, ENGINE_IDS, ManualClock, Simulator

ENGINE = str(ENGINE_IDS[0])


class _CountedCompatRequest(httpx.Cookies._CookieCompatRequest):  # pyright: ignore[reportPrivateUsage]
    built = 0

    def __init__(self, request: httpx.Request) -> None:
        type(self).built += 1
        super().__init__(request)


@pytest.fixture
def compat_requests(monkeypatch: pytest.MonkeyPatch) -> type[_CountedCompatRequest]:
    """Count httpx's urllib wrappers of a request, built for the cookie jar per response."""
    _CountedCompatRequest.built = 0
    monkeypatch.setattr(httpx.Cookies, "_CookieCompatRequest", _CountedCompatRequest)
    return _CountedCompatRequest


async def test_a_response_without_set_cookie_costs_the_cookie_jar_nothing(
    make_client: MakeClient, sim: Simulator, compat_requests: type[_CountedCompatRequest]
) -> None:
    # Hundreds of render polls a second run on the GUI thread; GEN sets no cookies on them.
    client = make_client(sim.base_url)
    await client.me.get()
    await client.agents.list()
    assert compat_requests.built == 0


async def test_polling_the_same_url_again_parses_no_url(
    make_client: MakeClient,
    sim: Simulator,
    sim_clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = make_client(sim.base_url)
    engine = await client.engines.get(ENGINE)
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    started = await client.renders.create(ENGINE, cell.id)
    first = await client.generations.get(started.generation_id)
    parses: list[str] = []
    real = _urlparse.urlparse

    def counted(url: str = "", **kwargs: Any) -> Any:
        parses.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr("httpx._urls.urlparse", counted)  # what httpx.URL() calls
    sim_clock.advance(9)
    again = await client.generations.get(started.generation_id)
    assert (first.status, again.status) == (JobStatus.PENDING, JobStatus.COMPLETED)
    assert parses == []
    assert sim.journal.last("GET", r"/generations/").path.endswith(started.generation_id)


@pytest.fixture
async def cookie_server() -> AsyncIterator[str]:
    """A local server whose /first sets a cookie and whose /second echoes the Cookie header."""

    async def first(request: web.Request) -> web.Response:
        response = web.json_response({"ok": True})
        response.set_cookie("lb", "node-7", path="/")
        return response

    async def second(request: web.Request) -> web.Response:
        return web.json_response({"cookie": request.headers.get("Cookie")})

    app = web.Application()
    app.router.add_get("/first", first)
    app.router.add_get("/second", second)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


async def test_a_cookie_the_server_sets_is_sent_back(
    cookie_server: str, compat_requests: type[_CountedCompatRequest]
) -> None:
    base = BaseClient(
        api_key=Secret(DEMO_API_KEY),
        base_url=cookie_server,
        agent_id="4711",
        path_prefix="auto",
        transport=None,
        retry=None,
        clock=FakeClock(),
        user_agent=None,
        prefix_memory=None,
    )

    def identity(payload: object) -> Any:
        return payload

    try:
        await base.request("GET", "first", kind=RequestKind.READ, parse=identity)
        assert compat_requests.built == 1  # the jar did look at the response that set one
        echoed = await base.request("GET", "second", kind=RequestKind.READ, parse=identity)
    finally:
        await base.aclose()
    assert echoed == {"cookie": "lb=node-7"}
