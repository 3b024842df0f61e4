"""The poll plans: pure rules (no clock, no randomness) and the tracker polling on them."""

from __future__ import annotations

import itertools
import math
import random
from datetime import timedelta

import pytest
from jobs_harness import Harness

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs import JobKind, JobState, PollScheduler
from genpro_desktop.core.jobs.poll_plan import (
    CADENCES,
    DelayRange,
    FixedPlan,
    PollPhase,
    PredictivePlan,
)

GEN = r"/generations/\d+$"
PLAN = PredictivePlan()
RENDER = JobKind.RENDER


def walk(typical: float | None, finish: float, rng: random.Random) -> tuple[list[float], float]:
    """Read times of a job that finishes at `finish`, drawing each delay from its range;
    returns (read times, detection delay)."""
    now = 0.0
    reads: list[float] = []
    while True:
        planned = PLAN.delay(RENDER, len(reads), now, typical)
        assert 0 < planned.low_s <= planned.high_s
        now += rng.uniform(planned.low_s, planned.high_s)
        reads.append(now)
        if now >= finish:
            return reads, now - finish


# -- without an elapsed time, or for publishes, the exponential cadence -------------------------


@pytest.mark.parametrize("elapsed", [None, math.nan, math.inf])
def test_without_a_usable_elapsed_time_the_exponential_cadence_is_kept(elapsed):
    for attempt in range(12):
        planned = PLAN.delay(RENDER, attempt, elapsed, 60.0)
        base = min(2.0 * 1.5**attempt, 15.0)
        assert planned == DelayRange(base * 0.8, base * 1.2, PollPhase.CADENCE)


# -- little or no history: GEN's published render times, one sample ---------------------------


@pytest.mark.parametrize("typical", [None, 0.0, -5.0, math.nan, math.inf])
def test_without_history_reads_are_a_few_seconds_apart_from_15_s(typical):
    # GEN documents 30-120 s for video jobs: the first read at the window's opening (15 s) ...
    assert PLAN.delay(RENDER, 0, 0.0, typical) == DelayRange(13.5, 15.0, PollPhase.SPARSE)
    # ... then never more than 4.4 s apart through GEN's range and well past it (4 x 120 s) ...
    for elapsed in (15.0, 30.0, 59.0, 120.0, 300.0, 479.0):
        assert PLAN.delay(RENDER, 5, elapsed, typical) == DelayRange(3.6, 4.4, PollPhase.WINDOW)
    # ... and only then backing off (not to 15 s within the first minute, as the cadence did).
    assert PLAN.delay(RENDER, 9, 600.0, typical).phase is PollPhase.OVERDUE


def test_a_first_render_is_noticed_within_five_seconds_and_with_fewer_reads():
    rng = random.Random(5)
    for finish in (20.0, 30.0, 45.0, 90.0, 150.0, 300.0):
        reads, delay = walk(None, finish, rng)
        assert delay <= 4.4 + 1e-9
        assert len(reads) <= 0.6 * math.ceil(finish / 2.0) + 1  # vs a read every 2 s


def test_one_sample_widens_the_window():
    one = PLAN.delay(RENDER, 3, 16.0, 30.0, 1)
    assert one == DelayRange(3.6, 4.4, PollPhase.WINDOW)  # 0.5 x 30 = 15 s: inside already
    assert PLAN.delay(RENDER, 3, 16.0, 30.0, 2).phase is PollPhase.SPARSE  # 0.7 x 30 = 21 s
    assert PLAN.delay(RENDER, 3, 47.0, 30.0, 1).phase is PollPhase.WINDOW  # up to 1.6 x 30
    assert PLAN.delay(RENDER, 3, 47.0, 30.0, 2).phase is PollPhase.OVERDUE
    assert PLAN.delay(RENDER, 3, 47.0, 30.0).phase is PollPhase.OVERDUE  # None: enough history


def test_publishes_keep_their_cadence_even_with_a_typical_duration():
    planned = PLAN.delay(JobKind.PUBLISH, 3, 100.0, 60.0)
    base = 5.0 * 1.5**3
    assert planned == DelayRange(base * 0.8, base * 1.2, PollPhase.CADENCE)
    with pytest.raises(ValueError, match="not polled"):
        PLAN.delay(JobKind.DOWNLOAD, 0, 0.0, 60.0)


# -- the predictive shape ------------------------------------------------------------------


