"""What the charged and publishing POSTs accept in their bodies, as GEN does.

GEN's own TypeScript SDK (0.7.1) and MCP server send `agent_id` in the JSON body of the render
and `user_jobs` POSTs, with no query string; Rails merges body and query into `params`, so GEN
accepts both. A body that is not JSON is refused by Rails' parser before the controller runs:
400 and nothing applied.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from simkit import AGENT, balance, final_cell_id

from genpro_desktop.simulator import Simulator

PUBLISH_DATA = json.dumps(
    {
        "platform": "tiktok",
        "media_url": "https://cdn.gen.pro/outputs/render_880001.mp4",
        "description": "Demo #gen",
        "schedule_type": "now",
    }
)
JSON = {"Content-Type": "application/json"}


def _render_path(api: httpx.Client) -> str:
    return f"/vidsheet/9101/cells/{final_cell_id(api)}/render"


@pytest.mark.parametrize("agent_id", ["4711", 4711], ids=["string", "integer"])
def test_render_with_agent_id_only_in_the_json_body_is_accepted_and_charged(
    api: httpx.Client, sim: Simulator, agent_id: Any
) -> None:
    before = balance(api)
    renders = len(sim.state.render_records)
    response = api.post(_render_path(api), json={"agent_id": agent_id})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    assert len(sim.state.render_records) == renders + 1
    assert balance(api) == before - 50
    assert sim.journal.find("POST", r"/render$")[-1].query == {}  # no query string at all


def test_publish_with_agent_id_only_in_the_json_body_is_accepted(
    api: httpx.Client, sim: Simulator
) -> None:
    body = {"agent_id": "4711", "user_job_type": "publish_content", "data": PUBLISH_DATA}
    response = api.post("/user_jobs", json=body)
    assert response.status_code == 201, response.text
    job_id = response.json()["user_job_id"]
    assert sim.state.publish_records[job_id].agent_id == 4711


def test_the_query_string_still_works_and_wins_over_the_body(api: httpx.Client) -> None:
    body = {"agent_id": "1", "user_job_type": "publish_content", "data": PUBLISH_DATA}
    assert api.post("/user_jobs", params=AGENT, json=body).status_code == 201
    render = api.post(_render_path(api), params=AGENT, json={"agent_id": "1"})
    assert render.status_code == 201, render.text


@pytest.mark.parametrize("agent_id", ["1", None, True, ["4711"]])
def test_an_unknown_or_unusable_agent_in_the_body_is_refused(
    api: httpx.Client, sim: Simulator, agent_id: Any
) -> None:
    before = balance(api)
    response = api.post(_render_path(api), json={"agent_id": agent_id})
    assert response.status_code == 422
    assert response.json()["error_code"] == "agent_not_found"
    assert balance(api) == before


def test_a_render_without_agent_id_anywhere_is_refused(api: httpx.Client) -> None:
    response = api.post(_render_path(api))
    assert response.status_code == 422
    assert response.json()["error_code"] == "agent_not_found"


MALFORMED = ['{"agent_id": ', "not json", "{'agent_id': 4711}", "[" * 100_000]


@pytest.mark.parametrize("body", MALFORMED, ids=["cut", "text", "python", "deep"])
def test_a_malformed_render_body_is_a_400_and_never_a_charge(
    api: httpx.Client, sim: Simulator, body: str
) -> None:
    path = _render_path(api)
    before = balance(api)
    renders = len(sim.state.render_records)
    response = api.post(path, params=AGENT, content=body, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}
    assert len(sim.state.render_records) == renders
    assert balance(api) == before
    assert sim.journal.find("POST", r"/render$")[-1].status == 400


@pytest.mark.parametrize("body", MALFORMED, ids=["cut", "text", "python", "deep"])
def test_a_malformed_publish_body_is_a_400_and_creates_no_job(
    api: httpx.Client, sim: Simulator, body: str
) -> None:
    response = api.post("/user_jobs", params=AGENT, content=body, headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}
    assert sim.state.publish_records == {}


def test_a_malformed_body_is_refused_even_with_a_replayable_idempotency_key(
    api: httpx.Client, sim: Simulator
) -> None:
    path = _render_path(api)
    assert api.post(path, params=AGENT, headers={"Idempotency-Key": "k-1"}).status_code == 201
    renders = len(sim.state.render_records)
    again = api.post(path, params=AGENT, content="{", headers={**JSON, "Idempotency-Key": "k-1"})
    assert again.status_code == 400
    assert len(sim.state.render_records) == renders


def test_malformed_bodies_on_stop_and_continue_change_nothing(
    api: httpx.Client, sim: Simulator
) -> None:
    generation_id = int(api.post(_render_path(api), params=AGENT).json()["generation_id"])
    bad = api.post(f"/generations/{generation_id}/stop", content="{", headers=JSON)
    assert (bad.status_code, bad.json()) == (400, {"status": 400, "error": "Bad Request"})
    assert sim.state.render_status(generation_id) == "pending"
    assert api.post(f"/generations/{generation_id}/stop").status_code == 200
    before = balance(api)
    bad = api.post(f"/generations/{generation_id}/continue", content="{", headers=JSON)
    assert bad.status_code == 400
    assert sim.state.render_status(generation_id) == "stopped"
    assert balance(api) == before
    assert api.post(f"/generations/{generation_id}/continue", json={}).status_code == 200
    assert balance(api) == before - 50
