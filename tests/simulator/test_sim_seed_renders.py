"""The demo data's earlier renders and the renders started elsewhere (issue 18), over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from simkit import AGENT, balance, sheet

from genpro_desktop.simulator import (
    RENDER_DONE_S,
    RENDER_PRECHARGE,
    ManualClock,
    Simulator,
)


def final_cell(engine: dict[str, Any], row: int) -> dict[str, Any]:
    """The final-video cell of a row (0-based), found by column position (works for all)."""
    position = next(
        c["position"] for c in engine["spreadsheet_columns"] if c["column_role"] == "final_video"
    )
    return engine["spreadsheet_rows"][row]["spreadsheet_cells"][position - 1]


def test_rows_have_earlier_completed_renders_whose_videos_download(
    api: httpx.Client, anon: httpx.Client
) -> None:
    cell = final_cell(sheet(api, 9101), 0)
    take = cell["default_user_job"]
    assert take["status"] == "completed"
    assert [job["id"] for job in cell["user_jobs"]] == [take["id"]]
    video = take["output_resources"][0]
    assert video["url"].endswith(".mp4")
    assert video["thumbnail_url"].endswith(".jpg")
    response = anon.get(video["url"])  # the CDN: no key
    assert response.status_code == 200
    assert response.content[4:8] == b"ftyp"
    assert anon.get(video["thumbnail_url"]).status_code == 200
    assert Decimal(take["execution_cost"]) > 0
    assert isinstance(take["created_at_ts"], int)


def test_one_row_has_several_takes_one_of_them_failed(api: httpx.Client) -> None:
    cell = final_cell(sheet(api, 9103), 0)
    takes = cell["user_jobs"]
    assert [t["status"] for t in takes] == ["completed", "failed", "completed"]
    assert [t["created_at_ts"] for t in takes] == sorted(t["created_at_ts"] for t in takes)
    assert cell["default_user_job"]["id"] == takes[-1]["id"]  # the newest completed take
    failed = takes[1]
    assert failed["failed_reason"]
    assert failed["output_resources"] == []
    assert len({t["output_resources"][0]["url"] for t in (takes[0], takes[2])}) == 2


def test_a_render_started_elsewhere_shows_in_the_cell_and_is_charged(
    sim: Simulator, sim_clock: ManualClock, api: httpx.Client
) -> None:
    before = balance(api)
    generation_id = sim.state.start_render_elsewhere(9101, 4)
    assert balance(api) == before - float(RENDER_PRECHARGE)
    cell = final_cell(sheet(api, 9101), 3)
    assert [job["id"] for job in cell["user_jobs"]] == [generation_id]
    assert cell["user_jobs"][0]["status"] == "pending"
    sim_clock.advance(RENDER_DONE_S)
    generation = api.get(f"/generations/{generation_id}", params=AGENT).json()
    assert generation["status"] == "completed"
    assert sim.journal.count("POST", r".") == 0  # nothing came through the API


def test_a_scheduled_render_elsewhere_appears_at_its_time(
    sim: Simulator, sim_clock: ManualClock, api: httpx.Client
) -> None:
    sim.state.schedule_render_elsewhere(sim_clock.now() + 120, 9102, 3, outcome="failed")
    assert final_cell(sheet(api, 9102), 2)["user_jobs"] == []
    sim_clock.advance(119)
    assert final_cell(sheet(api, 9102), 2)["user_jobs"] == []
    sim_clock.advance(1 + RENDER_DONE_S)
    jobs = final_cell(sheet(api, 9102), 2)["user_jobs"]
    assert [job["status"] for job in jobs] == ["failed"]
    # Failed: the pre-charge came back, as GEN refunds a failed render.
    kinds = [e.kind for e in sim.state.ledger() if e.generation_id == jobs[0]["id"]]
    assert kinds == ["precharge", "refund"]


def test_the_demo_schedule_starts_two_renders_a_few_minutes_in(
    sim: Simulator, sim_clock: ManualClock, api: httpx.Client
) -> None:
    before = sim.state.last_render_id
    sim.state.schedule_demo_renders_elsewhere()
    sim_clock.advance(170)
    assert final_cell(sheet(api, 9101), 2)["user_jobs"] == []
    assert sim.state.last_render_id == before
    sim_clock.advance(140)
    first = final_cell(sheet(api, 9101), 2)["user_jobs"]
    second = final_cell(sheet(api, 9102), 2)["user_jobs"]
    assert [job["id"] for job in first + second] == [before + 1, before + 2]


def test_render_elsewhere_refuses_a_row_that_does_not_exist(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="row 99"):
        sim.state.start_render_elsewhere(9101, 99)
