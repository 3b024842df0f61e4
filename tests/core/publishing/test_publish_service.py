"""PublishService with an in-test tracker and history: validation, duplicates, single-flight."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.publishing import (
    DuplicatePublishError,
    PublishRequest,
    PublishService,
    PublishValidationError,
    ScheduleError,
    dedupe_key,
    resolve_schedule,
)

URL = "https://cdn.gen.pro/outputs/render_880001.mp4"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # FakeClock's wall start
BERLIN = "Europe/Berlin"


class FakeTracker:
    """Records every publish_intent; can hold them until `gate` is set."""

    def __init__(self) -> None:
        self.calls: list[LocalJob] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail_with: BaseException | None = None

    async def publish_intent(self, job: LocalJob) -> LocalJob:
        self.calls.append(replace(job))
        await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return replace(job, state=JobState.PENDING, remote_id=str(9000 + len(self.calls)))


class FakeHistory:
    """The publishes "in the store", by dedupe key."""

    def __init__(self) -> None:
        self.jobs: list[LocalJob] = []
        self.lookups = 0

    async def find_publish_duplicates(self, dedupe_key: str) -> list[LocalJob]:
        self.lookups += 1
        await asyncio.sleep(0)  # a real store answers from its writer thread
        return [job for job in self.jobs if job.dedupe_key == dedupe_key]


@pytest.fixture
def tracker() -> FakeTracker:
    return FakeTracker()


@pytest.fixture
def history() -> FakeHistory:
    return FakeHistory()


@pytest.fixture
def service(tracker: FakeTracker, history: FakeHistory) -> PublishService:
    return PublishService(tracker, history, FakeClock())


def request(**overrides: object) -> PublishRequest:
    fields: dict[str, object] = {"agent_id": "4711", "media_url": URL, "caption": "New drop"}
    fields.update(overrides)
    return PublishRequest(**fields)  # type: ignore[arg-type]


# -- building the job -------------------------------------------------------------------------


async def test_publish_now_builds_and_hands_over_one_job(
    service: PublishService, tracker: FakeTracker
) -> None:
    job = await service.publish(request(title="ignored by TikTok", source_job_id="r1"))
    assert job.state is JobState.PENDING
    (sent,) = tracker.calls
    assert sent.kind is JobKind.PUBLISH
    assert sent.state is JobState.SUBMITTING
    assert sent.idempotency_key
    assert (sent.agent_id, sent.platform, sent.media_url) == ("4711", "tiktok", URL)
    assert (sent.caption, sent.post_title, sent.parent_id) == (
        "New drop",
        "ignored by TikTok",
        "r1",
    )
    assert sent.scheduled_utc is None
    assert sent.title == "TikTok post · New drop"
    assert sent.created_at == sent.updated_at == NOW
    assert sent.dedupe_key == dedupe_key("4711", "tiktok", URL, "New drop", None)


async def test_a_schedule_is_stored_in_utc_with_its_zone(
    service: PublishService, tracker: FakeTracker
) -> None:
    local = datetime(2027, 7, 1, 9, 30, tzinfo=ZoneInfo(BERLIN))  # CEST, UTC+2
    await service.publish(request(scheduled_local=local, schedule_tz=BERLIN))
    (sent,) = tracker.calls
    assert sent.scheduled_utc == datetime(2027, 7, 1, 7, 30, tzinfo=UTC)
    assert sent.schedule_tz == BERLIN


async def test_a_naive_schedule_is_read_in_its_zone(
    service: PublishService, tracker: FakeTracker
) -> None:
    await service.publish(
        request(scheduled_local=datetime(2027, 1, 15, 18, 0), schedule_tz="America/New_York")
    )
    assert tracker.calls[0].scheduled_utc == datetime(2027, 1, 15, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "zone", "utc", "offset"),
    [
        (datetime(2026, 12, 24, 9, 0), BERLIN, datetime(2026, 12, 24, 8, 0, tzinfo=UTC), 60),
        (datetime(2027, 6, 24, 9, 0), BERLIN, datetime(2027, 6, 24, 7, 0, tzinfo=UTC), 120),
        # The day the clocks go forward: after the change the offset is already summer time.
        (datetime(2027, 3, 28, 9, 0), BERLIN, datetime(2027, 3, 28, 7, 0, tzinfo=UTC), 120),
        (datetime(2027, 3, 28, 1, 30), BERLIN, datetime(2027, 3, 28, 0, 30, tzinfo=UTC), 60),
        (
            datetime(2027, 1, 5, 9, 0),
            "America/New_York",
            datetime(2027, 1, 5, 14, 0, tzinfo=UTC),
            -300,
        ),
        (
            datetime(2027, 7, 5, 9, 0),
            "America/New_York",
            datetime(2027, 7, 5, 13, 0, tzinfo=UTC),
            -240,
        ),
        (datetime(2027, 1, 5, 9, 0), "Asia/Kolkata", datetime(2027, 1, 5, 3, 30, tzinfo=UTC), 330),
    ],
)
def test_the_offset_is_computed_for_the_instant(
    local: datetime, zone: str, utc: datetime, offset: int
) -> None:
    resolved = resolve_schedule(local, zone, NOW)
    assert resolved is not None
    assert (resolved.utc, resolved.zone, resolved.offset_minutes) == (utc, zone, offset)
    assert resolved.local().replace(tzinfo=None) == local


def test_fixed_offsets_get_an_etc_zone() -> None:
    aware = datetime(2027, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    resolved = resolve_schedule(aware, None, NOW)
    assert resolved is not None
    assert (resolved.zone, resolved.offset_minutes) == ("Etc/GMT-2", 120)
    assert resolved.local().hour == 9
    utc = resolve_schedule(datetime(2027, 1, 5, 9, 0, tzinfo=UTC), None, NOW)
    assert utc is not None
    assert (utc.zone, utc.offset_minutes) == ("UTC", 0)
    odd = resolve_schedule(aware.replace(tzinfo=timezone(timedelta(minutes=345))), None, NOW)
    assert odd is not None
    assert (odd.zone, odd.offset_minutes) == (None, 345)


def test_now_has_no_schedule() -> None:
    assert resolve_schedule(None, BERLIN, NOW) is None


@pytest.mark.parametrize(
    ("local", "words"),
    [
        (datetime(2027, 3, 28, 2, 30), "does not exist"),  # the clocks skip 02:00-03:00
        (datetime(2027, 10, 31, 2, 30), "happens twice"),  # and repeat 02:00-03:00
        (datetime(2027, 3, 28, 2, 30, tzinfo=ZoneInfo(BERLIN)), "does not exist"),
    ],
)
def test_dst_gaps_and_overlaps_are_refused(local: datetime, words: str) -> None:
    with pytest.raises(ScheduleError, match=words):
        resolve_schedule(local, BERLIN, NOW)


# -- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"caption": "   "}, "description"),
        ({"caption": "😀" * 1101}, "description"),
        ({"media_url": "ftp://cdn.gen.pro/v.mp4"}, "media_url"),
        ({"scheduled_local": NOW - timedelta(hours=1)}, "scheduled_time"),
        ({"scheduled_local": NOW + timedelta(seconds=20)}, "scheduled_time"),
        ({"scheduled_local": datetime(2027, 1, 1, 9, 0)}, "scheduled_time"),  # naive, no zone
        (
            {"scheduled_local": datetime(2027, 1, 1, 9), "schedule_tz": "Mars/Base"},
            "scheduled_time",
        ),
        ({"platform": "instagram"}, "platform"),
        ({"agent_id": " "}, "agent_id"),
    ],
)
async def test_invalid_requests_send_nothing(
    service: PublishService,
    tracker: FakeTracker,
    history: FakeHistory,
    overrides: dict[str, object],
    field: str,
) -> None:
    with pytest.raises(PublishValidationError, match="Not published, nothing was sent") as caught:
        await service.publish(request(**overrides))
    assert [issue.field for issue in caught.value.report.errors] == [field]
    assert tracker.calls == []
    assert history.lookups == 0


async def test_warnings_do_not_block(service: PublishService, tracker: FakeTracker) -> None:
    await service.publish(request(media_url="http://127.0.0.1:8080/cdn/v.mp4", title="t"))
    assert len(tracker.calls) == 1


# -- duplicates -------------------------------------------------------------------------------


async def test_a_duplicate_is_refused_unless_confirmed(
    service: PublishService, tracker: FakeTracker, history: FakeHistory
) -> None:
    first = await service.publish(request(caption="New drop #launch"))
    history.jobs.append(
        replace(first, state=JobState.COMPLETED, post_id="7459234100001", created_at=NOW)
    )
    again = request(caption="  new DROP   #Launch ")
    with pytest.raises(DuplicatePublishError) as caught:
        await service.publish(again)
    message = str(caught.value)
    assert "was published on 2026-11-27 12:00 UTC" in message
    assert "post 7459234100001" in message
    assert "--allow-duplicate" in message
    assert caught.value.existing[0].id == first.id
    assert len(tracker.calls) == 1
    assert await service.duplicates(again) == caught.value.existing

    second = await service.publish(again, allow_duplicate=True)
    assert len(tracker.calls) == 2
    assert second.id != first.id


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (JobState.PENDING, "is still being published"),
        (JobState.OUTCOME_UNKNOWN, "whether GEN accepted it is unknown"),
        (JobState.NEEDS_ATTENTION, "needs attention"),
    ],
)
async def test_the_refusal_says_what_happened(
    service: PublishService, history: FakeHistory, state: JobState, words: str
) -> None:
    when = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
    job = service.build_job(request(scheduled_local=when))
    history.jobs += [replace(job, state=state), replace(job, id="x" * 32, created_at=NOW)]
    with pytest.raises(DuplicatePublishError, match=words) as caught:
        await service.publish(request(scheduled_local=when))
    assert "for 2027-02-01 10:00 UTC" in str(caught.value)
    assert "(and 1 more)" in str(caught.value)


async def test_another_schedule_is_not_a_duplicate(
    service: PublishService, tracker: FakeTracker, history: FakeHistory
) -> None:
    job = await service.publish(request())
    history.jobs.append(job)
    await service.publish(request(scheduled_local=datetime(2027, 2, 1, 10, 0, tzinfo=UTC)))
    assert len(tracker.calls) == 2


# -- single flight ----------------------------------------------------------------------------


@pytest.mark.parametrize("allow_duplicate", [False, True])
async def test_ten_concurrent_publishes_make_one_submission(
    service: PublishService, tracker: FakeTracker, allow_duplicate: bool
) -> None:
    tracker.gate.clear()
    calls = [service.publish(request(), allow_duplicate=allow_duplicate) for _ in range(10)]
    gathered = asyncio.gather(*calls)
    for _ in range(5):
        await asyncio.sleep(0)
    tracker.gate.set()
    jobs = await gathered
    assert len(tracker.calls) == 1
    assert {job.id for job in jobs} == {tracker.calls[0].id}
    assert len({id(job) for job in jobs}) == 10  # each caller gets its own copy


async def test_concurrent_publishes_of_different_posts_do_not_merge(
    service: PublishService, tracker: FakeTracker
) -> None:
    await asyncio.gather(service.publish(request()), service.publish(request(caption="Other")))
    assert len(tracker.calls) == 2


async def test_a_failed_submission_fails_every_waiting_caller(
    service: PublishService, tracker: FakeTracker
) -> None:
    tracker.gate.clear()
    tracker.fail_with = RuntimeError("disk on fire")
    pending = [asyncio.ensure_future(service.publish(request())) for _ in range(3)]
    await asyncio.sleep(0)
    tracker.gate.set()
    results = await asyncio.gather(*pending, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert len(tracker.calls) == 1
    tracker.fail_with = None
    await service.publish(request())  # nothing stays in flight
    assert len(tracker.calls) == 2


async def test_cancelling_the_first_caller_cancels_the_followers(
    service: PublishService, tracker: FakeTracker
) -> None:
    tracker.gate.clear()
    leader = asyncio.ensure_future(service.publish(request()))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(service.publish(request()))
    await asyncio.sleep(0)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await follower
    assert leader.cancelled()
    tracker.gate.set()
    await service.publish(request())
    assert len(tracker.calls) == 2
