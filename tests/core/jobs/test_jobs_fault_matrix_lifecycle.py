"""Fault matrix rows 16, 20, 21, 25, 26 and 28 (reliability-anchors.md section 3)."""

from __future__ import annotations

import asyncio
import hashlib
import random
import time
from pathlib import Path

from jobs_harness import CountingTransport, Harness, LinkedClock

from genpro_desktop.core.jobs import (
    RESTART_REASON,
    FailureKind,
    JobKind,
    JobState,
)
from genpro_desktop.core.resources import resource_path
from genpro_desktop.core.store import Store
from genpro_desktop.simulator import Simulator, faults

GEN = r"/generations/\d+$"
SAMPLE_SHA256 = hashlib.sha256(resource_path("sample/render.mp4").read_bytes()).hexdigest()


# -- row 16: the app dies mid-render -------------------------------------------------------


async def test_row16_an_intent_without_a_gen_id_becomes_outcome_unknown_on_start(
    harness: Harness,
):
    # As a killed run leaves it: intent recorded, the POST's answer never stored.
    intent = harness.seed_job(
        state=JobState.SUBMITTING, engine_id="9101", cell_id="41005", idempotency_key="k-16"
    )
    await harness.store.record_intent(intent)
    await harness.restart()
    job = await harness.tracker.get(intent.id)
    assert job.state is JobState.OUTCOME_UNKNOWN
    assert job.attention_reason == RESTART_REASON
    assert harness.sim.journal.count("POST") == 0  # never re-sent automatically
    assert job.can_retry()


async def test_row16_a_job_with_its_gen_id_resumes_polling_after_a_restart(harness: Harness):
    started = await harness.client.renders.create(*harness.final_cells()[0])
    stored = harness.seed_job(state=JobState.PROCESSING, remote_id=started.generation_id)
    await harness.store.save_job(stored)
    await harness.restart()
    done = await harness.settle(stored.id)
    assert done.state is JobState.COMPLETED
    assert harness.sim.journal.count("POST", r"/render$") == 1  # no second render


async def test_row16_closing_while_the_post_is_held_then_restarting_never_resends(
    harness: Harness,
):
    harness.sim.faults.add("POST", r"/render$", faults.hold("render"))
    submit = asyncio.create_task(harness.submit(0))
    assert await harness.sim.faults.until_held("render")
    await harness.tracker.aclose()
    job = await submit
    assert job.state is JobState.OUTCOME_UNKNOWN
    harness.sim.faults.release("render")  # GEN applies it after all
    assert await asyncio.to_thread(harness.sim.journal.wait_count, "POST", r"/render$", 1)
    await harness.restart()
    assert (await harness.tracker.get(job.id)).state is JobState.OUTCOME_UNKNOWN
    # The user checks and retries: same key, GEN replays; one render, charged once.
    retried = await harness.tracker.retry(job.id)
    assert retried.remote_id == str(harness.sim.state.last_render_id)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert harness.posts_by_key(r"/render$") == {job.idempotency_key: 2}


# -- row 20: 401 / 403 -------------------------------------------------------------------------


async def test_row20_a_refused_key_pauses_all_polling_until_sign_in(harness: Harness):
    created = [await harness.client.renders.create(*cell) for cell in harness.final_cells()[:3]]
    harness.sim.faults.add("*", r"/v1/", faults.status(401), times=1000)
    paused = asyncio.Event()
    harness.hub.subscribe(lambda e: paused.set() if e.type == "tracker_paused" else None)
    jobs = [await harness.tracker.adopt_generation(c.generation_id) for c in created]
    await asyncio.wait_for(paused.wait(), 10)
    for _ in range(200):  # give every poll task the chance to (wrongly) send more
        await asyncio.sleep(0)
    assert harness.scheduler.auth_paused
    gets = harness.sim.journal.count("GET", GEN)
    assert 1 <= gets <= len(jobs)  # at most one request per job, then silence
    # A render submitted while paused is not sent at all.
    refused = await harness.submit(3)
    assert refused.state is JobState.FAILED
    assert refused.failed_reason
    assert refused.failure is FailureKind.NOT_SENT
    assert refused.http_status == 401  # the refusal that paused everything, as data
    assert harness.sim.journal.count("POST", r"/render$") == 3  # only the three made above
    assert [(await harness.tracker.get(j.id)).state for j in jobs] == [JobState.PENDING] * 3
    assert harness.sim.journal.count("GET", GEN) == gets
    # Signing in again (a new client) resumes everything.
    harness.sim.faults.clear()
    harness.tracker.set_client(harness.client)
    for job in jobs:
        assert (await harness.settle(job.id)).state is JobState.COMPLETED
    assert any(e.type == "tracker_resumed" for e in harness.events)


