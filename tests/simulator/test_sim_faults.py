"""Fault plans, each observed over a real socket."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from simkit import AGENT, balance, final_cell_id, http, render_id

from genpro_desktop.simulator import DEMO_API_KEY, Simulator, faults


def test_status_with_default_body(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"^/v1/me$", faults.status(503))
    response = api.get("/me")
    assert response.status_code == 503
    assert response.json() == {"status": 503, "error": "Service Unavailable"}
    assert api.get("/me").status_code == 200  # times=1: the plan has expired


def test_status_with_body_headers_and_retry_after(api: httpx.Client, sim: Simulator) -> None:
    body = {"error": "Slow down", "error_code": "rate_limited"}
    sim.faults.add("GET", r"/me$", faults.status(429, body, {"X-Trace": "t1"}, retry_after=7))
    response = api.get("/me")
    assert response.status_code == 429
    assert response.json() == body
    assert response.headers["Retry-After"] == "7"
    assert response.headers["X-Trace"] == "t1"


def test_retry_after_as_http_date_and_text_body(api: httpx.Client, sim: Simulator) -> None:
    date = "Fri, 27 Nov 2026 12:00:30 GMT"
    sim.faults.add("GET", r"/me$", faults.status(503, "upstream down", retry_after=date))
    response = api.get("/me")
    assert response.headers["Retry-After"] == date
    assert response.text == "upstream down"
    assert response.headers["Content-Type"].startswith("text/plain")


def test_times_and_matching(api: httpx.Client, sim: Simulator) -> None:
    plan = sim.faults.add("get", r"/workspaces", faults.status(500), times=2)
    assert api.get("/me").status_code == 200
    assert api.post("/workspaces").status_code == 404  # other method: no fault, no route
    assert [api.get("/workspaces").status_code for _ in range(3)] == [500, 500, 200]
    assert (plan.fired, plan.remaining) == (2, 0)
    assert sim.faults.pending == []


def test_plans_fire_in_order_and_can_be_cleared(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("*", r"/me", faults.status(502))
    sim.faults.add("GET", r"/me", faults.status(503))
    assert api.get("/me").status_code == 502
    assert len(sim.faults.pending) == 1
    sim.faults.clear()
    assert api.get("/me").status_code == 200


def test_times_must_be_positive(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="times"):
        sim.faults.add("GET", "/me", faults.reset(), times=0)


def test_delay_slows_the_answer(sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.delay(0.2))
    with http(timeout=0.05) as client, pytest.raises(httpx.ReadTimeout):
        client.get(f"{sim.base_url}/me", headers={"X-API-Key": DEMO_API_KEY})
    sim.faults.add("GET", r"/me$", faults.delay(0.05))
    with http(timeout=5) as client:
        started = time.monotonic()
        response = client.get(f"{sim.base_url}/me", headers={"X-API-Key": DEMO_API_KEY})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.05


def test_reset_aborts_without_a_response(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.reset())
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        api.get("/me")
    entry = sim.journal.last("GET", r"/me$")
    assert (entry.status, entry.fault) == (None, "reset")
    assert api.get("/me").status_code == 200


def test_truncate_declares_more_than_it_sends(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.truncate())
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message"):
        api.get("/me")


def test_truncate_on_the_cdn(api: httpx.Client, sim: Simulator) -> None:
    url = api.get("/vidsheet/9101", params=AGENT).json()["spreadsheet_rows"][0]
    video = url["spreadsheet_cells"][4]["value"]
    sim.faults.add("GET", r"^/cdn/outputs/", faults.truncate())
    with http() as cdn, cdn.stream("GET", video) as response:
        assert int(response.headers["Content-Length"]) > 200_000
        with pytest.raises(httpx.RemoteProtocolError):
            response.read()


def test_html_page(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.html())
    response = api.get("/me")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_malformed_json(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.malformed_json())
    response = api.get("/me")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html_after_applying_a_render(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("POST", r"/render$", faults.html(apply=True))
    cell_id = final_cell_id(api)
    response = api.post(f"/vidsheet/9101/cells/{cell_id}/render", params=AGENT)
    assert response.headers["Content-Type"].startswith("text/html")
    assert balance(api) == 450


def test_unknown_status_replaces_the_generation_status(api: httpx.Client, sim: Simulator) -> None:
    generation_id = render_id(api)
    sim.faults.add("GET", r"/generations/\d+$", faults.unknown_status("queued_for_gpu"))
    body = api.get(f"/generations/{generation_id}").json()
    assert body["status"] == "queued_for_gpu"
    assert body["id"] == str(generation_id)
    assert api.get(f"/generations/{generation_id}").json()["status"] == "pending"


def test_apply_then_status_charges_and_the_key_replays(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    cell_id = final_cell_id(api)
    path = f"/vidsheet/9101/cells/{cell_id}/render"
    headers = {"Idempotency-Key": "intent-42"}
    failed = api.post(path, params=AGENT, headers=headers)
    assert failed.status_code == 502
    created = sim.state.last_render_id
    assert balance(api) == 450
    retried = api.post(path, params=AGENT, headers=headers)
    assert retried.status_code == 201
    assert retried.json() == {"generation_id": created, "status": "pending"}
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert balance(api) == 450
    assert sim.journal.last("POST", r"/render$").fault is None
    assert [e.fault for e in sim.journal.find("POST", r"/render$")] == [
        "apply_then_status(502)",
        None,
    ]


def test_faults_fire_before_authentication(anon: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.status(503))
    assert anon.get("/me").status_code == 503
    assert anon.get("/me").status_code == 401


def test_action_descriptions() -> None:
    assert faults.status(429).describe() == "status(429)"
    assert faults.delay(0.5).describe() == "delay(0.5)"
    assert faults.unknown_status("weird").describe() == "unknown_status(weird)"
    assert faults.reset().describe() == "reset"
    assert Simulator().faults.status is faults.status
