"""Starting, stopping and serving; the clocks; the seed."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from simkit import AGENT, http, sheet

from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, RealClock, Simulator
from genpro_desktop.simulator.media import sample_path

KEY = {"X-API-Key": DEMO_API_KEY}


def test_start_returns_the_base_url_and_stop_closes_the_socket() -> None:
    sim = Simulator()
    base_url = sim.start()
    assert base_url == sim.base_url == f"http://127.0.0.1:{sim.port}/v1"
    assert sim.cdn_base_url == f"http://127.0.0.1:{sim.port}/cdn"
    with http() as client:
        assert client.get(f"{base_url}/me", headers=KEY).status_code == 200
    port = sim.port
    sim.stop()
    sim.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        _ = sim.base_url
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_start_twice_is_an_error(sim: Simulator) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        sim.start()


def test_start_on_a_busy_port_raises() -> None:
    with Simulator() as first:
        second = Simulator()
        with pytest.raises(OSError, match=r"(?i)in use|address"):
            second.start(port=first.port)
        second.stop()


def test_stop_with_an_open_keep_alive_connection(sim_clock: ManualClock) -> None:
    sim = Simulator(clock=sim_clock)
    sim.start()
    with http(base_url=sim.base_url, headers=KEY) as client:
        assert client.get("/me").status_code == 200
        sim.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/me")


def test_default_clock_is_manual() -> None:
    assert isinstance(Simulator().clock, ManualClock)


async def test_serve_in_the_callers_loop() -> None:
    sim = Simulator(clock=ManualClock())
    ready: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(sim.serve(on_ready=ready.put_nowait))
    base_url = await asyncio.wait_for(ready.get(), timeout=5)
    assert base_url.startswith("http://127.0.0.1:")
    async with httpx.AsyncClient(base_url=base_url, headers=KEY) as client:
        assert (await client.get("/me")).status_code == 200
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(RuntimeError):
        _ = sim.base_url


def test_manual_clock() -> None:
    clock = ManualClock()
    assert (clock.now(), clock.wall()) == (0.0, datetime(2026, 11, 27, 12, tzinfo=UTC))
    clock.advance(90.5)
    assert clock.now() == 90.5
    assert clock.wall() == datetime(2026, 11, 27, 12, 1, 30, 500000, tzinfo=UTC)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    moved = ManualClock(start=10, wall_start=datetime(2030, 1, 1, tzinfo=UTC))
    assert moved.wall() == datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        ManualClock(wall_start=datetime(2030, 1, 1))
    assert "ManualClock" in repr(clock)


def test_real_clock() -> None:
    clock = RealClock(speed=10)
    first = clock.now()
    assert first >= 0
    assert clock.now() >= first
    assert abs(clock.wall() - datetime.now(UTC)) < timedelta(seconds=5)
    assert "speed=10" in repr(clock)
    with pytest.raises(ValueError, match="speed"):
        RealClock(speed=0)


def test_seed_matches_the_contract(api: httpx.Client) -> None:
    org = api.get("/organizations/301").json()
    assert (org["name"], org["available_credit"]["generic"]) == ("Demo Studio", 500)
    engines = [sheet(api, engine_id) for engine_id in (9101, 9102, 9103)]
    for engine in engines:
        titles = [c["title"] for c in engine["spreadsheet_columns"]]
        assert titles == ["TEXT 1", "TEXT 2", "PROMPT", "VIDEO", "FINAL VIDEO", "STATS"]
        assert 4 <= len(engine["spreadsheet_rows"]) <= 6
        assert isinstance(engine["created_at"], int)
        assert engine["created_at_ts"] == engine["created_at"] * 1000
    roles = [c["column_role"] for c in engines[0]["spreadsheet_columns"]]
    assert roles == ["ingredient", "ingredient", "ingredient", "video", "final_video", "stats"]
    first_row = engines[0]["spreadsheet_rows"][0]["spreadsheet_cells"]
    assert first_row[0]["value"]
    assert [layer["type"] for layer in first_row[3]["video_layers"]] == [
        "clip",
        "sound",
        "text",
        "caption",
    ]
    assert first_row[4]["default_user_job"]["status"] == "completed"
    failed_take = engines[1]["spreadsheet_rows"][1]["spreadsheet_cells"][4]
    assert failed_take["default_user_job"]["status"] == "failed"
    history = engines[2]["spreadsheet_rows"][0]["spreadsheet_cells"][4]["user_jobs"]
    assert [job["status"] for job in history] == ["completed", "failed", "completed"]


def test_one_engine_has_no_cell_roles(api: httpx.Client) -> None:
    """Built-from-scratch engines: clients must find the final cell by column position."""
    cells = sheet(api, 9103)["spreadsheet_rows"][0]["spreadsheet_cells"]
    assert {c["cell_role"] for c in cells} == {None}
    assert all("column_id" not in c for c in cells)
    assert "column_id" in sheet(api, 9101)["spreadsheet_rows"][0]["spreadsheet_cells"][0]


def test_seed_is_deterministic() -> None:
    def snapshot(seed: int) -> str:
        with (
            Simulator(clock=ManualClock(), seed=seed) as sim,
            http(base_url=sim.base_url, headers=KEY) as client,
        ):
            text = client.get("/vidsheet/9102", params=AGENT).text
            return text.replace(sim.origin, "ORIGIN")

    assert snapshot(7) == snapshot(7)
    assert snapshot(7) != snapshot(8)


def test_sample_media_is_found() -> None:
    assert sample_path("render.mp4").read_bytes()[4:8] == b"ftyp"


def test_repr(sim: Simulator) -> None:
    assert sim.origin in repr(sim)
    assert "not running" in repr(Simulator())
