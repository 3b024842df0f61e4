"""client.schedule against the simulator over real sockets (gen-api.md 11.1)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from api_helpers import MakeClient, header

from genpro_desktop.core.api import (
    GenClient,
    NormalizedStatus,
    NotFoundError,
    OutcomeUnknownError,
    PlatformValidationError,
    PostUpdate,
    SchedulePostRequest,
    ScheduleUnavailableError,
    UnprocessableError,
)
from genpro_desktop.core.api.resources.schedule import list_windows
from genpro_desktop.simulator import ManualClock, Simulator, faults
from genpro_desktop.simulator.schedule import ACCEPT_S, OFF_BODIES, PUBLISH_S

MEDIA = "https://cdn.gen.pro/outputs/render_1.mp4"
CREATE = r"/schedule/with-post$"


def request(*platforms: str, **changes: object) -> SchedulePostRequest:
    fields: dict[str, object] = {
        "platform": list(platforms),
        "schedule_type": "now",
        "media_url": MEDIA,
        "description": "Launch day #demo",
        "title": "Launch clip",
        "tiktok_privacy_level": "PUBLIC_TO_EVERYONE",
        "tiktok_disable_comment": True,
        "tiktok_disable_duet": True,
        "tiktok_disable_stitch": True,
    }
    fields.update(changes)
    return SchedulePostRequest.model_validate(fields)


def later(sim: Simulator, hours: float) -> str:
    return (sim.clock.wall() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_a_post_to_three_platforms_is_created_strict_and_tracked_to_published(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    created = await client.schedule.create(
        request("tiktok", "youtube", "x", description="Short #demo"), idempotency_key="intent-1"
    )
    assert created.platforms == ["tiktok", "youtube", "x"]
    assert created.idempotent_replay is False
    assert {p.normalized_status for p in created.platforms_status} == {NormalizedStatus.ACCEPTED}
    sent = sim.journal.find("POST", CREATE)[0]
    assert header(sent, "Idempotency-Key") == "intent-1"
    assert json.loads(sent.body)["strict"] is True
    assert json.loads(sent.body)["agent_id"] == "4711"
    sim_clock.advance(ACCEPT_S + PUBLISH_S + 2)
    post = await client.schedule.get(created.post_id)
    assert post.is_settled
    urls = {p.platform: p.post_url for p in post.platforms_status}
    assert urls["tiktok"] is not None
    assert urls["tiktok"].startswith("https://www.tiktok.com/@")
    assert urls["youtube"] is not None
    assert "youtube.com/watch?v=" in urls["youtube"]
    assert urls["x"] is not None
    assert urls["x"].startswith("https://x.com/")
    youtube = post.platform("youtube")
    assert youtube is not None
    assert youtube.status == "success"
    assert youtube.published_at is not None
    assert youtube.platform_post_id


async def test_a_platform_refusal_maps_to_platform_validation_error(
    client: GenClient, sim: Simulator
) -> None:
    with pytest.raises(PlatformValidationError) as caught:
        await client.schedule.create(request("tiktok", "youtube", title=None))
    error = caught.value
    assert (error.status_code, error.error_code) == (422, "platform_validation_failed")
    assert (error.platform, error.field) == ("youtube", "title")
    assert [(p.platform, p.field) for p in error.problems] == [("youtube", "title")]
    assert "YouTube requires a title" in str(error)
    assert sim.journal.count("POST", CREATE) == 1


async def test_partial_failure_is_reported_per_platform(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.schedule.script_platform(
        "tiktok", "failed", error_code="media_fetch_failed", failed_step="download"
    )
    created = await client.schedule.create(request("tiktok", "facebook"))
    sim_clock.advance(ACCEPT_S + PUBLISH_S + 1)
    post = await client.schedule.get(created.post_id)
    tiktok, facebook = post.platform("tiktok"), post.platform("facebook")
    assert tiktok is not None
    assert facebook is not None
    assert tiktok.normalized_status is NormalizedStatus.FAILED
    assert (tiktok.error_code, tiktok.failed_step) == ("media_fetch_failed", "download")
    assert facebook.normalized_status is NormalizedStatus.PUBLISHED
    assert post.status == "partial_success"  # the raw status is kept as sent


async def test_schedule_then_edit_then_cancel(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    created = await client.schedule.create(
        request("tiktok", schedule_type="specific_time", scheduled_time=later(sim, 1))
    )
    edited = await client.schedule.edit(
        created.post_id, PostUpdate(description="Better caption", scheduled_time=later(sim, 2))
    )
    assert edited.description == "Better caption"
    sent = json.loads(sim.journal.find("PATCH", r"/schedule/post/")[0].body)
    assert sent == {"scheduled_time": later(sim, 2), "description": "Better caption"}
    await client.schedule.cancel(created.post_id)
    with pytest.raises(NotFoundError) as caught:
        await client.schedule.get(created.post_id)
    assert not isinstance(caught.value, ScheduleUnavailableError)


async def test_an_edit_after_sending_is_refused_and_not_resent(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    created = await client.schedule.create(
        request("tiktok", schedule_type="specific_time", scheduled_time=later(sim, 0.1))
    )
    sim_clock.advance(600)
    with pytest.raises(UnprocessableError) as caught:
        await client.schedule.edit(created.post_id, PostUpdate(description="too late"))
    assert "already been sent" in str(caught.value)
    assert sim.journal.count("PATCH", r"/schedule/post/") == 1


async def test_the_same_idempotency_key_replays_the_original_post(
    client: GenClient, sim: Simulator
) -> None:
    first = await client.schedule.create(request("tiktok"), idempotency_key="intent-7")
    again = await client.schedule.create(request("tiktok"), idempotency_key="intent-7")
    assert again.post_id == first.post_id
    assert again.idempotent_replay is True
    assert len(sim.schedule.posts) == 1


async def test_a_create_that_may_have_arrived_is_never_resent(
    client: GenClient, sim: Simulator
) -> None:
    sim.faults.add("POST", CREATE, faults.status(503))
    with pytest.raises(OutcomeUnknownError) as caught:
        await client.schedule.create(request("tiktok"))
    assert sim.journal.count("POST", CREATE) == 1
    key = caught.value.idempotency_key
    assert key is not None
    assert key == header(sim.journal.find("POST", CREATE)[0], "Idempotency-Key")


async def test_reads_are_retried(client: GenClient, sim: Simulator) -> None:
    created = await client.schedule.create(request("tiktok"))
    sim.faults.add("GET", r"/schedule/post/", faults.status(503))
    post = await client.schedule.get(created.post_id)
    assert post.id == created.post_id
    assert sim.journal.count("GET", r"/schedule/post/") == 2


async def test_a_cover_is_uploaded_and_used_as_the_thumbnail(
    client: GenClient, sim: Simulator, tmp_path: Path
) -> None:
    cover = tmp_path / "cover.jpg"
    cover.write_bytes(b"\xff\xd8\xff\xe0cover-bytes\xff\xd9")
    asset = await client.schedule.upload_asset(cover)
    assert asset.public_url is not None
    assert asset.public_url.startswith(sim.cdn_base_url)
    stored = sim.schedule.assets[asset.public_url.rsplit("/", 1)[1]]
    assert stored == (cover.read_bytes(), "image/jpeg")
    created = await client.schedule.create(request("youtube", thumbnail_url=asset.public_url))
    assert created.post is not None
    assert created.post.thumbnail_url == asset.public_url


async def test_platform_rules_are_read_without_a_key_and_cached(
    client: GenClient, sim: Simulator
) -> None:
    rules = await client.schedule.platforms()
    youtube = rules.get("youtube")
    assert youtube is not None
    assert youtube.title_required is True
    assert youtube.title_limit == 100
    await client.schedule.platforms()
    assert sim.journal.count("GET", r"/schedule/platforms$") == 1
    assert await client.schedule.available() is True


@pytest.mark.parametrize("shape", OFF_BODIES)
async def test_a_server_without_the_schedule_api_is_detected(
    client: GenClient, sim: Simulator, shape: str
) -> None:
    sim.schedule.enabled = False
    sim.schedule.off_body = shape
    with pytest.raises(ScheduleUnavailableError):
        await client.schedule.create(request("tiktok"))
    assert sim.journal.count("POST", CREATE) == 1  # not resent: nothing was applied
    with pytest.raises(ScheduleUnavailableError):
        await client.schedule.get("48213")
    with pytest.raises(ScheduleUnavailableError):
        await client.schedule.list(date(2026, 12, 1), date(2026, 12, 5))
    assert await client.schedule.available() is False


async def test_an_unknown_post_on_a_schedule_server_is_a_plain_not_found(
    client: GenClient,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.schedule.get("1")
    assert not isinstance(caught.value, ScheduleUnavailableError)


async def test_list_stitches_windows_of_at_most_60_days(client: GenClient, sim: Simulator) -> None:
    times = ["2026-12-20T15:00:00Z", "2027-02-10T15:00:00Z", "2027-04-01T09:00:00Z"]
    ids = [
        (
            await client.schedule.create(
                request("tiktok", schedule_type="specific_time", scheduled_time=t)
            )
        ).post_id
        for t in times
    ]
    posts = await client.schedule.list(date(2026, 12, 1), date(2027, 4, 30))
    assert [p.id for p in posts] == ids
    windows = sim.journal.find("GET", r"/schedule/posts$")
    assert len(windows) == 3
    for entry in windows:
        start = date.fromisoformat(entry.query["start_date"])
        end = date.fromisoformat(entry.query["end_date"])
        assert 0 <= (end - start).days < 60
    assert windows[0].query["start_date"] == "2026-12-01"
    assert windows[-1].query["end_date"] == "2027-04-30"


def test_list_windows_cover_the_range_without_gaps() -> None:
    windows = list_windows(date(2026, 1, 1), date(2026, 12, 31))
    assert windows[0][0] == date(2026, 1, 1)
    assert windows[-1][1] == date(2026, 12, 31)
    for (_, end), (start, _) in itertools.pairwise(windows):
        assert start == end + timedelta(days=1)
    assert all((end - start).days == 59 for start, end in windows[:-1])
    assert list_windows(date(2026, 1, 1), date(2026, 1, 1)) == [(date(2026, 1, 1),) * 2]


async def test_the_schedule_api_can_live_on_another_host(
    make_client: MakeClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    with Simulator(clock=sim_clock) as legacy:
        legacy.schedule.enabled = False
        client = make_client(legacy.base_url, publish_base_url=sim.base_url)
        assert client.schedule.base_url == sim.base_url
        created = await client.schedule.create(request("tiktok"))
        assert created.post_id
        assert sim.journal.count("POST", CREATE) == 1
        assert legacy.journal.count("POST", CREATE) == 0
        await client.aclose()
