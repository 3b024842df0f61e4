"""Render generations: the state machine over the sim clock, stop/continue, scripting."""

from __future__ import annotations

import httpx
import pytest
from simkit import AGENT, final_cell_id, render_id, sheet, start_render

from genpro_desktop.simulator import ManualClock, Simulator


def status_of(api: httpx.Client, generation_id: int) -> str:
    return api.get(f"/generations/{generation_id}").json()["status"]


def test_render_create_answers_201_pending(api: httpx.Client) -> None:
    response = start_render(api)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert isinstance(body["generation_id"], int)


@pytest.mark.parametrize(
    ("elapsed", "expected"),
    [
        (0.0, "pending"),
        (1.999, "pending"),
        (2.0, "processing"),
        (7.999, "processing"),
        (8.0, "completed"),
        (3600.0, "completed"),
    ],
)
def test_status_follows_the_clock(
    api: httpx.Client, sim_clock: ManualClock, elapsed: float, expected: str
) -> None:
    generation_id = render_id(api)
    sim_clock.advance(elapsed)
    assert status_of(api, generation_id) == expected


def test_completed_generation_shape(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    pending = api.get(f"/generations/{generation_id}").json()
    assert pending["output_resources"] == []
    assert pending["execution_cost"] is None
    sim_clock.advance(8)
    body = api.get(f"/generations/{generation_id}").json()
    assert body["id"] == str(generation_id)
    assert body["user_job_type"] == "remotion"
    assert body["execution_cost"] == "47.5"
    assert body["failed_reason"] is None
    [output] = body["output_resources"]
    assert output["url"] == f"{sim.cdn_base_url}/outputs/render_{generation_id}.mp4"
    assert output["thumbnail_url"] == f"{sim.cdn_base_url}/thumbnails/render_{generation_id}.jpg"
    assert (output["object_type"], output["type"]) == ("video", "output")
    assert body["created_at"] == "2026-11-27T12:00:00.000Z"
    assert body["updated_at"] == "2026-11-27T12:00:08.000Z"
    assert body["updated_at_ts"] - body["created_at_ts"] == 8000


def test_render_shows_up_in_the_final_video_cell(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    cell_id = final_cell_id(api)
    generation_id = render_id(api)
    cell = api.get(f"/vidsheet/9101/cells/{cell_id}", params=AGENT).json()
    assert cell["id"] == str(cell_id)
    assert [job["id"] for job in cell["user_jobs"]] == [generation_id]
    assert cell["default_user_job"]["status"] == "pending"
    assert cell["value"] is None
    sim_clock.advance(8)
    cell = api.get(f"/vidsheet/9101/cells/{cell_id}", params=AGENT).json()
    assert cell["default_user_job"]["status"] == "completed"
    assert cell["value"] == f"{sim.cdn_base_url}/outputs/render_{generation_id}.mp4"


def test_a_new_take_replaces_the_default_only_once_it_completes(
    api: httpx.Client, sim_clock: ManualClock
) -> None:
    first = render_id(api)
    sim_clock.advance(8)
    second = render_id(api)
    cell_id = final_cell_id(api)
    cell = api.get(f"/vidsheet/9101/cells/{cell_id}", params=AGENT).json()
    assert [j["id"] for j in cell["user_jobs"]] == [first, second]
    assert cell["default_user_job"]["id"] == first
    sim_clock.advance(8)
    cell = api.get(f"/vidsheet/9101/cells/{cell_id}", params=AGENT).json()
    assert cell["default_user_job"]["id"] == second


def test_scripted_failure(api: httpx.Client, sim: Simulator, sim_clock: ManualClock) -> None:
    sim.state.script_render("failed", failed_reason="Layer 2 clip could not be fetched")
    failing = render_id(api)
    succeeding = render_id(api, row=4)
    sim_clock.advance(8)
    body = api.get(f"/generations/{failing}").json()
    assert body["status"] == "failed"
    assert body["failed_reason"] == "Layer 2 clip could not be fetched"
    assert body["output_resources"] == []
    assert status_of(api, succeeding) == "completed"


def test_scripted_timings_and_cost(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.state.script_render(cost="61.25", pending_s=5, done_s=30, times=2)
    generation_id = render_id(api)
    sim_clock.advance(5)
    assert status_of(api, generation_id) == "processing"
    sim_clock.advance(25)
    body = api.get(f"/generations/{generation_id}").json()
    assert (body["status"], body["execution_cost"]) == ("completed", "61.25")


def test_script_validation(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="completed"):
        sim.state.script_render("stopped")
    with pytest.raises(ValueError, match="pending_s"):
        sim.state.script_render(pending_s=10, done_s=5)
    with pytest.raises(ValueError, match="publish"):
        sim.state.script_publish("processing")


def test_clear_scripts(api: httpx.Client, sim: Simulator, sim_clock: ManualClock) -> None:
    sim.state.script_render("failed", times=3)
    sim.state.clear_scripts()
    generation_id = render_id(api)
    sim_clock.advance(8)
    assert status_of(api, generation_id) == "completed"


@pytest.mark.parametrize("elapsed", [0.0, 3.0])
def test_stop_while_running(api: httpx.Client, sim_clock: ManualClock, elapsed: float) -> None:
    generation_id = render_id(api)
    sim_clock.advance(elapsed)
    response = api.post(f"/generations/{generation_id}/stop")
    assert response.status_code == 200
    assert response.json() == {"generation_id": str(generation_id), "status": "stopped"}
    sim_clock.advance(60)
    body = api.get(f"/generations/{generation_id}").json()
    assert (body["status"], body["output_resources"]) == ("stopped", [])


@pytest.mark.parametrize("outcome", ["completed", "failed"])
def test_stop_after_the_end_is_refused(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock, outcome: str
) -> None:
    sim.state.script_render(outcome)
    generation_id = render_id(api)
    sim_clock.advance(8)
    response = api.post(f"/generations/{generation_id}/stop")
    assert response.status_code == 422
    assert response.json()["error_code"] == "job_cannot_be_stopped"


def test_stop_twice_is_refused(api: httpx.Client) -> None:
    generation_id = render_id(api)
    assert api.post(f"/generations/{generation_id}/stop").status_code == 200
    again = api.post(f"/generations/{generation_id}/stop")
    assert (again.status_code, again.json()["error_code"]) == (422, "job_cannot_be_stopped")


def test_continue_restarts_a_stopped_render(api: httpx.Client, sim_clock: ManualClock) -> None:
    generation_id = render_id(api)
    sim_clock.advance(3)
    api.post(f"/generations/{generation_id}/stop")
    sim_clock.advance(100)
    response = api.post(f"/generations/{generation_id}/continue")
    assert response.status_code == 200
    assert response.json() == {"generation_id": str(generation_id), "status": "pending"}
    assert status_of(api, generation_id) == "pending"
    sim_clock.advance(2)
    assert status_of(api, generation_id) == "processing"
    sim_clock.advance(6)
    assert status_of(api, generation_id) == "completed"


@pytest.mark.parametrize("elapsed", [0.0, 8.0])
def test_continue_needs_a_stopped_render(
    api: httpx.Client, sim_clock: ManualClock, elapsed: float
) -> None:
    generation_id = render_id(api)
    sim_clock.advance(elapsed)
    response = api.post(f"/generations/{generation_id}/continue")
    assert (response.status_code, response.json()["error_code"]) == (422, "validation_error")


@pytest.mark.parametrize("action", ["", "/stop", "/continue"])
def test_unknown_generation_is_404(api: httpx.Client, action: str) -> None:
    method = "GET" if not action else "POST"
    response = api.request(method, f"/generations/999999{action}")
    assert (response.status_code, response.json()["error_code"]) == (404, "not_found")


def test_render_must_target_a_final_video_cell(api: httpx.Client) -> None:
    data = sheet(api)
    text_cell = data["spreadsheet_rows"][0]["spreadsheet_cells"][0]["id"]
    response = api.post(f"/vidsheet/9101/cells/{text_cell}/render", params=AGENT)
    assert (response.status_code, response.json()["error_code"]) == (422, "validation_error")


def test_render_on_unknown_sheet_or_cell(api: httpx.Client) -> None:
    cell_id = final_cell_id(api)
    missing_sheet = api.post(f"/vidsheet/1234/cells/{cell_id}/render", params=AGENT)
    assert missing_sheet.status_code == 404
    assert missing_sheet.json()["error_code"] == "spreadsheet_not_found"
    missing_cell = api.post("/vidsheet/9101/cells/5/render", params=AGENT)
    assert (missing_cell.status_code, missing_cell.json()["error_code"]) == (404, "not_found")


def test_a_cell_from_another_sheet_is_not_found(api: httpx.Client) -> None:
    other = final_cell_id(api, engine_id=9102, row=2)
    response = api.post(f"/vidsheet/9101/cells/{other}/render", params=AGENT)
    assert response.status_code == 404


def test_state_inspection_helpers(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    assert sim.state.last_render_id == generation_id
    assert sim.state.render_status(generation_id) == "pending"
    assert sim.state.media_ready(generation_id) is None
    sim_clock.advance(8)
    assert sim.state.render_status(str(generation_id)) == "completed"
    assert sim.state.media_ready(generation_id) == sim_clock.wall()