def test_sixty_second_renders_one_early_check_then_the_window_then_overdue():
    early = PLAN.delay(RENDER, 0, 0.0, 60.0)
    assert early == DelayRange(8.0, 10.0, PollPhase.EARLY)
    # Then sparse reads, tightening towards the window (42 s): 4 s + 0.4 x the time left.
    sparse = PLAN.delay(RENDER, 1, 9.0, 60.0)
    assert (sparse.low_s, sparse.high_s) == pytest.approx((17.2 * 0.8, 17.2 * 1.2))
    assert sparse.phase is PollPhase.SPARSE
    later = PLAN.delay(RENDER, 2, 30.0, 60.0)
    assert (later.low_s, later.high_s) == pytest.approx((8.8 * 0.8, 8.8 * 1.2))
    # Never past the window's opening, so its first read is on time.
    last = PLAN.delay(RENDER, 3, 37.0, 60.0)
    assert (last.low_s, last.high_s, last.phase) == (pytest.approx(4.8), 5.0, PollPhase.SPARSE)
    for elapsed in (38.5, 42.0, 60.0, 77.9):
        assert PLAN.delay(RENDER, 5, elapsed, 60.0) == DelayRange(3.6, 4.4, PollPhase.WINDOW)
    # Overdue: the spacing grows from 4 s by 0.1 s per second overdue, capped at 6 s ...
    assert PLAN.delay(RENDER, 9, 78.0, 60.0) == DelayRange(3.2, 4.8, PollPhase.OVERDUE)
    assert PLAN.delay(RENDER, 9, 88.0, 60.0).high_s == pytest.approx(5.0 * 1.2)
    for elapsed in (98.0, 180.0, 239.0):
        assert PLAN.delay(RENDER, 9, elapsed, 60.0).high_s == pytest.approx(6.0 * 1.2)
    # ... and past 4 x typical it grows on, at the same rate, to the render cadence's cap (15 s).
    assert PLAN.delay(RENDER, 9, 260.0, 60.0).high_s == pytest.approx(8.0 * 1.2)
    assert PLAN.delay(RENDER, 9, 400.0, 60.0) == DelayRange(12.0, 18.0, PollPhase.OVERDUE)
    assert PLAN.delay(RENDER, 9, 3000.0, 60.0) == DelayRange(12.0, 18.0, PollPhase.OVERDUE)


def test_long_renders_read_at_most_a_minute_apart_before_the_window():
    rng = random.Random(11)
    reads, _ = walk(600.0, 600.0, rng)
    before_window = [t for t in reads if t < 420.0]
    gaps = [b - a for a, b in zip([0.0, *before_window], before_window, strict=False)]
    assert max(gaps) <= 60.0 * 1.2
    assert 8 <= len(before_window) <= 14
    # Tightening: each read before the window comes no later than the previous spacing.
    assert gaps[-1] < gaps[-3] < gaps[2]


def test_short_renders_skip_the_early_check_and_poll_about_every_second_in_the_window():
    first = PLAN.delay(RENDER, 0, 0.0, 8.0)
    assert first.phase is PollPhase.SPARSE  # the window opens at 5.6 s, before any early check
    assert first.high_s <= 5.6
    assert PLAN.delay(RENDER, 1, 5.0, 8.0) == DelayRange(1.08, 1.32, PollPhase.WINDOW)
    # A negative elapsed time (a wall clock set back) counts as just started.
    assert PLAN.delay(RENDER, 0, -30.0, 8.0) == first


@pytest.mark.parametrize("typical", [30.0, 60.0, 180.0, 600.0])
def test_detection_delay_and_reads_for_finishes_in_the_window_and_three_times_late(typical):
    rng = random.Random(int(typical))
    in_window: list[float] = []
    late: list[float] = []
    for _ in range(300):
        finish = typical * rng.uniform(0.7, 1.3)
        reads, delay = walk(typical, finish, rng)
        in_window.append(delay)
        # Before the window: a few reads, fewer than the dense spacing would make.
        before = len([t for t in reads if t < 0.7 * typical])
        assert before <= 2 + 0.7 * typical / 15.0
        _, delay = walk(typical, 3 * finish, rng)
        late.append(delay)
    spacing = PLAN.dense_spacing(typical)
    assert max(in_window) <= spacing * 1.1 + 1e-9
    assert sorted(in_window)[150] <= spacing * 0.6
    assert max(late) <= 6.0 * 1.2 + 1e-9
    assert sorted(late)[150] <= 3.6


def test_a_job_first_read_after_the_window_opened_goes_straight_to_dense_reads():
    # A resumed job that already ran 50 s of a typical 60 s: no early check, no checkpoint.
    assert PLAN.delay(RENDER, 0, 50.0, 60.0).phase is PollPhase.WINDOW


# -- the fixed baseline and the scheduler -------------------------------------------------------


def test_the_fixed_plan_reads_every_two_seconds_without_jitter():
    plan = FixedPlan()
    assert plan.delay(RENDER, 0, 0.0, 60.0) == DelayRange(2.0, 2.0, PollPhase.FIXED)
    assert plan.delay(RENDER, 50, None, None) == DelayRange(2.0, 2.0, PollPhase.FIXED)
    assert plan.cadence(RENDER) is CADENCES[RENDER]
    with pytest.raises(ValueError, match="not polled"):
        plan.delay(JobKind.DOWNLOAD, 0, 0.0, None)
    scheduler = PollScheduler(FakeClock(), plan=FixedPlan(interval_s=2.0))
    assert {scheduler.next_delay(RENDER, a, elapsed=a, typical=60.0) for a in range(20)} == {2.0}
    assert scheduler.deadline(RENDER) == 3600


