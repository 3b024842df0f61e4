"""The Jobs panel's "took" of a render that finished while the app was closed is GEN's time
(issue 19), on the model's default clock and in the row's text."""

from __future__ import annotations

from datetime import timedelta

from jobkit import make_job

from genpro_desktop.core.jobs import JobState
from genpro_desktop.gui.models.job_list_model import JobListModel, RowPaint, RowPaintRole
from genpro_desktop.gui.widgets.job_delegate import status_line


def test_a_resumed_render_took_gens_time_not_the_hours_the_app_was_closed(qapp: object) -> None:
    render = make_job(JobState.COMPLETED, output_url="https://cdn.example/r.mp4")
    render.finished_at = render.created_at + timedelta(hours=5)  # seen when the app came back
    render.updated_at = render.finished_at
    render.gen_seconds = 42.0
    unknown = make_job(JobState.COMPLETED, minutes=1)  # GEN gave no times: what the app saw
    unknown.finished_at = unknown.created_at + timedelta(seconds=75)
    model = JobListModel()
    model.set_jobs([render, unknown])

    painted = model.data(model.index(model.row_of(render.id)), RowPaintRole)
    assert isinstance(painted, RowPaint)
    assert painted.elapsed == 42.0
    text = status_line(render, elapsed=painted.elapsed, typical=None, overdue=False, progress=None)
    assert text == "took 0:42"
    other = model.data(model.index(model.row_of(unknown.id)), RowPaintRole)
    assert isinstance(other, RowPaint)
    assert other.elapsed == 75.0
