"""The job row painter and its status texts: honest about what GEN reports."""

from __future__ import annotations

from decimal import Decimal

import pytest
from jobkit import finished, make_job
from PySide6.QtWidgets import QListView
from pytestqt.qtbot import QtBot

from genpro_desktop.core.downloads import DownloadProgress, Reconnecting
from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.job_delegate import (
    JobDelegate,
    download_fraction,
    format_cost,
    format_duration,
    status_line,
)


def test_durations_and_costs_read_naturally() -> None:
    assert format_duration(7.9) == "0:07"
    assert format_duration(75) == "1:15"
    assert format_duration(3725) == "1:02:05"
    assert format_cost(Decimal("47.50")) == "47.5 credits"
    assert format_cost(Decimal("50")) == "50 credits"


def test_a_running_render_shows_elapsed_against_typical_and_overdue() -> None:
    job = make_job(JobState.PROCESSING)
    assert status_line(job, elapsed=12, typical=None, overdue=False, progress=None) == "0:12"
    line = status_line(job, elapsed=13, typical=8, overdue=True, progress=None)
    assert line == "0:13 · typically 0:08 · taking longer than usual"


def test_a_download_shows_bytes_speed_and_time_left() -> None:
    job = make_job(JobState.DOWNLOADING, kind=JobKind.DOWNLOAD)
    progress = DownloadProgress(2_500_000, 5_000_000, 1_250_000.0, 2.0)
    line = status_line(job, elapsed=2, typical=None, overdue=False, progress=progress)
    assert line == "2.5 MB of 5.0 MB · 1.2 MB/s · 0:02 left"
    assert download_fraction(job, progress) == 0.5
    assert download_fraction(job, DownloadProgress(10, None, None, None)) is None


def test_a_reconnecting_download_says_so_until_bytes_flow_again() -> None:
    job = make_job(JobState.DOWNLOADING, kind=JobKind.DOWNLOAD)
    model = JobListModel(lambda _job: 5.0)
    model.apply(JobEvent("job_added", job))
    waiting = Reconnecting(attempt=2, limit=5, delay=1.5, reason="the connection closed early")
    model.apply(
        JobEvent(
            "download_progress",
            job,
            progress=DownloadProgress(2_500_000, 5_000_000, None, None, waiting),
        )
    )
    progress = model.progress(job.id)
    line = status_line(job, elapsed=2, typical=None, overdue=False, progress=progress)
    assert line == "Reconnecting, attempt 2 of 5 · 2.5 MB of 5.0 MB"
    model.apply(
        JobEvent(
            "download_progress",
            job,
            progress=DownloadProgress(2_600_000, 5_000_000, 100_000.0, 24.0),
        )
    )
    progress = model.progress(job.id)
    line = status_line(job, elapsed=3, typical=None, overdue=False, progress=progress)
    assert line == "2.6 MB of 5.0 MB · 100.0 kB/s · 0:24 left"


def test_a_failed_job_shows_its_reason() -> None:
    job = finished(make_job(), JobState.FAILED, failed_reason="Out of GPU capacity")
    assert status_line(job, elapsed=9, typical=8, overdue=False, progress=None) == (
        "Out of GPU capacity"
    )


@pytest.mark.parametrize("state", list(JobState))
@pytest.mark.parametrize("kind", list(JobKind))
def test_every_state_and_kind_paints(qtbot: QtBot, state: JobState, kind: JobKind) -> None:
    job = make_job(state, kind=kind, execution_cost=Decimal("47.5"), failed_reason="boom")
    model = JobListModel(lambda _job: 5.0)
    model.set_jobs([job])
    model.set_typical_duration(kind, 3.0)
    if state is JobState.DOWNLOADING:
        model.apply(JobEvent("download_progress", job, progress=DownloadProgress(5, 10, 1.0, 5.0)))
    view = QListView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = JobDelegate(view)
    delegate.phase = 0.4
    view.setItemDelegate(delegate)
    view.resize(520, 120)
    view.show()
    image = view.viewport().grab().toImage()
    background = image.pixelColor(image.width() - 2, image.height() - 2)
    # Something was drawn in the first row: the icon and the chip differ from the background.
    assert any(image.pixelColor(x, y) != background for x in range(0, 300, 3) for y in range(40))
