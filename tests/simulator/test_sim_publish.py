"""The legacy publish_content user job: validation and the job timeline."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from simkit import AGENT

from genpro_desktop.simulator import ManualClock, Simulator

VALID: dict[str, Any] = {
    "platform": "tiktok",
    "media_url": "https://cdn.gen.pro/outputs/render_880001.mp4",
    "description": "Demo #gen",
    "schedule_type": "now",
    "media_type": "VIDEO",
}


def publish(api: httpx.Client, data: Any = None, **changes: Any) -> httpx.Response:
    if data is None:
        data = json.dumps({**VALID, **changes})
    body = {"user_job_type": "publish_content", "data": data}
    return api.post("/user_jobs", params=AGENT, json=body)


def problems(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error_code"] == "validation_error"
    return body["error"]


def test_publish_now_timeline(api: httpx.Client, sim: Simulator, sim_clock: ManualClock) -> None:
    created = publish(api)
    assert created.status_code == 201
    job_id = created.json()["user_job_id"]
    assert isinstance(job_id, int)

    def read() -> dict[str, Any]:
        return api.get(f"/user_jobs/{job_id}", params=AGENT).json()

    assert read() == {
        "id": job_id,
        "user_job_type": "publish_content",
        "status": "pending",
        "result": None,
        "failed_reason": None,
    }
    sim_clock.advance(3)
    assert read()["status"] == "processing"
    sim_clock.advance(6.9)
    assert read()["status"] == "processing"
    sim_clock.advance(0.1)
    done = read()
    assert done["status"] == "completed"
    assert isinstance(done["result"]["post_id"], str)
    assert sim.state.user_job_status(job_id) == "completed"
    assert sim.state.publish_data(job_id)["description"] == "Demo #gen"


def test_scripted_publish_failure(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.state.script_publish("failed", failed_reason="TikTok session expired")
    job_id = publish(api).json()["user_job_id"]
    sim_clock.advance(10)
    body = api.get(f"/user_jobs/{job_id}", params=AGENT).json()
    assert (body["status"], body["failed_reason"], body["result"]) == (
        "failed",
        "TikTok session expired",
        None,
    )


def test_scripted_post_id(api: httpx.Client, sim: Simulator, sim_clock: ManualClock) -> None:
    sim.state.script_publish(post_id="7459234123456", done_s=4)
    job_id = publish(api).json()["user_job_id"]
    sim_clock.advance(4)
    body = api.get(f"/user_jobs/{job_id}", params=AGENT).json()
    assert body["result"] == {"post_id": "7459234123456"}


def test_scheduled_in_the_future(api: httpx.Client) -> None:
    response = publish(api, schedule_type="scheduled", scheduled_time="2026-11-27T13:00:00Z")
    assert response.status_code == 201
    offset = publish(api, schedule_type="scheduled", scheduled_time="2026-11-28T09:00:00+00:00")
    assert offset.status_code == 201


def test_data_as_an_object_is_refused(api: httpx.Client) -> None:
    assert "JSON-encoded string" in problems(publish(api, data=VALID))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a"]', "JSON object"),
    ],
)
def test_data_must_be_a_json_object_string(api: httpx.Client, data: str, message: str) -> None:
    assert message in problems(publish(api, data=data))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"platform": "instagram"}, "platform"),
        ({"platform": None}, "platform"),
        ({"media_url": "ftp://cdn.gen.pro/a.mp4"}, "media_url"),
        ({"media_url": "render.mp4"}, "media_url"),
        ({"description": ""}, "description is required"),
        ({"description": 42}, "description is required"),
        ({"description": "x" * 2201}, "too long (2201/2200)"),
        ({"description": "😀" * 1101}, "too long (2202/2200)"),
        ({"schedule_type": "specific_time"}, "schedule_type"),
        ({"schedule_type": "scheduled"}, "scheduled_time is required"),
        ({"schedule_type": "scheduled", "scheduled_time": "2026-11-27T11:00:00Z"}, "future"),
        ({"schedule_type": "scheduled", "scheduled_time": "2026-11-27T12:00:00Z"}, "future"),
        ({"schedule_type": "scheduled", "scheduled_time": "2026-11-28T09:00:00"}, "UTC"),
        ({"schedule_type": "scheduled", "scheduled_time": "2026-11-28T09:00:00+02:00"}, "UTC"),
        ({"schedule_type": "scheduled", "scheduled_time": "tomorrow"}, "UTC"),
        ({"media_type": "GIF"}, "media_type"),
        ({"title": 5}, "title"),
        ({"thumbnail_url": "file:///tmp/a.jpg"}, "thumbnail_url"),
        ({"timezone_offset": "60"}, "timezone_offset"),
        ({"timezone_offset": True}, "timezone_offset"),
    ],
)
def test_field_validation(api: httpx.Client, changes: dict[str, Any], message: str) -> None:
    assert message in problems(publish(api, **changes))


def test_missing_fields_are_all_reported(api: httpx.Client) -> None:
    response = publish(api, data="{}")
    details = response.json()["details"]
    assert len(details) == 4  # platform, media_url, description, schedule_type


def test_caption_limit_counts_utf16_units(api: httpx.Client) -> None:
    assert publish(api, description="x" * 2200).status_code == 201
    assert publish(api, description="😀" * 1100).status_code == 201


def test_optional_fields_are_accepted(api: httpx.Client) -> None:
    response = publish(
        api,
        title="Cold brew",
        thumbnail_url="https://cdn.gen.pro/thumbnails/render_880001.jpg",
        timezone_offset=-420,
        media_type="IMAGE",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("kind", ["train_social", "publish", None])
def test_unknown_user_job_type(api: httpx.Client, kind: str | None) -> None:
    body = {"user_job_type": kind, "data": json.dumps(VALID)}
    response = api.post("/user_jobs", params=AGENT, json=body)
    assert (response.status_code, response.json()["error_code"]) == (422, "validation_error")


def test_body_must_be_a_json_object(api: httpx.Client) -> None:
    response = api.post("/user_jobs", params=AGENT, json=["publish_content"])
    assert response.status_code == 422
    malformed = api.post(
        "/user_jobs", params=AGENT, content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400


def test_no_active_credit_purchase(api: httpx.Client, sim: Simulator) -> None:
    sim.state.active_credit_purchase = False
    response = publish(api)
    assert (response.status_code, response.json()["error_code"]) == (
        422,
        "no_active_credit_purchase",
    )


def test_unknown_user_job(api: httpx.Client) -> None:
    response = api.get("/user_jobs/1", params=AGENT)
    assert (response.status_code, response.json()["error_code"]) == (404, "not_found")


def test_publishing_is_free(api: httpx.Client, sim: Simulator) -> None:
    publish(api)
    assert sim.state.ledger() == []
