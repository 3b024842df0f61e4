"""The tracker's happy paths and user actions, over real sockets against the simulator."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jobs_harness import Harness

from genpro_desktop.core.jobs import (
    JobActionError,
    JobKind,
    JobState,
    LocalJob,
    TrackerClosedError,
    UnknownJobError,
    WaitTimeout,
)
from genpro_desktop.core.jobs.scheduler import PollPace
from genpro_desktop.simulator import RENDER_COST, faults


async def test_submit_render_records_the_intent_then_polls_on_cadence_to_completion(
    harness: Harness,
):
    job = await harness.submit(0, title="Demo · row 1")
    assert job.state is JobState.PENDING
    assert job.remote_id is not None
    assert job.idempotency_key is not None
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.output_url
    assert done.output_url.endswith(".mp4")
    assert done.execution_cost == RENDER_COST
    assert done.finished_at is not None
    # No history yet: the first read when GEN's published render times say one may be done
    # (15 s, drawn from 13.5-15 s), then every 4-5 s; this 8 s render is done by then.
    assert 13.5 <= harness.clock.sleeps[0] <= 15.0
    history = [c.state for c in await harness.store.state_history(job.id)]
    assert history[0] is JobState.SUBMITTING
    assert history[-1] is JobState.COMPLETED
    assert JobState.PENDING in history
    # The intent carried the key the POST used; exactly one POST.
    assert harness.posts_by_key(r"/render$") == {job.idempotency_key: 1}
    assert harness.event_types(job.id)[0] == "job_added"
    assert harness.event_types(job.id)[-1] == "job_finished"


async def test_failed_render_is_terminal_with_geNs_reason(harness: Harness):
    harness.sim.state.script_render("failed", failed_reason="The avatar could not be generated")
    job = await harness.submit(1)
    done = await harness.settle(job.id)
    assert done.state is JobState.FAILED
    assert done.failed_reason == "The avatar could not be generated"
    assert not done.can_retry()  # GEN ran it; a retry would be a new, charged render


async def test_stop_asks_gen_and_confirms_by_re_reading(harness: Harness):
    harness.sim.state.script_render(pending_s=2, done_s=500)
    job = await harness.submit(0)
    stopped = await harness.tracker.stop(job.id)
    assert stopped.state is JobState.STOPPED
    assert harness.sim.journal.count("POST", r"/stop$") == 1
    assert (await harness.tracker.get(job.id)).state is JobState.STOPPED
    with pytest.raises(JobActionError, match="cannot be stopped"):
        await harness.tracker.stop(job.id)


async def test_stop_of_an_already_finished_generation_applies_the_real_status(harness: Harness):
    job = await harness.submit(0)
    assert job.remote_id is not None
    harness.clock.sim_clock.advance(60)  # finished on GEN before the tracker noticed
    stopped = await harness.tracker.stop(job.id)
    assert stopped.state is JobState.COMPLETED
    assert stopped.output_url is not None


async def test_adopt_generation_tracks_an_existing_one_and_is_idempotent(harness: Harness):
    started = await harness.client.renders.create(*harness.final_cells()[2])
    adopted = await harness.tracker.adopt_generation(started.generation_id)
    again = await harness.tracker.adopt_generation(started.generation_id)
    assert again.id == adopted.id
    done = await harness.settle(adopted.id)
    assert done.state is JobState.COMPLETED
    assert (await harness.tracker.adopt_generation(started.generation_id)).id == adopted.id


async def test_deadline_parks_the_job_and_keep_waiting_resumes_it(harness: Harness):
    harness.sim.state.script_render(pending_s=2, done_s=5000)
    job = await harness.submit(0)
    parked = await harness.settle(job.id, limit=60)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "much longer than usual" in parked.attention_reason
    assert harness.clock.now() >= 3600
    resumed = await harness.tracker.keep_waiting(job.id)
    assert resumed.state is JobState.PROCESSING
    done = await harness.settle(job.id, limit=60)
    assert done.state is JobState.COMPLETED


async def test_dismiss_only_parked_jobs(harness: Harness):
    not_found = harness.sim.faults.status(404, body={"error": "gone", "error_code": "not_found"})
    harness.sim.faults.add("GET", r"/generations/", not_found)
    job = await harness.submit(0)
    parked = await harness.settle(job.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.can_dismiss()
    dismissed = await harness.tracker.dismiss(job.id)
    assert dismissed.state is JobState.DISMISSED
    with pytest.raises(JobActionError):
        await harness.tracker.dismiss(job.id)


async def test_wait_times_out_on_the_tracker_clock_and_unknown_ids_are_reported(
    harness: Harness,
):
    harness.sim.state.script_render(pending_s=2, done_s=5000)
    job = await harness.submit(0)
    with pytest.raises(WaitTimeout):
        await harness.tracker.wait(job.id, timeout=1)
    with pytest.raises(UnknownJobError):
        await harness.tracker.wait("nope")


async def test_typical_duration_elapsed_and_overdue(harness: Harness):
    for index in range(3):
        job = await harness.submit(index)
        assert (await harness.settle(job.id)).state is JobState.COMPLETED
    typical = await harness.tracker.typical_duration(JobKind.RENDER)
    assert typical is not None
    assert typical > 0
    harness.sim.state.script_render(pending_s=2, done_s=5000)
    slow = await harness.submit(3)
    assert not harness.tracker.is_overdue(slow)
    harness.clock.advance(typical * 2)
    assert harness.tracker.elapsed(slow) >= typical * 2
    assert harness.tracker.is_overdue(slow)


async def test_events_carry_copies_and_a_failing_subscriber_does_not_stop_others(
    harness: Harness,
):
    def broken(_event: object) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = harness.hub.subscribe(broken)
    seen: list[JobState] = []
    harness.hub.subscribe(lambda e: seen.append(e.job.state) if e.job else None)
    job = await harness.submit(0)
    await harness.settle(job.id)
    unsubscribe()
    assert seen[-1] is JobState.COMPLETED
    event = harness.events[-1]
    assert event.job is not None
    event.job.state = JobState.FAILED  # mutating an event's copy changes nothing
    assert (await harness.tracker.get(job.id)).state is JobState.COMPLETED


async def test_retry_and_download_refuse_jobs_in_the_wrong_state(harness: Harness):
    harness.sim.state.script_render(pending_s=2, done_s=5000)
    job = await harness.submit(0)
    with pytest.raises(JobActionError, match="can be retried"):
        await harness.tracker.retry(job.id)
    with pytest.raises(JobActionError, match="can be downloaded"):
        await harness.tracker.download(job.id)


async def test_credits_are_charged_once_per_render(harness: Harness):
    before = harness.sim.state.balance()
    job = await harness.submit(0)
    await harness.settle(job.id)
    assert harness.sim.state.balance() == before - RENDER_COST


async def test_scheduler_rng_makes_runs_repeatable(sim, store, linked_clock, tmp_path: Path):
    built = Harness(sim, store, linked_clock, tmp_path / "dl", rng=random.Random(11))
    await built.start()
    try:
        job = await built.submit(0)
        await built.settle(job.id)
        first = list(built.clock.sleeps[:3])
    finally:
        await built.aclose()
    expected = random.Random(11)
    assert first[0] == pytest.approx(expected.uniform(13.5, 15.0))


async def test_publish_intent_posts_once_with_a_dst_aware_offset_and_completes(
    harness: Harness,
):
    scheduled = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    mine = harness.publish_job(scheduled_utc=scheduled, schedule_tz="Europe/Berlin")
    started = await harness.tracker.publish_intent(mine)
    assert started.state is JobState.PENDING
    assert started.remote_id is not None
    assert mine.state is JobState.SUBMITTING  # the caller's object is not the tracker's
    data = harness.sim.state.publish_data(started.remote_id)
    assert data["timezone_offset"] == 60  # CET in November
    assert data["schedule_type"] == "scheduled"
    done = await harness.settle(started.id)
    assert done.state is JobState.COMPLETED
    assert done.post_id
    first_poll = harness.clock.sleeps[0]
    assert 4.0 <= first_poll <= 6.0  # publishes start around 5 s
    assert harness.posts_by_key(r"/user_jobs$") == {started.idempotency_key: 1}


async def test_a_cancelled_caller_does_not_cancel_the_submission(harness: Harness):
    harness.sim.faults.add("POST", r"/render$", faults.hold("render"))
    caller = asyncio.create_task(harness.submit(0))
    assert await harness.sim.faults.until_held("render")
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    harness.sim.faults.release("render")
    [job] = harness.tracker.live_jobs()
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert harness.sim.journal.count("POST", r"/render$") == 1


async def test_a_closed_tracker_refuses_new_work(harness: Harness):
    await harness.tracker.aclose()
    with pytest.raises(TrackerClosedError):
        await harness.submit(0)


async def test_start_parks_jobs_it_cannot_resume_instead_of_losing_them(harness: Harness):
    orphan = harness.seed_job(state=JobState.PROCESSING)  # no GEN id
    await harness.store.save_job(orphan)
    await harness.restart()
    parked = await harness.tracker.get(orphan.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.can_dismiss()


async def test_an_id_that_cannot_name_a_cell_is_refused_before_any_intent(harness: Harness):
    from genpro_desktop.core.jobs import JobActionError

    for engine, cell in (("9101", ""), ("", "41017"), ("9101", "4\udcff"), ("9101", "4\n1")):
        with pytest.raises(JobActionError, match="nothing was sent"):
            await harness.tracker.submit_render(engine, cell)
    assert await harness.store.list_jobs() == []
    assert harness.sim.journal.count("POST", r"/render$") == 0


async def test_a_crash_while_submitting_never_leaves_the_job_submitting(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(harness.client.renders, "create", broken)
    job = await harness.tracker.submit_render("9101", "41017")
    # The POST was under way when it broke: it may have left, so the outcome is unknown.
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert "internal error" in (job.attention_reason or "")
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.state is JobState.OUTCOME_UNKNOWN


async def test_a_poll_that_reads_the_same_status_writes_and_announces_nothing(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    # 500 pending renders are polled hundreds of times a second on the GUI thread: a read that
    # changes nothing must cost no store write, no event and so no repaint.
    harness.sim.state.script_render(pending_s=1000, done_s=2000)
    job = await harness.submit(0)
    assert job.state is JobState.PENDING
    saved: list[JobState] = []
    save_job = harness.store.save_job

    async def counted(snapshot: LocalJob) -> None:
        saved.append(snapshot.state)
        await save_job(snapshot)

    monkeypatch.setattr(harness.store, "save_job", counted)
    events_before = len(harness.event_types(job.id))
    reads_before = harness.sim.journal.count("GET", r"/generations/")
    await harness.clock.until(900)
    assert harness.sim.journal.count("GET", r"/generations/") - reads_before >= 5
    assert saved == []
    assert len(harness.event_types(job.id)) == events_before
    await harness.clock.until(1100)  # GEN now says processing: one write, one event
    assert saved == [JobState.PROCESSING]
    assert harness.event_types(job.id)[events_before:] == ["job_updated"]


async def test_every_status_read_of_a_render_keeps_to_the_poll_pace_and_check_now_does_not(
    harness: Harness, pace_waits: list[PollPace]
):
    # The pace itself is pinned in test_jobs_scheduler.py; here: the poller's reads go through
    # it (one pace wait per read), and a user's "check now" does not wait for it.
    harness.sim.state.script_render(pending_s=30, done_s=60)
    job = await harness.submit(0)
    reads_before = harness.sim.journal.count("GET", r"/generations/")
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    reads = harness.sim.journal.count("GET", r"/generations/") - reads_before
    assert reads >= 3
    assert len(pace_waits) == reads
    await harness.tracker.refresh(job.id)
    assert harness.sim.journal.count("GET", r"/generations/") - reads_before == reads + 1
    assert len(pace_waits) == reads
