"""Retrying past GEN's 24-hour idempotency window (issue 14 item 2), over real sockets.

GEN (and the simulator) forget an Idempotency-Key after 24 h: a replay later than that is a new
request, charged or posted again. Each test advances the simulator's clock (and the tracker's,
they are linked) past the window before the user retries a job whose outcome was unknown.
"""

from __future__ import annotations

import asyncio

import pytest
from jobs_harness import Harness

from genpro_desktop.core.jobs import DuplicateRiskError, JobActionError, JobKind, JobState
from genpro_desktop.simulator import RENDER_COST, faults

RENDER = r"/render$"
PUBLISH = r"/user_jobs$"
PAST_THE_WINDOW_S = 25 * 3600.0


def _pass_time(harness: Harness, seconds: float) -> None:
    """Time passes on both sides (the app was closed for a day, say)."""
    harness.clock.advance(seconds)
    harness.clock.sim_clock.advance(seconds)


async def test_a_render_gen_started_is_found_on_its_cell_and_followed_not_charged_again(
    harness: Harness,
):
    harness.sim.faults.add("POST", RENDER, faults.apply_then_status(502))
    before = harness.sim.state.balance()
    renders_before = len(harness.sim.state.render_records)
    job = await harness.submit(0)
    assert job.state is JobState.OUTCOME_UNKNOWN
    _pass_time(harness, PAST_THE_WINDOW_S)
    assert harness.tracker.idempotency_expired(job)
    retried = await harness.tracker.retry(job.id)
    assert retried.id == job.id
    assert retried.remote_id is not None
    assert harness.tracker.found_on_gen(job.id)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED
    # Looked up on GEN (the cell's renders), never re-sent: one render, charged once.
    assert harness.sim.journal.count("GET", r"/cells/\d+$") >= 1
    assert harness.posts_by_key(RENDER) == {job.idempotency_key: 1}
    assert len(harness.sim.state.render_records) == renders_before + 1
    assert harness.sim.state.balance() == before - RENDER_COST


async def test_a_render_gen_does_not_show_needs_an_explicit_confirmation(harness: Harness):
    harness.sim.faults.add("POST", RENDER, faults.status(502))  # GEN did not create it
    before = harness.sim.state.balance()
    job = await harness.submit(1)
    assert job.state is JobState.OUTCOME_UNKNOWN
    _pass_time(harness, PAST_THE_WINDOW_S)
    with pytest.raises(DuplicateRiskError, match="no longer protects against a duplicate"):
        await harness.tracker.retry(job.id)
    assert harness.posts_by_key(RENDER) == {job.idempotency_key: 1}  # nothing re-sent
    assert (await harness.tracker.get(job.id)).state is JobState.OUTCOME_UNKNOWN
    # The user accepts the risk: sent once more (GEN has no render of it, so one charge).
    retried = await harness.tracker.retry(job.id, force=True)
    assert not harness.tracker.found_on_gen(job.id)
    assert (await harness.settle(retried.id)).state is JobState.COMPLETED
    assert harness.posts_by_key(RENDER) == {job.idempotency_key: 2}
    assert harness.sim.state.balance() == before - RENDER_COST


async def test_within_the_window_the_key_protects_and_no_confirmation_is_needed(
    harness: Harness,
):
    harness.sim.faults.add("POST", RENDER, faults.apply_then_status(502))
    job = await harness.submit(2)
    _pass_time(harness, 23 * 3600.0)
    assert not harness.tracker.idempotency_expired(job)
    retried = await harness.tracker.retry(job.id)
    assert (await harness.settle(retried.id)).state is JobState.COMPLETED
    assert harness.posts_by_key(RENDER) == {job.idempotency_key: 2}  # GEN replayed it


async def test_a_publish_past_the_window_is_not_posted_again_without_confirmation(
    harness: Harness,
):
    harness.sim.faults.add("POST", PUBLISH, faults.apply_then_status(502))
    job = await harness.tracker.publish_intent(harness.publish_job())
    assert job.kind is JobKind.PUBLISH
    assert job.state is JobState.OUTCOME_UNKNOWN
    _pass_time(harness, PAST_THE_WINDOW_S)
    with pytest.raises(DuplicateRiskError, match="no longer protects against a duplicate"):
        await harness.tracker.retry(job.id)
    assert harness.posts_by_key(PUBLISH) == {job.idempotency_key: 1}


async def test_two_confirmed_retries_at_once_send_it_only_once(harness: Harness):
    harness.sim.faults.add("POST", RENDER, faults.status(502))
    job = await harness.submit(3)
    _pass_time(harness, PAST_THE_WINDOW_S)
    results = await asyncio.gather(
        harness.tracker.retry(job.id, force=True),
        harness.tracker.retry(job.id, force=True),
        return_exceptions=True,
    )
    assert sum(isinstance(result, JobActionError) for result in results) == 1
    await harness.settle(job.id)
    assert harness.posts_by_key(RENDER) == {job.idempotency_key: 2}  # the first send + one
