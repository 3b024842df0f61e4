"""The running render's words in the grid ("Rendering 0:42 of ~1:10"), on a fake clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from genpro_desktop.core.api import JobStatus
from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.render_progress import (
    clock_text,
    render_started_at,
    render_timing,
    rendering_label,
    shows_render_clock,
)
from genpro_desktop.core.renders import RenderTake


def running(clock: FakeClock, state: JobState = JobState.PROCESSING, **fields: Any) -> LocalJob:
    values: dict[str, Any] = {"remote_id": "880001", "kind": JobKind.RENDER, **fields}
    return LocalJob(
        id=new_job_id(),
        state=state,
        agent_id="4711",
        created_at=clock.wall(),
        updated_at=clock.wall(),
        **values,
    )


def take(generation_id: str, clock: FakeClock, ago_s: float) -> RenderTake:
    return RenderTake(
        engine_id="9101",
        row=4,
        row_id="r4",
        cell_id="c4",
        generation_id=generation_id,
        status=JobStatus.PROCESSING,
        raw_status="processing",
        url=None,
        thumbnail_url=None,
        created_at=clock.wall() - timedelta(seconds=ago_s),
        execution_cost=None,
        failed_reason=None,
        is_current=True,
    )


def test_counts_against_the_typical_duration_as_the_clock_moves():
    clock = FakeClock()
    job = running(clock)
    clock.advance(42)
    assert rendering_label(job, clock.wall(), 70.0) == "Rendering 0:42 of ~1:10"
    clock.advance(1)
    assert rendering_label(job, clock.wall(), 70.0) == "Rendering 0:43 of ~1:10"
    clock.advance(27)  # exactly the typical time: not late yet
    assert rendering_label(job, clock.wall(), 70.0) == "Rendering 1:10 of ~1:10"


def test_past_the_expected_time_it_says_so_instead_of_counting_towards_it():
    clock = FakeClock()
    job = running(clock)
    clock.advance(92)
    timing = render_timing(job, clock.wall(), 70.0)
    assert timing.late
    assert timing.label == "Rendering 1:32, longer than usual (~1:10)"


def test_without_history_it_uses_gens_documented_30_to_120_seconds():
    clock = FakeClock()
    job = running(clock)
    clock.advance(42)
    assert rendering_label(job, clock.wall(), None) == "Rendering 0:42 (usually 0:30-2:00)"
    clock.advance(79)  # 2:01
    assert (
        rendering_label(job, clock.wall(), None)
        == "Rendering 2:01, longer than usual (usually 0:30-2:00)"
    )
    # A typical duration that is no use (zero) counts as no history.
    assert render_timing(job, clock.wall(), 0.0).typical is None


def test_a_render_started_elsewhere_counts_from_gens_start_not_from_its_adoption():
    clock = FakeClock()
    clock.advance(600)
    adopted = running(clock, remote_id="880009")  # adopted now, started on GEN 30 s ago
    takes = [take("880001", clock, 500), take("880009", clock, 30)]
    assert render_started_at(adopted, takes) == clock.wall() - timedelta(seconds=30)
    clock.advance(12)
    assert rendering_label(adopted, clock.wall(), 70.0, takes) == "Rendering 0:42 of ~1:10"
    # Not listed by GEN yet: our own start.
    assert rendering_label(adopted, clock.wall(), 70.0) == "Rendering 0:12 of ~1:10"


def test_a_wall_clock_set_back_never_shows_negative_time():
    clock = FakeClock()
    job = running(clock)
    earlier = clock.wall() - timedelta(seconds=5)
    assert rendering_label(job, earlier, 70.0) == "Rendering 0:00 of ~1:10"


def test_only_renders_gen_runs_show_the_clock():
    clock = FakeClock()
    assert shows_render_clock(running(clock))
    assert shows_render_clock(running(clock, JobState.PENDING))
    assert not shows_render_clock(running(clock, JobState.SUBMITTING, remote_id=None))
    assert not shows_render_clock(running(clock, JobState.COMPLETED))
    assert not shows_render_clock(running(clock, JobState.OUTCOME_UNKNOWN))
    assert not shows_render_clock(running(clock, execution_cost=Decimal(1), kind=JobKind.PUBLISH))


def test_clock_text():
    assert clock_text(0) == "0:00"
    assert clock_text(59.9) == "0:59"
    assert clock_text(70) == "1:10"
    assert clock_text(3725) == "1:02:05"
    assert clock_text(-3) == "0:00"