async def test_row20_401_on_the_render_post_fails_it_not_sent_and_pauses(harness: Harness):
    harness.sim.faults.add("POST", r"/render$", faults.status(401))
    job = await harness.submit(0)
    assert job.state is JobState.FAILED
    assert job.can_retry()
    assert job.failed_reason
    assert job.failure is FailureKind.NOT_SENT
    assert job.http_status == 401
    assert harness.scheduler.auth_paused
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.http_status == 401  # kept on disk for the CLI and the GUI


# -- row 21: 422 insufficient credits ------------------------------------------------------


async def test_row21_insufficient_credits_fails_once_and_holds_back_queued_renders(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    built = Harness(sim, store, linked_clock, tmp_path / "dl", max_concurrent=1)
    await built.start()
    try:
        sim.state.set_balance(0)
        ledger_before = len(sim.state.ledger())
        jobs = await asyncio.gather(*(built.submit(i) for i in range(4)))
        assert sim.journal.count("POST", r"/render$") == 1  # not fired one by one
        refused = [j for j in jobs if j.failed_reason and j.failure is FailureKind.REFUSED]
        held = [j for j in jobs if j.failed_reason and j.failure is FailureKind.NOT_SENT]
        assert len(refused) == 1
        assert len(held) == 3
        assert "insufficient credits" in (refused[0].failed_reason or "")
        assert refused[0].http_status == 422
        assert refused[0].error_code in {"insufficient_credits", "insufficient_credits_for_job"}
        assert all(j.http_status is None and j.error_code is None for j in held)  # never sent
        assert all(j.state is JobState.FAILED and j.can_retry() for j in jobs)
        assert len(sim.state.ledger()) == ledger_before  # nothing charged
        # After topping up, a confirmed retry goes through.
        sim.state.set_balance(500)
        retried = await built.tracker.retry(held[0].id)
        assert (await built.settle(retried.id)).state is JobState.COMPLETED
        again = await built.tracker.retry(refused[0].id)  # a new job: the refusal is not its own
        assert (again.error_code, again.http_status) == (None, None)
        # A new render after the refusal is sent normally (not held back forever).
        fresh = await built.submit(5)
        assert fresh.state is JobState.PENDING
    finally:
        await built.aclose()


# -- row 25: status regression / 404 on a known job ---------------------------------------


async def test_row25_a_regression_after_completion_is_ignored(harness: Harness):
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    body = {"id": done.remote_id, "status": "processing", "output_resources": []}
    harness.sim.faults.add("GET", GEN, faults.status(200, body=body))
    again = await harness.tracker.refresh(job.id)
    assert again.state is JobState.COMPLETED
    assert again.output_url == done.output_url
    states = [c.state for c in await harness.store.state_history(job.id)]
    assert states[-1] is JobState.COMPLETED
    assert JobState.PROCESSING not in states[states.index(JobState.COMPLETED) :]


async def test_row25_a_404_on_a_known_job_keeps_it_and_needs_attention(harness: Harness):
    missing = {"error": "Generation not found", "error_code": "not_found"}
    harness.sim.faults.add("GET", GEN, faults.status(404, body=missing))
    job = await harness.submit(0)
    parked = await harness.settle(job.id)
    assert parked.state is JobState.NEEDS_ATTENTION
    assert parked.attention_reason
    assert "no longer finds" in parked.attention_reason
    assert (await harness.store.get_job(job.id)) is not None
    # It was a glitch: the user keeps waiting and it completes.
    await harness.tracker.keep_waiting(job.id)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED


# -- row 26: thundering herd on start-up ----------------------------------------------------


async def _seed_herd(sim: Simulator, store: Store, harness: Harness, n: int) -> list[str]:
    sim.state.set_balance(100 * n)
    cells = harness.final_cells()
    ids: list[str] = []
    for i in range(n):
        started = await harness.client.renders.create(*cells[i % len(cells)])
        job = harness.seed_job(state=JobState.PENDING, remote_id=started.generation_id)
        await store.save_job(job)
        ids.append(job.id)
    return ids


async def test_row26_fifty_resumed_jobs_start_spread_and_never_exceed_six_requests(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    seeder = Harness(sim, store, linked_clock, tmp_path / "dl")
    ids = await _seed_herd(sim, store, seeder, 50)
    await seeder.aclose()
    transport = CountingTransport()
    # Slow answers (real time) so requests overlap and the cap is what limits them.
    sim.faults.add("GET", GEN, faults.delay(0.01), times=1000)
    built = Harness(
        sim, store, linked_clock, tmp_path / "dl", transport=transport, rng=random.Random(2)
    )
    sleeps_before = len(linked_clock.sleeps)
    await built.start()
    try:
        first = linked_clock.sleeps[sleeps_before : sleeps_before + 50]
        assert len(first) == 50
        assert all(0 <= d <= 2.5 for d in first)
        assert max(first) > 2.0
        assert min(first) < 0.5
        for job_id in ids:
            assert (await built.settle(job_id, limit=30)).state is JobState.COMPLETED
        assert transport.peak <= 6
        assert built.scheduler.peak_in_flight <= 6
        assert transport.peak >= 4  # they did overlap, so the cap was doing the limiting
    finally:
        await built.aclose()
        await transport.aclose()


async def test_row26_herd_meeting_503s_stays_bounded(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    seeder = Harness(sim, store, linked_clock, tmp_path / "dl")
    ids = await _seed_herd(sim, store, seeder, 50)
    await seeder.aclose()
    sim.journal.clear()
    sim.faults.add("GET", GEN, faults.status(503), times=150)
    transport = CountingTransport()
    built = Harness(sim, store, linked_clock, tmp_path / "dl", transport=transport)
    await built.start()
    try:
        for job_id in ids:
            assert (await built.settle(job_id, limit=30)).state is JobState.COMPLETED
        assert transport.peak <= 6
        # Each poll is at most 4 attempts: 150 refusals cost at most 150 extra requests.
        assert sim.journal.count("GET", GEN) <= 150 + 50 * 8
    finally:
        await built.aclose()
        await transport.aclose()


# -- row 28: shutdown while requests are in flight ----------------------------------------


async def test_row28_closing_during_a_render_post_marks_it_outcome_unknown_within_2s(
    harness: Harness,
):
    harness.sim.faults.add("POST", r"/render$", faults.hold("render"))
    submit = asyncio.create_task(harness.submit(0))
    assert await harness.sim.faults.until_held("render")
    started = time.monotonic()
    await harness.tracker.aclose()
    assert time.monotonic() - started < 2.0
    job = await submit
    assert job.state is JobState.OUTCOME_UNKNOWN
    stored = await harness.store.get_job(job.id)
    assert stored is not None
    assert stored.state is JobState.OUTCOME_UNKNOWN
    harness.sim.faults.release("render", drop=True)


async def test_row28_closing_during_a_publish_post_and_with_one_still_queued(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    built = Harness(sim, store, linked_clock, tmp_path / "dl", max_concurrent=1)
    await built.start()
    try:
        sim.faults.add("POST", r"/user_jobs$", faults.hold("publish"))
        sent = asyncio.create_task(built.tracker.publish_intent(built.publish_job()))
        assert await sim.faults.until_held("publish")
        queued = asyncio.create_task(built.tracker.publish_intent(built.publish_job()))
        for _ in range(20):  # let the second one record its intent and queue for the slot
            await asyncio.sleep(0)
        await asyncio.wait_for(built.tracker.aclose(), 2.0)
        in_flight, waiting = await sent, await queued
        assert in_flight.state is JobState.OUTCOME_UNKNOWN
        assert waiting.state is JobState.FAILED
        assert waiting.failure is FailureKind.NOT_SENT
        assert waiting.failed_reason == "the app closed before sending it"
        stored = {j.id: j.state for j in await store.active_jobs()}
        assert stored == {in_flight.id: JobState.OUTCOME_UNKNOWN}
        sim.faults.release("publish", drop=True)
    finally:
        await built.aclose()


async def test_row28_closing_during_a_download_resumes_it_with_a_range_request(
    harness: Harness, tmp_path: Path
):
    job = await harness.submit(0)
    await harness.settle(job.id)
    harness.sim.faults.add("GET", r"/cdn/outputs/", faults.hold_body("body", 0.5))
    arrived = asyncio.Event()
    harness.hub.subscribe(
        lambda e: arrived.set() if e.progress is not None and e.progress.bytes > 0 else None
    )
    download = await harness.tracker.download(job.id)
    assert await harness.sim.faults.until_held("body")
    await asyncio.wait_for(arrived.wait(), 10)  # bytes are in the .part
    await asyncio.wait_for(harness.tracker.aclose(), 2.0)
    harness.sim.faults.release("body", drop=True)
    stored = await harness.store.get_job(download.id)
    assert stored is not None
    assert stored.state is JobState.DOWNLOADING
    assert stored.part_path
    assert harness.file_size(stored.part_path) > 0
    await harness.restart()
    done = await harness.settle(download.id)
    assert done.state is JobState.DOWNLOADED
    assert done.kind is JobKind.DOWNLOAD
    assert done.target_path
    assert harness.file_sha256(done.target_path) == SAMPLE_SHA256
    ranged = [e for e in harness.sim.journal.find("GET", r"/cdn/outputs/") if "Range" in e.headers]
    assert ranged
    assert ranged[-1].headers["Range"].startswith("bytes=")
    assert ranged[-1].headers["Range"] != "bytes=0-"
