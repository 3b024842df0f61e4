"""Holding requests until the test releases them: hold, hold_after_apply, hold_body."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from simkit import AGENT, final_cell_id, http

from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator, faults

VIDEO = (Path(__file__).resolve().parents[2] / "resources" / "sample" / "render.mp4").read_bytes()


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def in_background(pool: ThreadPoolExecutor, call: Callable[[], Any]) -> Future[Any]:
    return pool.submit(call)


def post_render(sim: Simulator, api: httpx.Client) -> Callable[[], httpx.Response]:
    path = f"/vidsheet/9101/cells/{final_cell_id(api)}/render"

    def send() -> httpx.Response:
        with http(base_url=sim.base_url, headers={"X-API-Key": DEMO_API_KEY}) as client:
            return client.post(path, params=AGENT)

    return send


def test_hold_parks_the_request_until_release(
    api: httpx.Client, sim: Simulator, pool: ThreadPoolExecutor
) -> None:
    before = sim.state.last_render_id
    sim.faults.add("POST", r"/render$", faults.hold("render"))
    pending = in_background(pool, post_render(sim, api))
    assert sim.faults.wait_held("render")
    assert sim.faults.held("render") == 1
    assert sim.state.last_render_id == before  # not applied while held
    assert sim.journal.count("POST", r"/render$") == 0  # recorded when it finishes

    assert sim.faults.release("render") == 1
    response = pending.result(timeout=5)
    assert response.status_code == 201
    assert int(response.json()["generation_id"]) == sim.state.last_render_id > before
    assert sim.journal.wait_count("POST", r"/render$", 1)
    assert sim.journal.last("POST", r"/render$").fault == "hold(render)"
    assert sim.faults.held("render") == 0


def test_a_dropped_hold_resets_without_applying(
    api: httpx.Client, sim: Simulator, pool: ThreadPoolExecutor
) -> None:
    before = sim.state.last_render_id
    sim.faults.add("POST", r"/render$", faults.hold("render"))
    pending = in_background(pool, post_render(sim, api))
    assert sim.faults.wait_held("render")
    sim.faults.release("render", drop=True)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        pending.result(timeout=5)
    assert sim.journal.wait_count("POST", r"/render$", 1)
    entry = sim.journal.last("POST", r"/render$")
    assert (entry.status, entry.fault) == (None, "hold(render):drop")
    assert sim.state.last_render_id == before


def test_a_forgotten_hold_times_out(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.hold("me", timeout=0.1))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        api.get("/me")
    assert sim.journal.last("GET", r"/me$").fault == "hold(me):timeout"
    assert api.get("/me").status_code == 200


def test_hold_after_apply_charges_first(
    api: httpx.Client, sim: Simulator, pool: ThreadPoolExecutor
) -> None:
    before = sim.state.last_render_id
    sim.faults.add("POST", r"/render$", faults.hold_after_apply("render"))
    pending = in_background(pool, post_render(sim, api))
    assert sim.faults.wait_held("render")
    assert sim.state.last_render_id == before + 1  # created and charged already
    assert sim.state.balance() == 450
    sim.faults.release("render")
    assert pending.result(timeout=5).json()["generation_id"] == before + 1


def test_hold_after_apply_then_drop_leaves_the_job(
    api: httpx.Client, sim: Simulator, pool: ThreadPoolExecutor
) -> None:
    before = sim.state.last_render_id
    sim.faults.add("POST", r"/render$", faults.hold_after_apply("render"))
    pending = in_background(pool, post_render(sim, api))
    assert sim.faults.wait_held("render")
    sim.faults.release("render", drop=True)
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        pending.result(timeout=5)
    assert sim.state.last_render_id == before + 1


def cdn_url(sim: Simulator, api: httpx.Client) -> str:
    row = api.get("/vidsheet/9101", params=AGENT).json()["spreadsheet_rows"][0]
    return row["spreadsheet_cells"][4]["value"]


@pytest.mark.parametrize(("at", "cut"), [(0.5, len(VIDEO) // 2), (1000, 1000)])
def test_hold_body_sends_part_then_the_rest(
    api: httpx.Client, sim: Simulator, pool: ThreadPoolExecutor, at: float, cut: int
) -> None:
    url = cdn_url(sim, api)
    sim.faults.add("GET", r"^/cdn/outputs/", faults.hold_body("cdn", at))

    def fetch() -> tuple[bytes, int]:
        with http() as cdn, cdn.stream("GET", url) as response:
            first = b""
            chunks = response.iter_raw()
            while len(first) < cut:
                first += next(chunks)
            assert len(first) == cut  # nothing beyond the cut before the release
            # The cut is sent just before the request is parked: wait for that, then release.
            assert sim.faults.wait_held("cdn")
            sim.faults.release("cdn")
            rest = b"".join(chunks)
            return first + rest, int(response.headers["Content-Length"])

    body, declared = in_background(pool, fetch).result(timeout=10)
    assert body == VIDEO
    assert declared == len(VIDEO)


def test_hold_body_dropped_ends_early(api: httpx.Client, sim: Simulator) -> None:
    url = cdn_url(sim, api)
    sim.faults.add("GET", r"^/cdn/outputs/", faults.hold_body("cdn", 0.1))
    with http() as cdn, cdn.stream("GET", url) as response:
        assert sim.faults.wait_held("cdn")
        sim.faults.release("cdn", drop=True)
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()


def test_release_and_waits_without_requests(sim: Simulator) -> None:
    assert sim.faults.release("nothing") == 0
    assert not sim.faults.wait_held("nothing", timeout=0.01)
    assert not sim.journal.wait_count("POST", r"/render$", 1, timeout=0.01)


def test_stop_drops_held_requests(sim_clock: ManualClock, pool: ThreadPoolExecutor) -> None:
    own = Simulator(clock=sim_clock)
    own.start()
    own.faults.add("GET", r"/me$", faults.hold("me"))

    def call() -> httpx.Response:
        with http(base_url=own.base_url, headers={"X-API-Key": DEMO_API_KEY}) as client:
            return client.get("/me")

    pending = in_background(pool, call)
    assert own.faults.wait_held("me")
    started = time.monotonic()
    own.stop()
    assert time.monotonic() - started < 5  # the 30 s hold did not keep it waiting
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        pending.result(timeout=5)


async def test_until_held_from_a_coroutine(sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.hold("me"))
    async with httpx.AsyncClient(
        base_url=sim.base_url, headers={"X-API-Key": DEMO_API_KEY}
    ) as client:
        request = asyncio.create_task(client.get("/me"))
        assert await sim.faults.until_held("me")
        sim.faults.release("me")
        assert (await request).status_code == 200


def test_hold_body_rejects_odd_cut_points() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        faults.hold_body("x", 1.5)
    with pytest.raises(ValueError, match="negative"):
        faults.hold_body("x", -3)