def test_the_scheduler_draws_inside_the_plans_range_with_its_rng():
    scheduler = PollScheduler(FakeClock(), rng=random.Random(4))
    assert isinstance(scheduler.plan, PredictivePlan)
    draws = [scheduler.next_delay(RENDER, 3, elapsed=60.0, typical=60.0) for _ in range(200)]
    assert all(3.6 <= d <= 4.4 for d in draws)
    assert max(draws) - min(draws) > 0.6  # really jittered
    again = PollScheduler(FakeClock(), rng=random.Random(4))
    assert draws == [again.next_delay(RENDER, 3, elapsed=60.0, typical=60.0) for _ in range(200)]


# -- the tracker on the plan, against the simulator --------------------------------------------


async def seed_history(harness: Harness, seconds: float, count: int = 5) -> None:
    """Finished renders that each took `seconds`, as earlier runs would have stored them."""
    for index in range(count):
        finished = harness.clock.wall() - timedelta(hours=1, minutes=index)
        job = harness.seed_job(
            state=JobState.COMPLETED,
            created_at=finished - timedelta(seconds=seconds),
            updated_at=finished,
            finished_at=finished,
            remote_id=f"h{index}",
        )
        await harness.store.save_job(job)


async def test_the_tracker_polls_a_render_around_its_typical_duration(harness: Harness):
    await seed_history(harness, 60.0)
    assert await harness.tracker.typical_duration(RENDER) == 60.0
    harness.sim.state.script_render(pending_s=2, done_s=61)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.finished_at is not None
    took = (done.finished_at - done.created_at).total_seconds()
    assert 61.0 <= took <= 61.0 + 4.4  # noticed within one dense spacing
    gets = harness.sim.journal.count("GET", GEN)
    assert gets <= 4 + math.ceil((61.0 - 42.0) / 3.6)  # early, <= 3 sparse, window reads
    sleeps = harness.clock.sleeps
    assert 8.0 <= sleeps[0] <= 10.0
    assert 13.7 <= sleeps[1] <= 20.7
    elapsed = itertools.accumulate(sleeps, initial=0.0)
    in_window = [slept for slept, at in zip(sleeps, elapsed, strict=False) if at >= 38.0]
    assert in_window
    assert all(3.6 <= slept <= 4.4 for slept in in_window)


async def test_a_resumed_job_plans_from_the_time_it_already_ran(harness: Harness):
    await seed_history(harness, 60.0)
    harness.sim.state.script_render(pending_s=2, done_s=60)
    started = await harness.client.renders.create(*harness.final_cells()[0])
    stored = harness.seed_job(state=JobState.PROCESSING, remote_id=started.generation_id)
    await harness.store.save_job(stored)
    # The app was closed for 41 s of the render: on both clocks, without a poll.
    harness.clock.advance(41.0)
    harness.clock.sim_clock.advance(41.0)
    slept_before = len(harness.clock.sleeps)
    await harness.restart()
    done = await harness.settle(stored.id)
    assert done.state is JobState.COMPLETED
    sleeps = harness.clock.sleeps[slept_before:]
    assert sleeps[0] <= 0.05  # the resume spread
    # Already inside the window (0.7 x 60 = 42 s): dense reads, not an early check at ~10 s.
    assert all(3.6 <= s <= 4.4 for s in sleeps[1:])
    assert harness.sim.journal.count("GET", GEN) <= 1 + math.ceil(19.0 / 3.6) + 1


# -- first renders (issue 13 part 5): little or no history, over the real socket --------------


def _reads_after(sleeps: list[float], moment: float) -> list[float]:
    """The sleeps that started at or after `moment` (tracker time)."""
    starts = itertools.accumulate(sleeps, initial=0.0)
    return [slept for slept, at in zip(sleeps, starts, strict=False) if at >= moment]


async def test_a_first_render_without_history_is_noticed_within_five_seconds(harness: Harness):
    assert await harness.tracker.typical_duration(RENDER) is None
    harness.sim.state.script_render(pending_s=2, done_s=30)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.finished_at is not None
    took = (done.finished_at - done.created_at).total_seconds()
    assert 30.0 <= took <= 30.0 + 4.4  # the exponential cadence was 15 s apart by then
    assert all(slept <= 4.4 for slept in _reads_after(harness.clock.sleeps, 14.0))
    assert harness.sim.journal.count("GET", GEN) <= 0.6 * 15  # fixed 2 s polling: 15 reads


@pytest.mark.parametrize(("history", "most_reads"), [(1, 0.6 * 15), (2, 15 / 3)])
async def test_one_or_two_earlier_renders_already_shape_the_polling(
    harness: Harness, history: int, most_reads: float
):
    await seed_history(harness, 30.0, count=history)
    assert await harness.tracker.typical_duration(RENDER) is None  # too few for the UI's median
    harness.sim.state.script_render(pending_s=2, done_s=31)
    job = await harness.submit(0)
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.finished_at is not None
    took = (done.finished_at - done.created_at).total_seconds()
    assert 31.0 <= took <= 31.0 + 4.4
    assert harness.sim.journal.count("GET", GEN) <= most_reads
