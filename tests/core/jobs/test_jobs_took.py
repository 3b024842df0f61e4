"""A render that finished while the app was closed "took" GEN's time, not the hours the app was
off (issue 19): the simulator's and the tracker's clocks are fake and move together."""

from __future__ import annotations

from datetime import timedelta

from jobs_harness import Harness

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.store import Store

CLOSED_FOR = 5 * 3600.0  # the app is closed for five hours while GEN renders


async def test_a_render_finished_while_the_app_was_closed_took_gens_time(
    harness: Harness, store: Store
) -> None:
    job = await harness.submit()
    await harness.tracker.aclose()  # the app quits with the render running on GEN
    harness.clock.advance(CLOSED_FOR)
    harness.clock.sim_clock.advance(CLOSED_FOR)

    await harness.restart()  # next start: the render is picked up and found completed
    done = await harness.settle(job.id)

    assert done.state is JobState.COMPLETED
    assert done.finished_at is not None
    seen_after = (done.finished_at - done.created_at).total_seconds()
    assert seen_after >= CLOSED_FOR  # when the app saw it finish: after the five hours
    took = harness.tracker.elapsed(done)
    assert done.gen_seconds is not None
    assert took == done.gen_seconds
    assert 0 < took < 120  # the simulator renders in seconds, not hours
    stored = await store.get_job(job.id)
    assert stored is not None
    assert stored.gen_seconds == done.gen_seconds  # kept for the next start too
    # The typical render time (the "typically m:ss" and overdue rule) uses GEN's time too.
    assert await store.recent_durations(JobKind.RENDER) == [done.gen_seconds]


async def test_a_render_the_app_watched_took_about_what_it_saw(harness: Harness) -> None:
    job = await harness.submit()
    done = await harness.settle(job.id)
    assert done.finished_at is not None
    seen = (done.finished_at - done.created_at).total_seconds()
    assert done.gen_seconds is not None
    # GEN's time and the app's agree to within the poll interval.
    assert abs(harness.tracker.elapsed(done) - seen) <= timedelta(seconds=30).total_seconds()
