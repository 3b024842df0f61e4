"""PublishService end to end: real tracker and store, the simulator over real sockets."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs import JobState
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.publishing import (
    DuplicatePublishError,
    PublishRequest,
    PublishValidationError,
)
from genpro_desktop.core.services import AppServices, open_services
from genpro_desktop.core.store import InstanceLockedError
from genpro_desktop.simulator import DEMO_API_KEY, Simulator, faults

POSTS = r"/v1/user_jobs$"


def video(sim: Simulator) -> str:
    return f"{sim.cdn_base_url}/outputs/render_880001.mp4"


def request(sim: Simulator, **overrides: object) -> PublishRequest:
    fields: dict[str, object] = {
        "agent_id": "4711",
        "media_url": video(sim),
        "caption": "New drop #launch",
    }
    fields.update(overrides)
    return PublishRequest(**fields)  # type: ignore[arg-type]


async def test_ten_concurrent_publishes_make_one_post(
    services: AppServices, sim: Simulator
) -> None:
    """Row 22: ten clicks while the first POST is still on the wire -> one POST."""
    sim.faults.add("POST", POSTS, faults.hold("publish"))
    publisher = services.publisher
    clicks = asyncio.gather(*(publisher.publish(request(sim)) for _ in range(10)))
    assert await sim.faults.until_held("publish")
    sim.faults.release("publish")
    jobs = await clicks
    assert len({job.id for job in jobs}) == 1
    assert len({job.remote_id for job in jobs}) == 1
    assert sim.journal.count("POST", POSTS) == 1

    done = await services.tracker.wait(jobs[0].id)
    assert done.state is JobState.COMPLETED
    assert done.post_id
    assert sim.journal.count("POST", POSTS) == 1


async def test_row22_one_post_from_a_burst_and_none_from_a_second_instance(
    sim: Simulator, linked_clock: FakeClock, tmp_path: Path
) -> None:
    """Row 22 without a held POST: the burst races the real answer; then a second instance."""
    paths = AppPaths(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "log",
        downloads_dir=tmp_path / "downloads",
        config_dir=tmp_path / "config",
    )
    first = await open_services(
        paths, api_key=DEMO_API_KEY, base_url=sim.base_url, agent_id="4711", clock=linked_clock
    )
    try:
        jobs = await asyncio.gather(*(first.publisher.publish(request(sim)) for _ in range(10)))
        assert len({job.id for job in jobs}) == 1
        assert sim.journal.count("POST", POSTS) == 1
        # A second app on the same data folder is refused before it can send anything.
        with pytest.raises(InstanceLockedError, match="already tracking jobs"):
            await open_services(paths, api_key=DEMO_API_KEY, base_url=sim.base_url)
        # A late eleventh click in the first one meets the duplicate guard instead.
        with pytest.raises(DuplicatePublishError):
            await first.publisher.publish(request(sim))
        assert (await first.tracker.wait(jobs[0].id)).state is JobState.COMPLETED
        assert sim.journal.count("POST", POSTS) == 1
    finally:
        await first.aclose()


async def test_a_repeat_is_refused_until_confirmed(services: AppServices, sim: Simulator) -> None:
    first = await services.publisher.publish(request(sim))
    await services.tracker.wait(first.id)
    with pytest.raises(DuplicatePublishError, match="was published") as caught:
        await services.publisher.publish(request(sim, caption="new drop   #LAUNCH"))
    assert [job.id for job in caught.value.existing] == [first.id]
    assert sim.journal.count("POST", POSTS) == 1

    again = await services.publisher.publish(request(sim), allow_duplicate=True)
    assert again.id != first.id
    assert sim.journal.count("POST", POSTS) == 2


async def test_a_failed_publish_can_be_sent_again(services: AppServices, sim: Simulator) -> None:
    sim.state.script_publish("failed", failed_reason="TikTok session expired")
    failed = await services.publisher.publish(request(sim))
    assert (await services.tracker.wait(failed.id)).state is JobState.FAILED
    retry = await services.publisher.publish(request(sim))
    assert (await services.tracker.wait(retry.id)).state is JobState.COMPLETED
    assert sim.journal.count("POST", POSTS) == 2


@pytest.mark.parametrize(("month", "offset"), [(12, 60), (7, 120)])
async def test_scheduled_posts_send_utc_and_the_dst_aware_offset(
    services: AppServices, sim: Simulator, month: int, offset: int
) -> None:
    year = 2026 if month == 12 else 2027
    local = datetime(year, month, 24, 9, 0)
    job = await services.publisher.publish(
        request(sim, scheduled_local=local, schedule_tz="Europe/Berlin")
    )
    assert job.remote_id is not None
    data = sim.state.publish_data(job.remote_id)
    utc_hour = 9 - offset // 60
    assert data["schedule_type"] == "scheduled"
    assert data["scheduled_time"] == f"{year}-{month:02d}-24T{utc_hour:02d}:00:00Z"
    assert data["timezone_offset"] == offset
    stored = await services.store.get_job(job.id)
    assert stored is not None
    assert stored.schedule_tz == "Europe/Berlin"
    assert stored.scheduled_utc == local.replace(tzinfo=ZoneInfo("Europe/Berlin"))


async def test_invalid_requests_never_reach_gen(services: AppServices, sim: Simulator) -> None:
    with pytest.raises(PublishValidationError, match="too long"):
        await services.publisher.publish(request(sim, caption="x" * 2201))
    assert sim.journal.count("POST", POSTS) == 0
    assert await services.store.list_jobs() == []
