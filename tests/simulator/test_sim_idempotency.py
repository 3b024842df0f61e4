"""Idempotency-Key: a replay within 24 h (sim clock) returns the original answer, uncharged."""

from __future__ import annotations

import json

import httpx
from simkit import AGENT, balance, final_cell_id, render_id, start_render

from genpro_desktop.simulator import ManualClock, Simulator

PUBLISH = {
    "user_job_type": "publish_content",
    "data": json.dumps(
        {
            "platform": "tiktok",
            "media_url": "https://cdn.gen.pro/outputs/render_1.mp4",
            "description": "Demo #gen",
            "schedule_type": "now",
        }
    ),
}


def test_same_key_replays_the_render_without_charging(api: httpx.Client, sim: Simulator) -> None:
    first = start_render(api, key="intent-1")
    second = start_render(api, key="intent-1")
    assert second.status_code == first.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert balance(api) == 450
    assert sim.state.last_render_id == first.json()["generation_id"]


def test_a_different_key_is_a_new_render(api: httpx.Client) -> None:
    first = start_render(api, key="intent-1").json()["generation_id"]
    second = start_render(api, key="intent-2").json()["generation_id"]
    assert first != second
    assert balance(api) == 400


def test_without_a_key_every_request_renders(api: httpx.Client) -> None:
    assert start_render(api).json() != start_render(api).json()
    assert balance(api) == 400


def test_the_replay_works_across_prefixes(api: httpx.Client) -> None:
    cell_id = final_cell_id(api)
    headers = {"Idempotency-Key": "same"}
    path = f"/9101/cells/{cell_id}/render"
    first = api.post("/vidsheet" + path, params=AGENT, headers=headers)
    second = api.post("/autocontentengine" + path, params=AGENT, headers=headers)
    assert first.json() == second.json()
    assert balance(api) == 450


def test_keys_expire_after_24_hours(api: httpx.Client, sim_clock: ManualClock) -> None:
    first = start_render(api, key="intent-1").json()
    sim_clock.advance(24 * 3600)
    assert start_render(api, key="intent-1").json() == first
    sim_clock.advance(1)
    assert start_render(api, key="intent-1").json() != first


def test_refusals_are_not_remembered(api: httpx.Client, sim: Simulator) -> None:
    sim.state.set_balance(0)
    refused = start_render(api, key="intent-1")
    assert refused.status_code == 422
    sim.state.set_balance(500)
    accepted = start_render(api, key="intent-1")
    assert accepted.status_code == 201
    assert "Idempotent-Replayed" not in accepted.headers


def test_replay_survives_a_later_lack_of_credit(api: httpx.Client, sim: Simulator) -> None:
    first = start_render(api, key="intent-1")
    sim.state.set_balance(0)
    assert start_render(api, key="intent-1").json() == first.json()


def test_continue_is_idempotent(api: httpx.Client, sim_clock: ManualClock) -> None:
    generation_id = render_id(api)
    api.post(f"/generations/{generation_id}/stop")
    headers = {"Idempotency-Key": "resume-1"}
    first = api.post(f"/generations/{generation_id}/continue", headers=headers)
    sim_clock.advance(8)
    second = api.post(f"/generations/{generation_id}/continue", headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert balance(api) == 452.5


def test_publish_is_idempotent(api: httpx.Client, sim: Simulator) -> None:
    headers = {"Idempotency-Key": "post-1"}
    first = api.post("/user_jobs", params=AGENT, json=PUBLISH, headers=headers)
    second = api.post("/user_jobs", params=AGENT, json=PUBLISH, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(sim.state.publish_records) == 1
