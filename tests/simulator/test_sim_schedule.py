"""The simulated schedule API (gen-api.md 11.1) over real sockets, on the manual sim clock."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from simkit import AGENT

from genpro_desktop.simulator import ManualClock, Simulator, faults
from genpro_desktop.simulator.schedule import ACCEPT_S, OFF_BODIES, PUBLISH_S

MEDIA = "https://cdn.gen.pro/outputs/render_1.mp4"
URL_SHAPES = {
    "tiktok": r"^https://www\.tiktok\.com/@democreator/video/\d+$",
    "instagram": r"^https://www\.instagram\.com/reel/C\w+/$",
    "facebook": r"^https://www\.facebook\.com/democreator/videos/\d+/$",
    "youtube": r"^https://www\.youtube\.com/watch\?v=\d+$",
    "x": r"^https://x\.com/democreator/status/\d+$",
    "linkedin": r"^https://www\.linkedin\.com/feed/update/urn:li:share:\d+/$",
}


def body(platforms: list[str], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "agent_id": "4711",
        "platform": platforms,
        "schedule_type": "now",
        "media_url": MEDIA,
        "description": "Launch day #demo",
        "title": "Launch clip",
        "tiktok_privacy_level": "PUBLIC_TO_EVERYONE",
        "tiktok_disable_comment": False,
        "tiktok_disable_duet": False,
        "tiktok_disable_stitch": False,
        "strict": True,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def create(api: httpx.Client, data: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/schedule/with-post", json=data, headers=headers)


def created(api: httpx.Client, data: dict[str, Any]) -> dict[str, Any]:
    response = create(api, data)
    assert response.status_code == 200, response.text
    return response.json()


def statuses(api: httpx.Client, post_id: int) -> dict[str, dict[str, Any]]:
    post = api.get(f"/schedule/post/{post_id}").json()
    return {s["platform"]: s for s in post["platforms_status"]}


def in_future(clock: ManualClock, **delta: float) -> str:
    return (clock.wall() + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_platform_rules_need_no_key(anon: httpx.Client) -> None:
    response = anon.get("/schedule/platforms")
    assert response.status_code == 200
    rules = {r["platform"]: r for r in response.json()["platforms"]}
    assert set(rules) == set(URL_SHAPES)
    assert rules["youtube"]["title_required"] is True
    assert rules["x"]["caption_limit"] == 280
    assert rules["instagram"]["max_hashtags"] == 30


def test_the_other_schedule_routes_need_the_key(anon: httpx.Client) -> None:
    assert create(anon, body(["tiktok"])).status_code == 401
    assert anon.get("/schedule/post/1").status_code == 401


@pytest.mark.parametrize("platform", list(URL_SHAPES))
def test_each_platform_goes_accepted_publishing_published_with_its_post_url(
    api: httpx.Client, sim_clock: ManualClock, platform: str
) -> None:
    answer = created(api, body([platform]))
    assert answer["platforms"] == [platform]
    assert answer["status_url"] == f"/schedule/post/{answer['post_id']}"
    assert answer["idempotent_replay"] is False
    assert answer["platforms_status"][0]["normalized_status"] == "accepted"
    sim_clock.advance(ACCEPT_S)
    entry = statuses(api, answer["post_id"])[platform]
    assert (entry["normalized_status"], entry["status"]) == ("publishing", "uploading")
    assert entry["post_url"] is None
    sim_clock.advance(PUBLISH_S)
    entry = statuses(api, answer["post_id"])[platform]
    assert entry["normalized_status"] == "published"
    assert re.match(URL_SHAPES[platform], entry["post_url"]), entry["post_url"]
    assert entry["platform_post_id"] in entry["post_url"] or platform == "instagram"
    assert entry["published_at"].endswith("Z")


def test_youtube_shorts_get_a_shorts_url(api: httpx.Client, sim_clock: ManualClock) -> None:
    answer = created(api, body(["youtube"], youtube_options={"shorts": True}))
    sim_clock.advance(ACCEPT_S + PUBLISH_S)
    url = statuses(api, answer["post_id"])["youtube"]["post_url"]
    assert re.match(r"^https://www\.youtube\.com/shorts/\d+$", url)


REFUSALS: list[tuple[str, list[str], dict[str, Any], str | None, str]] = [
    ("youtube title", ["youtube"], {"title": None}, "youtube", "title"),
    ("youtube title length", ["youtube"], {"title": "t" * 101}, "youtube", "title"),
    ("facebook title length", ["facebook"], {"title": "t" * 256}, "facebook", "title"),
    ("linkedin title length", ["linkedin"], {"title": "t" * 401}, "linkedin", "title"),
    ("x caption", ["x"], {"description": "x" * 281}, "x", "description"),
    ("tiktok caption", ["tiktok"], {"description": "x" * 2201}, "tiktok", "description"),
    ("strictest caption", ["tiktok", "x"], {"description": "x" * 300}, "x", "description"),
    (
        "instagram hashtags",
        ["instagram"],
        {"description": " ".join(f"#t{i}" for i in range(31))},
        "instagram",
        "description",
    ),
    (
        "tiktok privacy",
        ["tiktok"],
        {"tiktok_privacy_level": None},
        "tiktok",
        "tiktok_privacy_level",
    ),
    (
        "branded content private",
        ["tiktok"],
        {
            "tiktok_privacy_level": "SELF_ONLY",
            "tiktok_disclose_commercial_content": True,
            "tiktok_branded_content": True,
        },
        "tiktok",
        "tiktok_privacy_level",
    ),
    (
        "disclosure without a choice",
        ["tiktok"],
        {"tiktok_disclose_commercial_content": True},
        "tiktok",
        "tiktok_disclose_commercial_content",
    ),
    ("media required", ["youtube"], {"media_url": None}, "youtube", "media_url"),
    (
        "too many media",
        ["tiktok"],
        {"media_urls": [MEDIA]},
        "tiktok",
        "media_urls",
    ),
    (
        "youtube visibility",
        ["youtube"],
        {"youtube_options": {"visibility": "secret"}},
        "youtube",
        "youtube_options.visibility",
    ),
    (
        "youtube tags",
        ["youtube"],
        {"youtube_options": {"tags": ["a"]}},
        "youtube",
        "youtube_options.tags",
    ),
    ("thread tweet", ["x"], {"thread": [{"text": "y" * 281}]}, "x", "thread.0.text"),
]


@pytest.mark.parametrize(
    ("changes", "platforms", "platform", "field"),
    [(c, p, pl, f) for _, p, c, pl, f in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_platform_rules_refuse_in_the_detail_wrapper(
    api: httpx.Client,
    sim: Simulator,
    changes: dict[str, Any],
    platforms: list[str],
    platform: str,
    field: str,
) -> None:
    data = body(platforms, **changes)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
    response = create(api, data)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["error_code"] == "platform_validation_failed"
    assert (detail["platform"], detail["field"]) == (platform, field)
    assert {"platform": platform, "field": field, "error": detail["error"]} in detail["errors"]
    assert sim.schedule.posts == {}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"platform": ["myspace"]}, "platform"),
        ({"platform": []}, "platform"),
        ({"schedule_type": "later"}, "schedule_type"),
        ({"schedule_type": "specific_time"}, "scheduled_time"),
        (
            {"schedule_type": "specific_time", "scheduled_time": "2020-01-01T00:00:00Z"},
            "scheduled_time",
        ),
        ({"media_type": "GIF"}, "media_type"),
    ],
)
def test_request_errors_are_validation_errors(
    api: httpx.Client, changes: dict[str, Any], field: str
) -> None:
    response = create(api, body(["tiktok"], **changes))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (detail["error_code"], detail["field"], detail["platform"]) == (
        "validation_error",
        field,
        None,
    )


def test_an_unknown_agent_and_no_credit_purchase_are_refused(
    api: httpx.Client, sim: Simulator
) -> None:
    response = create(api, body(["tiktok"], agent_id="1"))
    assert (response.status_code, response.json()["error_code"]) == (422, "agent_not_found")
    sim.state.active_credit_purchase = False
    response = create(api, body(["tiktok"]))
    assert response.json()["error_code"] == "no_active_credit_purchase"


def test_partial_failure_keeps_each_platforms_outcome(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.schedule.script_platform(
        "youtube", "failed", error_code="media_fetch_failed", failed_step="download"
    )
    answer = created(api, body(["tiktok", "youtube"]))
    sim_clock.advance(ACCEPT_S + PUBLISH_S + 1)
    found = statuses(api, answer["post_id"])
    assert found["tiktok"]["normalized_status"] == "published"
    failed = found["youtube"]
    assert (failed["normalized_status"], failed["error_code"], failed["failed_step"]) == (
        "failed",
        "media_fetch_failed",
        "download",
    )
    assert failed["post_url"] is None
    assert failed["error"]
    assert api.get(f"/schedule/post/{answer['post_id']}").json()["status"] == "partial_success"


def test_a_scheduled_post_goes_out_at_its_time(api: httpx.Client, sim_clock: ManualClock) -> None:
    when = in_future(sim_clock, hours=2)
    answer = created(api, body(["tiktok"], schedule_type="specific_time", scheduled_time=when))
    post = api.get(f"/schedule/post/{answer['post_id']}").json()
    assert post["scheduled_time"] == when.replace("Z", ".000Z")
    sim_clock.advance(3600)
    entry = statuses(api, answer["post_id"])["tiktok"]
    assert (entry["normalized_status"], entry["status"]) == ("publishing", "scheduled")
    sim_clock.advance(3600 + PUBLISH_S)
    assert statuses(api, answer["post_id"])["tiktok"]["normalized_status"] == "published"


def test_the_timezone_offset_header_formats_platform_times(
    api: httpx.Client, sim_clock: ManualClock
) -> None:
    answer = created(
        api,
        body(["tiktok"], schedule_type="specific_time", scheduled_time="2026-12-20T15:00:00Z"),
    )
    post = api.get(f"/schedule/post/{answer['post_id']}", headers={"X-Timezone-Offset": "-7"})
    assert post.json()["platforms_status"][0]["scheduled_time"] == "2026-12-20 08:00:00 -07:00"


def test_next_available_takes_free_calendar_slots(api: httpx.Client) -> None:
    first = created(api, body(["tiktok"], schedule_type="next_available"))["post"]
    second = created(api, body(["tiktok"], schedule_type=None))["post"]  # the default
    assert second["schedule_type"] == "next_available"
    assert first["scheduled_time"] != second["scheduled_time"]
    for post in (first, second):
        assert post["scheduled_time"][11:19] in ("09:00:00", "13:00:00", "18:00:00")


def test_schedule_edit_then_cancel(api: httpx.Client, sim_clock: ManualClock) -> None:
    answer = created(
        api,
        body(
            ["tiktok"], schedule_type="specific_time", scheduled_time=in_future(sim_clock, hours=1)
        ),
    )
    path = f"/schedule/post/{answer['post_id']}"
    later = in_future(sim_clock, hours=3)
    edited = api.patch(path, json={"description": "New caption", "scheduled_time": later})
    assert edited.status_code == 200, edited.text
    assert edited.json()["description"] == "New caption"
    bad = api.patch(path, json={"platform": ["tiktok", "youtube"], "title": None})
    assert bad.status_code == 422  # YouTube would need a title
    sim_clock.advance(2 * 3600)  # past the old time: the edit moved it
    assert statuses(api, answer["post_id"])["tiktok"]["status"] == "scheduled"
    assert api.delete(path).status_code == 200
    assert api.get(path).status_code == 404
    assert (
        api.get(
            "/schedule/posts",
            params={**AGENT, "start_date": "2026-11-01", "end_date": "2026-12-30"},
        ).json()
        == []
    )


def test_edit_and_cancel_are_refused_once_sent(api: httpx.Client, sim_clock: ManualClock) -> None:
    answer = created(
        api,
        body(
            ["tiktok"],
            schedule_type="specific_time",
            scheduled_time=in_future(sim_clock, minutes=5),
        ),
    )
    path = f"/schedule/post/{answer['post_id']}"
    sim_clock.advance(5 * 60)
    refused = api.patch(path, json={"description": "too late"})
    assert refused.status_code == 422
    assert "already been sent" in refused.json()["detail"]["error"]
    assert api.delete(path).status_code == 422


def test_a_now_post_cannot_be_edited(api: httpx.Client) -> None:
    answer = created(api, body(["tiktok"]))
    refused = api.patch(f"/schedule/post/{answer['post_id']}", json={"description": "x"})
    assert (refused.status_code, refused.json()["detail"]["field"]) == (422, "schedule_type")


def test_the_list_window_is_at_most_60_days(api: httpx.Client, sim_clock: ManualClock) -> None:
    created(
        api,
        body(["tiktok"], schedule_type="specific_time", scheduled_time="2026-12-20T15:00:00Z"),
    )
    created(
        api,
        body(["tiktok"], schedule_type="specific_time", scheduled_time="2027-03-20T15:00:00Z"),
    )
    ok = api.get(
        "/schedule/posts", params={**AGENT, "start_date": "2026-12-01", "end_date": "2027-01-30"}
    )
    assert [p["scheduled_time"][:10] for p in ok.json()] == ["2026-12-20"]
    too_long = api.get(
        "/schedule/posts", params={**AGENT, "start_date": "2026-12-01", "end_date": "2027-01-31"}
    )
    assert too_long.status_code == 422
    assert too_long.json()["detail"]["field"] == "end_date"


def test_a_repeated_idempotency_key_replays_the_original(api: httpx.Client, sim: Simulator) -> None:
    first = create(api, body(["tiktok"]), key="post-abc")
    again = create(api, body(["tiktok"]), key="post-abc")
    assert again.status_code == 200
    assert again.json()["post_id"] == first.json()["post_id"]
    assert (first.json()["idempotent_replay"], again.json()["idempotent_replay"]) == (False, True)
    assert len(sim.schedule.posts) == 1
    assert create(api, body(["tiktok"]), key="k" * 129).status_code == 422


def test_without_strict_refused_platforms_are_skipped(api: httpx.Client) -> None:
    answer = created(api, body(["tiktok", "youtube"], title=None, strict=False))
    assert answer["platforms"] == ["tiktok"]
    assert answer["platforms_skipped"] == [
        {"platform": "youtube", "reason": "YouTube requires a title"}
    ]


def test_posting_to_an_unconnected_platform_is_refused(api: httpx.Client, sim: Simulator) -> None:
    sim.schedule.disconnect(4711, "linkedin")
    response = create(api, body(["tiktok", "linkedin"]))
    detail = response.json()["detail"]
    assert (response.status_code, detail["platform"], detail["field"]) == (
        422,
        "linkedin",
        "platform",
    )
    assert "No LinkedIn account" in detail["error"]


def test_an_uploaded_cover_is_served_by_the_cdn_and_usable(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    cover = b"\xff\xd8\xff\xe0 not really a jpeg \x00\xff"
    response = api.post(
        "/social/upload_asset",
        data=AGENT,
        files={"file": ("cover.jpg", cover, "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    asset = response.json()
    assert asset["asset_registered"] is True
    assert asset["url"] == asset["cdn_url"]
    served = httpx.get(asset["url"])
    assert (served.status_code, served.content) == (200, cover)
    assert served.headers["Content-Type"].startswith("image/jpeg")
    assert api.post("/social/upload_asset", data=AGENT).status_code == 422


def test_a_youtube_thumbnail_over_http_is_only_a_warning(
    api: httpx.Client, sim_clock: ManualClock
) -> None:
    answer = created(api, body(["youtube"], thumbnail_url="http://example.com/cover.jpg"))
    sim_clock.advance(ACCEPT_S + PUBLISH_S)
    entry = statuses(api, answer["post_id"])["youtube"]
    assert entry["normalized_status"] == "published"
    assert entry["warning"].startswith("thumbnail_failed:")


@pytest.mark.parametrize("shape", OFF_BODIES)
def test_a_legacy_only_server_has_no_schedule_routes(
    sim: Simulator, api: httpx.Client, anon: httpx.Client, shape: str
) -> None:
    sim.schedule.enabled = False
    sim.schedule.off_body = shape
    for client in (api, anon):
        assert client.get("/schedule/platforms").status_code == 404
        assert create(client, body(["tiktok"])).status_code == 404
    assert api.get("/me").status_code == 200
    assert sim.schedule.posts == {}


def test_fault_plans_apply_to_schedule_routes(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("POST", r"/schedule/with-post$", faults.status(503))
    assert create(api, body(["tiktok"])).status_code == 503
    assert sim.schedule.posts == {}
    assert create(api, body(["tiktok"])).status_code == 200


def test_a_post_made_elsewhere_is_listed_editable_and_leaves_no_request(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    at = sim_clock.wall() + timedelta(days=2)
    post_id = sim.schedule.add_post_elsewhere(["instagram", "x"], at, description="Web app post")
    assert len(sim.journal) == 0  # made in GEN's web app, not through the API
    day = at.date().isoformat()
    listed = api.get("/schedule/posts", params={**AGENT, "start_date": day, "end_date": day})
    (post,) = listed.json()
    assert (post["id"], post["description"], post["status"]) == (
        post_id,
        "Web app post",
        "scheduled",
    )
    assert [s["platform"] for s in post["platforms_status"]] == ["instagram", "x"]
    moved = api.patch(f"/schedule/post/{post_id}", json={"description": "Edited here"})
    assert moved.status_code == 200, moved.text
    assert api.delete(f"/schedule/post/{post_id}").status_code == 200


def test_the_demo_calendar_has_posts_out_and_scheduled(sim: Simulator, sim_clock: ManualClock):
    ids = sim.schedule.seed_demo_posts()
    now = sim_clock.now()
    sent = [i for i in ids if sim.schedule.posts[i].send_at <= now]
    assert len(sent) == 2
    assert len(ids) - len(sent) == 4
    assert sim.schedule.post_status(sent[0], "instagram") == "failed"  # a partial post
    assert sim.schedule.post_status(sent[1], "youtube") == "published"
