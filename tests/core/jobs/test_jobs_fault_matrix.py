"""Fault matrix rows 1-10 (reliability-anchors.md section 3) against the tracker.

Every test drives the real client over a real socket to the simulator, with the fault armed on
the simulator; each asserts the behaviour the row demands, so it fails without it. GET faults
are armed before the job is submitted (the POST never matches a GET plan), so they hit the
first polls deterministically.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
from jobs_harness import CountingTransport, Harness, LinkedClock

from genpro_desktop.core.jobs import FailureKind, JobEvent, JobState, LocalJob
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import RENDER_COST, Simulator, faults

GEN = r"/generations/\d+$"


async def _states(harness: Harness, job_id: str) -> list[JobState]:
    return [change.state for change in await harness.store.state_history(job_id)]


def _dead_base_url() -> str:
    """A loopback URL where nothing listens (connection refused, nothing sent)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# -- row 1: 5xx on a status GET --------------------------------------------------------------


async def test_row01_server_errors_on_status_reads_never_change_the_job(harness: Harness):
    # Three whole polls' worth of attempts (the client tries 4 times each), then part of one
    # more: three exhausted polls in a row must not look like anything but "try again".
    harness.sim.faults.add("GET", GEN, faults.status(503), times=12)
    harness.sim.faults.add("GET", GEN, faults.status(502), times=2)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    states = await _states(harness, job.id)
    assert JobState.FAILED not in states
    assert JobState.NEEDS_ATTENTION not in states
    # The exhausted poll did not end tracking: later polls happened and succeeded.
    assert harness.sim.journal.count("GET", GEN) >= 15
    assert not harness.scheduler.offline


# -- row 2: 5xx on the start-render POST -----------------------------------------------------


async def test_row02_502_after_the_render_was_created_is_outcome_unknown_and_never_resent(
    harness: Harness,
):
    harness.sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    before = harness.sim.state.balance()
    renders_before = len(harness.sim.state.render_records)
    job = await harness.submit(0)
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert job.attention_reason
    assert job.idempotency_key
    assert job.idempotency_key in job.attention_reason  # the key a retry must reuse
    assert job.can_retry()
    assert job.remote_id is None
    await harness.restart()  # not even a restart re-sends it
    assert (await harness.tracker.get(job.id)).state is JobState.OUTCOME_UNKNOWN
    assert harness.posts_by_key(r"/render$") == {job.idempotency_key: 1}
    # The user confirms: same key, so GEN replays the render it already created.
    retried = await harness.tracker.retry(job.id)
    assert retried.id == job.id
    assert retried.remote_id is not None
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert harness.posts_by_key(r"/render$") == {job.idempotency_key: 2}
    assert len(harness.sim.state.render_records) == renders_before + 1  # one render, not two
    assert harness.sim.state.balance() == before - RENDER_COST  # charged once


async def test_row02_502_before_anything_was_created_can_be_retried_once_confirmed(
    harness: Harness,
):
    harness.sim.faults.add("POST", r"/render$", faults.status(502))
    before = harness.sim.state.balance()
    job = await harness.submit(1)
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert harness.sim.journal.count("POST", r"/render$") == 1
    assert harness.sim.state.balance() == before  # nothing was charged
    retried = await harness.tracker.retry(job.id)
    assert (await harness.settle(retried.id)).state is JobState.COMPLETED
    assert harness.posts_by_key(r"/render$") == {job.idempotency_key: 2}
    assert harness.sim.state.balance() == before - RENDER_COST


# -- row 3: 429 with Retry-After -------------------------------------------------------------


async def test_row03_short_retry_after_is_waited_out_before_the_next_read(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.status(429, retry_after=7))
    job = await harness.submit(0)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    gets = harness.sim.journal.find("GET", GEN)
    assert gets[0].status == 429
    assert gets[1].sim_time - gets[0].sim_time >= 7 - 1e-6


async def test_row03_long_retry_after_pauses_every_job_on_the_origin(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.status(429, retry_after=3600))
    first = await harness.submit(0)
    second = await harness.submit(1)
    assert (await harness.settle(first.id)).state is JobState.COMPLETED
    assert (await harness.settle(second.id)).state is JobState.COMPLETED
    gets = harness.sim.journal.find("GET", GEN)
    limited = next(e for e in gets if e.status == 429)
    later = [e for e in gets if e.sim_time > limited.sim_time]
    assert len(later) >= 2
    assert all(e.sim_time - limited.sim_time >= 3600 - 1e-6 for e in later)
    paused = [e for e in harness.events if e.type == "tracker_paused"]
    assert any(e.type == "tracker_resumed" for e in harness.events)  # the banner goes away
    assert paused
    assert "slow down" in (paused[0].detail or "")


