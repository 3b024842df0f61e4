"""PostTracker (schedule-API posts) inside the JobTracker, over the simulator's real sockets."""

from __future__ import annotations

import asyncio

import pytest
from jobs_harness import Harness

from genpro_desktop.core.api.schedule_types import SchedulePostRequest
from genpro_desktop.core.jobs.model import FailureKind, JobKind, JobState, LocalJob, PostPlatform
from genpro_desktop.core.jobs.scheduler import PollPace
from genpro_desktop.core.publishing.posts import PostService
from genpro_desktop.simulator import faults

CREATE = r"/schedule/with-post$"


def _post(harness: Harness, *platforms: str) -> LocalJob:
    request = SchedulePostRequest(
        platform=list(platforms),
        schedule_type="now",
        media_url=f"{harness.sim.cdn_base_url}/outputs/render_880001.mp4",
        description="Launch #gen",
        title="Launch",
        tiktok_privacy_level="PUBLIC_TO_EVERYONE",
    )
    service = PostService(harness.tracker.posts, harness.store, harness.clock)
    return service.build_job(
        request, agent_id="4711", media_identity=request.media_url or "", scheduled_utc=None
    )


async def test_a_post_is_tracked_until_every_platform_settles(harness: Harness):
    harness.sim.schedule.script_platform("x", error="Duplicate tweet", error_code="duplicate")
    job = await harness.tracker.posts.submit(_post(harness, "tiktok", "x"))
    assert job.kind is JobKind.POST
    assert job.remote_id is not None
    assert job.state in (JobState.PENDING, JobState.PROCESSING)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED  # partly published: never "failed" (it is posted)
    by = {p.platform: p for p in done.post_platforms}
    assert by["tiktok"].status == "published"
    assert by["tiktok"].post_url
    assert (by["x"].status, by["x"].error_code) == ("failed", "duplicate")
    stored = await harness.store.get_job(job.id)
    assert stored == done
    assert [e for e in harness.event_types(job.id) if e == "job_finished"] == ["job_finished"]
    # The failed platform's key no longer guards; the published one's does.
    keys = {p.platform: p.dedupe_key for p in done.post_platforms}
    assert await harness.store.find_publish_duplicates(keys["x"] or "") == []
    assert [j.id for j in await harness.store.find_publish_duplicates(keys["tiktok"] or "")] == [
        job.id
    ]


async def test_closing_while_the_create_post_is_held_leaves_outcome_unknown(harness: Harness):
    harness.sim.faults.add("POST", CREATE, faults.hold_after_apply("create"))
    submitted = asyncio.create_task(harness.tracker.posts.submit(_post(harness, "tiktok")))
    assert await harness.sim.faults.until_held("create")
    await harness.tracker.aclose()
    job = await submitted
    assert job.state is JobState.OUTCOME_UNKNOWN
    harness.sim.faults.release("create", drop=True)
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.state is JobState.OUTCOME_UNKNOWN
    await harness.restart()  # a new run never re-sends it
    assert (await harness.tracker.get(job.id)).state is JobState.OUTCOME_UNKNOWN
    assert sum(harness.posts_by_key(CREATE).values()) == 1
    # The user's retry replays the same key: GEN answers with the post it already made.
    retried = await harness.tracker.retry(job.id)
    assert retried.remote_id == str(next(iter(harness.sim.schedule.posts)))
    assert harness.posts_by_key(CREATE) == {job.idempotency_key: 2}
    assert len(harness.sim.schedule.posts) == 1


async def test_a_refused_post_fails_not_started_and_names_the_platform(harness: Harness):
    harness.sim.schedule.disconnect(4711, "facebook")
    job = await harness.tracker.posts.submit(_post(harness, "facebook"))
    assert job.state is JobState.FAILED
    assert job.http_status == 422
    assert job.error_code == "platform_validation_failed"
    assert "facebook: platform: No Facebook account" in (job.failed_reason or "")
    assert job.never_started_on_gen
    assert job.post_platforms == (
        PostPlatform("facebook", "pending", dedupe_key=job.post_platforms[0].dedupe_key),
    )


async def test_a_crash_while_sending_a_post_leaves_its_outcome_unknown(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(harness.client.schedule, "create", broken)
    job = await harness.tracker.posts.submit(_post(harness, "tiktok"))
    # The POST was under way when it broke: it may have left, so the outcome is unknown.
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert "internal error" in (job.attention_reason or "")
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.state is JobState.OUTCOME_UNKNOWN
    assert harness.tracker.live_jobs() == [stored]  # still shown, never silently dropped


async def test_a_crash_before_a_post_is_sent_fails_it_not_sent(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(SchedulePostRequest, "model_validate_json", broken)
    job = await harness.tracker.posts.submit(_post(harness, "tiktok"))
    # Nothing left: an honest "not sent" (retryable), never a post stuck in SUBMITTING.
    assert job.state is JobState.FAILED
    assert job.failure is FailureKind.NOT_SENT
    assert job.error_code == "internal_error"
    assert "internal error" in (job.failed_reason or "")
    assert harness.sim.journal.count("POST", CREATE) == 0
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.state is JobState.FAILED


async def test_status_reads_of_a_post_keep_to_the_poll_pace_and_its_create_does_not(
    harness: Harness, pace_waits: list[PollPace]
):
    # The pace (test_jobs_scheduler.py) spaces periodic status reads only: the POST that
    # publishes goes out at once, every GET of the post waits its turn.
    job = await harness.tracker.posts.submit(_post(harness, "tiktok"))
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    reads = harness.sim.journal.count("GET", r"/schedule/post/")
    assert reads >= 1
    assert harness.sim.journal.count("POST", CREATE) == 1
    assert len(pace_waits) == reads  # one wait per GET, none for the POST
