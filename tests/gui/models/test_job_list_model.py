"""The job model: order (pinned parked jobs, then newest), row-level updates, progress, hiding."""

from __future__ import annotations

from jobkit import finished, make_job, moved
from pytestqt.qtbot import QtBot

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.view import job_explanation
from genpro_desktop.gui.models.job_list_model import (
    JobListModel,
    JobRole,
    OverdueRole,
    ProgressRole,
)


def _ids(model: JobListModel) -> list[str]:
    return [model.job(row).id for row in range(model.rowCount())]


def test_newest_first_with_parked_jobs_pinned_on_top(qtbot: QtBot) -> None:
    old = make_job(JobState.COMPLETED, minutes=0)
    parked = make_job(JobState.OUTCOME_UNKNOWN, minutes=1)
    new = make_job(JobState.PROCESSING, minutes=2)
    model = JobListModel()
    model.set_jobs([old, new, parked])
    assert _ids(model) == [parked.id, new.id, old.id]


def test_an_update_touches_only_its_row(qtbot: QtBot) -> None:
    jobs = [make_job(JobState.PENDING, minutes=m) for m in range(50)]
    model = JobListModel()
    model.set_jobs(jobs)
    changed: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom, *_: changed.append((top.row(), bottom.row())))
    moved_rows: list[object] = []
    model.rowsMoved.connect(lambda *args: moved_rows.append(args))
    model.rowsRemoved.connect(lambda *args: moved_rows.append(args))
    target = jobs[10]
    model.apply(JobEvent("job_updated", moved(target, JobState.PROCESSING)))
    row = model.row_of(target.id)
    assert changed == [(row, row)]
    assert moved_rows == []
    assert model.data(model.index(row), JobRole).state is JobState.PROCESSING


def test_a_job_that_becomes_parked_moves_to_the_top(qtbot: QtBot) -> None:
    jobs = [make_job(JobState.PROCESSING, minutes=m) for m in range(5)]
    model = JobListModel()
    model.set_jobs(jobs)
    model.apply(
        JobEvent(
            "job_updated",
            moved(jobs[0], JobState.NEEDS_ATTENTION, attention_reason="GEN said 'weird' 3 times"),
        )
    )
    assert model.job(0).id == jobs[0].id
    assert model.job(0).is_parked
    explanation = job_explanation(model.job(0))
    assert explanation is not None
    assert "weird" in explanation
    assert "Keep waiting" in explanation


def test_download_progress_updates_the_progress_role(qtbot: QtBot) -> None:
    render = make_job(JobState.COMPLETED, output_url="http://127.0.0.1/cdn/x.mp4")
    download = make_job(JobState.DOWNLOADING, kind=JobKind.DOWNLOAD, minutes=1, parent_id=render.id)
    model = JobListModel()
    model.set_jobs([render])
    model.apply(JobEvent("job_added", download))
    model.apply(
        JobEvent("download_progress", download, progress=DownloadProgress(50, 100, 25.0, 2.0))
    )
    row = model.row_of(download.id)
    progress = model.data(model.index(row), ProgressRole)
    assert progress == DownloadProgress(50, 100, 25.0, 2.0)
    assert model.children_of(render.id)[0].id == download.id


def test_live_events_win_over_older_history(qtbot: QtBot) -> None:
    job = make_job(JobState.PENDING)
    model = JobListModel()
    model.apply(JobEvent("job_updated", moved(job, JobState.PROCESSING)))
    model.set_jobs([job])  # the history read started before the event arrived
    assert model.rowCount() == 1
    assert model.job(0).state is JobState.PROCESSING


def test_hidden_jobs_stay_hidden(qtbot: QtBot) -> None:
    done = finished(make_job(), JobState.COMPLETED)
    model = JobListModel()
    model.set_jobs([done])
    model.hide(done.id)
    assert model.rowCount() == 0
    model.apply(JobEvent("job_updated", done))
    model.set_jobs([done])
    assert model.rowCount() == 0
    assert model.hidden == {done.id}


def test_overdue_after_one_and_a_half_times_the_typical_duration(qtbot: QtBot) -> None:
    job = make_job(JobState.PROCESSING)
    elapsed = {"seconds": 10.0}
    model = JobListModel(lambda _job: elapsed["seconds"])
    model.set_jobs([job])
    model.set_typical_duration(JobKind.RENDER, 8.0)
    assert not model.data(model.index(0), OverdueRole)
    elapsed["seconds"] = 12.5
    assert model.data(model.index(0), OverdueRole)
    model.apply(JobEvent("job_finished", finished(job, JobState.COMPLETED)))
    assert not model.data(model.index(0), OverdueRole)