# -- row 4: connection reset mid-poll --------------------------------------------------------


async def test_row04_resets_on_status_reads_are_retried_without_side_effects(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.reset(), times=3)
    job = await harness.submit(0)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert harness.sim.journal.count("POST") == 1
    assert JobState.FAILED not in await _states(harness, job.id)


# -- row 5: reset after the publish POST was sent --------------------------------------------


async def test_row05_reset_after_the_publish_was_applied_is_never_posted_twice(harness: Harness):
    harness.sim.faults.add("POST", r"/user_jobs$", faults.hold_after_apply("publish"))
    task = asyncio.create_task(harness.tracker.publish_intent(harness.publish_job()))
    assert await harness.sim.faults.until_held("publish")
    harness.sim.faults.release("publish", drop=True)  # applied, then the connection resets
    job = await task
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert len(harness.sim.state.publish_records) == 1  # GEN did create the post
    await harness.restart()
    await harness.restart()
    assert (await harness.tracker.get(job.id)).state is JobState.OUTCOME_UNKNOWN
    assert sum(harness.posts_by_key(r"/user_jobs$").values()) <= 1
    assert len(harness.sim.state.publish_records) == 1


# -- row 6: connection refused (nothing sent) ------------------------------------------------


async def test_row06_refused_render_post_is_retried_by_the_client_then_fails_not_sent(
    harness: Harness,
):
    harness.tracker.set_client(harness.use_client(_dead_base_url()))
    job = await harness.submit(0)
    assert job.state is JobState.FAILED
    assert job.failed_reason
    assert job.failure is FailureKind.NOT_SENT
    assert job.can_retry()
    assert harness.scheduler.offline
    assert any(e.type == "tracker_paused" for e in harness.events)
    assert harness.sim.journal.count("POST") == 0
    # Back online: the user's retry is a new job with the same key, sent once.
    harness.tracker.set_client(harness.client)
    retried = await harness.tracker.retry(job.id)
    assert retried.id != job.id
    assert retried.idempotency_key == job.idempotency_key
    assert (await harness.settle(retried.id)).state is JobState.COMPLETED
    assert (await harness.tracker.get(job.id)).state is JobState.FAILED  # terminal stays
    assert not harness.scheduler.offline


async def test_row06_polls_while_offline_back_off_and_recover(harness: Harness):
    started = await harness.client.renders.create(*harness.final_cells()[0])
    harness.tracker.set_client(harness.use_client(_dead_base_url()))
    job = await harness.tracker.adopt_generation(started.generation_id)
    await asyncio.wait_for(harness.clock.until(600), 10)  # ten minutes offline on the clock
    assert harness.scheduler.offline
    assert (await harness.tracker.get(job.id)).state is JobState.PENDING
    harness.tracker.set_client(harness.client)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert any(e.type == "tracker_resumed" for e in harness.events)


# -- row 7: read timeout on a GET ------------------------------------------------------------


async def test_row07_a_stalled_status_read_times_out_and_is_retried(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    transport = CountingTransport(read_timeout=0.3)
    built = Harness(sim, store, linked_clock, tmp_path / "dl", transport=transport)
    await built.start()
    try:
        sim.faults.add("GET", GEN, faults.delay(1.0))
        job = await built.submit(0)
        assert (await built.settle(job.id)).state is JobState.COMPLETED
        assert JobState.FAILED not in await _states(built, job.id)
        # The stalled attempt was given up at the read timeout (not after the 1 s answer)...
        timed_out = [a for a in transport.attempts if a.error is not None]
        assert [a.error for a in timed_out] == [httpx.ReadTimeout]
        assert 0.3 <= timed_out[0].seconds < 1.0
        # ...and retried after the client's back-off, shorter than any poll interval.
        assert any(s < 1.6 for s in built.clock.sleeps)
    finally:
        await built.aclose()
        await transport.aclose()


# -- row 8: malformed bodies -----------------------------------------------------------------


async def test_row08_html_and_broken_json_on_status_reads_never_change_the_job(
    harness: Harness,
):
    harness.sim.faults.add("GET", GEN, faults.html(), times=2)
    harness.sim.faults.add("GET", GEN, faults.malformed_json(), times=2)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    states = await _states(harness, job.id)
    assert JobState.FAILED not in states
    assert JobState.NEEDS_ATTENTION not in states
    assert harness.sim.journal.count("GET", GEN) >= 5


# -- row 9: unknown status values ------------------------------------------------------------


async def test_row09_unknown_statuses_never_end_tracking_and_flag_the_job(harness: Harness):
    # Ten reads in a row of a status GEN added without notice: the render is still running.
    harness.sim.faults.add("GET", GEN, faults.unknown_status("queued_for_render"), times=10)
    flagged: list[LocalJob] = []
    harness.hub.subscribe(
        lambda event: (
            flagged.append(event.job)
            if event.job is not None and event.job.status_unknown
            else None
        )
    )
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert not done.status_unknown
    assert JobState.NEEDS_ATTENTION not in await _states(harness, job.id)
    assert harness.sim.journal.count("GET", GEN) >= 11  # polled on through all ten
    # While GEN said it, the job was flagged with GEN's own word, and could be dismissed.
    assert flagged
    assert {seen.raw_status for seen in flagged} == {"queued_for_render"}
    assert all(seen.is_active and seen.can_dismiss() for seen in flagged)


async def test_row09_an_unknown_status_is_tracked_until_the_deadline(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.unknown_status("on_hold"), times=100_000)
    job = await harness.submit(0)
    parked = await harness.settle(job.id, limit=60)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "much longer than usual" in parked.attention_reason
    assert parked.raw_status == "on_hold"
    assert harness.clock.now() >= 3600


async def test_row09_an_unknown_status_then_404_needs_attention(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.unknown_status("archived"), times=5)
    harness.sim.faults.add(
        "GET", GEN, faults.status(404, body={"error": "not found", "error_code": "not_found"})
    )
    job = await harness.submit(0)
    parked = await harness.settle(job.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "no longer finds" in parked.attention_reason
    assert harness.sim.journal.count("GET", GEN) == 6


async def test_row09_dismissing_a_job_of_unknown_status_ends_its_polling(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.unknown_status("queued_for_render"), times=100_000)
    seen = asyncio.get_running_loop().create_future()

    def on_event(event: JobEvent) -> None:
        if event.job is not None and event.job.status_unknown and not seen.done():
            seen.set_result(event.job)

    harness.hub.subscribe(on_event)
    job = await harness.submit(0)
    flagged = await asyncio.wait_for(seen, 15)
    assert flagged.state in (JobState.PENDING, JobState.PROCESSING)
    dismissed = await harness.tracker.dismiss(job.id)
    assert dismissed.state is JobState.DISMISSED
    assert await harness.settle(job.id) == dismissed
    reads = harness.sim.journal.count("GET", GEN)
    # The poll task ends on its next turn (left running, it would read on for the hour).
    task = harness.tracker.book.task(job.id)
    if task is not None:
        await asyncio.wait_for(task, 15)
    assert harness.sim.journal.count("GET", GEN) <= reads + 1  # at most the read in flight
    assert (await harness.store.get_job(job.id)).state is JobState.DISMISSED  # type: ignore[union-attr]


async def test_row09_status_matching_ignores_case_and_surrounding_whitespace(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.unknown_status("  Processing "), times=2)
    flagged: list[LocalJob] = []
    harness.hub.subscribe(
        lambda event: (
            flagged.append(event.job)
            if event.job is not None and event.job.status_unknown
            else None
        )
    )
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert flagged == []


async def test_row09_an_unknown_publish_status_keeps_the_publish_tracked(harness: Harness):
    harness.sim.faults.add("GET", r"/user_jobs/\d+$", faults.unknown_status("moderating"), times=8)
    job = await harness.tracker.publish_intent(harness.publish_job())
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.post_id
    assert JobState.NEEDS_ATTENTION not in await _states(harness, job.id)
    assert harness.sim.journal.count("GET", r"/user_jobs/\d+$") >= 9


# -- row 10: completed without a usable output -----------------------------------------------


def _completed_body(outputs: list[dict[str, object]]) -> dict[str, object]:
    return {"id": "1", "status": "completed", "output_resources": outputs}


async def test_row10_completed_without_output_is_re_read_three_times_then_needs_attention(
    harness: Harness,
):
    harness.sim.faults.add("GET", GEN, faults.status(200, body=_completed_body([])), times=4)
    job = await harness.submit(0)
    parked = await harness.settle(job.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "completed without output" in parked.attention_reason
    assert harness.sim.journal.count("GET", GEN) == 4  # the first read plus three re-reads


async def test_row10_output_that_appears_on_a_re_read_completes_normally(harness: Harness):
    harness.sim.faults.add("GET", GEN, faults.status(200, body=_completed_body([])), times=2)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.output_url


async def test_row10_a_non_https_output_link_is_never_used(harness: Harness):
    plain = [{"id": 9, "url": "http://cdn.example.com/v.mp4", "object_type": "video"}]
    harness.sim.faults.add("GET", GEN, faults.status(200, body=_completed_body(plain)), times=4)
    job = await harness.submit(0)
    parked = await harness.settle(job.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.output_url is None
    assert parked.attention_reason
    assert "https" in parked.attention_reason
