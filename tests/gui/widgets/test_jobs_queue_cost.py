"""What one job's change costs the Jobs panel with many jobs listed (issue #20): a change
repaints its row and its batch's header, without measuring every row again, and painting a
batch's rows works out the batch's progress only for its header."""

from __future__ import annotations

from typing import Any

import pytest
from jobkit import make_job, moved
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint
from PySide6.QtGui import QPixmap, QRegion
from PySide6.QtWidgets import QApplication, QStyleOptionViewItem
from pytestqt.qtbot import QtBot
from test_jobs_queue import panel_with, row_job

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.jobs import view as job_view
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.gui.models import job_list_model
from genpro_desktop.gui.models.job_list_model import JobListModel, RowPaintRole
from genpro_desktop.gui.widgets.job_delegate import (
    BATCH_HEADER_HEIGHT,
    COMPACT_ROW_HEIGHT,
    ROW_HEIGHT,
    JobDelegate,
)
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel

_Index = QModelIndex | QPersistentModelIndex


def settle(panel: JobsPanel) -> None:
    """Deliver posted events and run any pending layout of the list now."""
    QApplication.processEvents()
    panel.list_view.executeDelayedItemsLayout()


@pytest.fixture
def measured(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Rows measured by the job delegate (one entry per `sizeHint` call)."""
    calls: list[int] = []
    original = JobDelegate.sizeHint

    def counting(self: JobDelegate, option: QStyleOptionViewItem, index: _Index) -> Any:
        calls.append(index.row())
        return original(self, option, index)

    monkeypatch.setattr(JobDelegate, "sizeHint", counting)
    return calls


def on_screen(panel: JobsPanel) -> set[int]:
    """The list's rows (at least partly) on screen."""
    view = panel.list_view
    return {
        row
        for row in range(panel.proxy.rowCount())
        if view.visualRect(panel.proxy.index(row, 0)).intersects(view.viewport().rect())
    }


def batch_panel(qtbot: QtBot, size: int = 40) -> tuple[JobsPanel, list[Any], Any]:
    renders = [row_job(row, minutes=0.01 * row, batch="b1") for row in range(1, size + 1)]
    download = make_job(JobState.DOWNLOADING, kind=JobKind.DOWNLOAD, minutes=5)
    panel = panel_with(qtbot, [*renders, download])
    settle(panel)
    return panel, renders, download


def test_download_progress_does_not_measure_every_row_again(
    qtbot: QtBot, measured: list[int]
) -> None:
    panel, renders, download = batch_panel(qtbot)
    # Every paint measures the rows it draws; an animation frame landing inside the ticks
    # would count the rows on screen (this test is about what progress alone measures).
    panel._sync_animation = lambda: None  # type: ignore[method-assign]
    panel._animation.stop()
    rows = panel.proxy.rowCount()
    assert rows == len(renders) + 1
    measured.clear()
    for tick in range(10):
        progress = DownloadProgress(tick * 100, 1000, 100.0, 9.0 - tick)
        panel.model.apply(JobEvent("download_progress", download, progress=progress))
        settle(panel)
    # Ten ticks measure the changed row and the one after it (which may start a batch), not
    # all 41 rows ten times.
    row = panel.proxy.index_of(download.id).row()
    assert measured
    assert set(measured) <= {row, row + 1}
    assert panel.model.progress(download.id) == DownloadProgress(900, 1000, 100.0, 0.0)


def test_a_render_change_repaints_its_batch_header_without_measuring_the_batch(
    qtbot: QtBot, measured: list[int]
) -> None:
    panel, renders, _download = batch_panel(qtbot)
    measured.clear()
    changed = renders[:5]
    for render in changed:
        panel.model.apply(JobEvent("job_updated", moved(render, JobState.PROCESSING)))
        settle(panel)
    # Each change measures its row and the next, and painting the rows on screen; the batch's
    # other rows (off screen) are neither measured nor laid out.
    rows = {panel.proxy.index_of(render.id).row() for render in changed}
    assert measured
    assert set(measured) <= rows | {row + 1 for row in rows} | on_screen(panel)
    assert len(on_screen(panel)) < panel.proxy.rowCount() // 2


def test_one_render_change_signals_its_row_and_one_range_for_its_batch(qtbot: QtBot) -> None:
    renders = [row_job(row, minutes=0.01 * row, batch="b1") for row in range(1, 31)]
    model = JobListModel()
    model.set_jobs(renders)
    changed: list[tuple[int, int, list[int]]] = []
    model.dataChanged.connect(
        lambda top, bottom, roles=(): changed.append((top.row(), bottom.row(), list(roles)))
    )
    model.apply(JobEvent("job_updated", moved(renders[4], JobState.PROCESSING)))
    row = model.row_of(renders[4].id)
    rows = sorted(model.row_of(render.id) for render in renders)
    # Its own row, then the batch's header (on whichever of its rows the view shows first).
    assert changed == [(row, row, []), (rows[0], rows[-1], [RowPaintRole])]


def test_a_row_whose_height_changed_is_laid_out_again(qtbot: QtBot) -> None:
    panel, _renders, download = batch_panel(qtbot, size=3)
    view = panel.list_view
    index = panel.proxy.index_of(download.id)
    assert view.visualRect(index).height() == ROW_HEIGHT
    panel.delegate.compact = True  # the rows' height changes behind the view's back
    source = panel.model.index(panel.model.row_of(download.id))
    panel.model.dataChanged.emit(source, source)
    settle(panel)
    assert view.visualRect(index).height() == COMPACT_ROW_HEIGHT


def test_painting_a_batch_works_out_its_progress_for_the_header_only(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    passes = counted_tallies(monkeypatch)
    panel, renders, _download = batch_panel(qtbot)
    view = panel.list_view
    assert len(on_screen(panel)) > 3  # several of the batch's rows are on screen
    header = panel.proxy.index_of(renders[0].id)
    assert view.visualRect(header).height() == ROW_HEIGHT + BATCH_HEADER_HEIGHT
    view.viewport().render(QPixmap(view.viewport().size()))
    # One pass over the batch, for the one header on screen, however often it was painted.
    assert passes == [len(renders)]


def counted_tallies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every pass over a batch's members."""
    passes: list[int] = []
    original = job_view.tally_batch

    def counting(members: Any, *args: Any) -> Any:
        passes.append(len(members))
        return original(members, *args)

    monkeypatch.setattr(job_list_model, "tally_batch", counting)
    return passes


def test_the_animated_header_passes_over_its_batch_once_per_change_not_per_frame(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bars animate 16 times a second while renders run: with 500 renders in a batch, a
    # pass over the batch on every frame cost ~1 ms of each frame.
    panel, renders, _download = batch_panel(qtbot)
    now = {"t": max(job.created_at.timestamp() for job in renders) + 10.0}
    panel.model.set_elapsed_clock(lambda job: now["t"] - job.created_at.timestamp())
    passes = counted_tallies(monkeypatch)
    view = panel.list_view
    for _frame in range(10):
        view.viewport().render(QPixmap(view.viewport().size()))
    assert passes == [len(renders)]
    # The time left still moves with the clock without another pass.
    panel.model.set_typical_duration(JobKind.RENDER, 600.0)
    before = panel.model.batch_progress("b1")
    now["t"] += 120.0
    after = panel.model.batch_progress("b1")
    assert before is not None
    assert after is not None
    assert before.seconds_left is not None
    assert after.seconds_left is not None
    assert before.seconds_left - after.seconds_left == pytest.approx(120.0)
    passes.clear()
    # A member's change is one new pass, and its outcome shows.
    finished = moved(renders[0], JobState.FAILED)
    panel.model.apply(JobEvent("job_finished", finished))
    view.viewport().render(QPixmap(view.viewport().size()))
    progress = panel.model.batch_progress("b1")
    assert passes == [len(renders)]
    assert progress is not None
    assert (progress.done, progress.failed) == (1, 1)
    # The header's title is kept too, and follows a render joining the batch.
    assert panel.model.batch_title("b1").startswith(f"Batch of {len(renders)} renders")
    joined = row_job(len(renders) + 1, minutes=0.5, batch="b1")
    panel.model.apply(JobEvent("job_added", joined))
    assert panel.model.batch_title("b1").startswith(f"Batch of {len(renders) + 1} renders")


@pytest.mark.parametrize("compact", [False, True])
def test_an_animation_frame_repaints_only_the_bars_and_looks_like_a_whole_repaint(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    # 16 frames a second while renders run: a frame repaints the bars alone (no text, no batch
    # header), and the picture it leaves is exactly what a whole repaint would draw.
    panel, renders, _download = batch_panel(qtbot)
    monkeypatch.setattr(panel, "_sync_animation", lambda: None)
    panel._animation.stop()  # the test draws the frames itself
    panel.model.set_elapsed_clock(lambda job: 42.0)  # the rows' texts stay put meanwhile
    panel.delegate.set_compact(compact)
    settle(panel)
    view = panel.list_view
    view.scrollToTop()
    settle(panel)
    viewport = view.viewport()
    assert len(on_screen(panel)) > 3
    screen = QPixmap(viewport.size())
    viewport.render(screen)  # a whole paint: it records where the animated bars are
    headers: list[int] = []
    original = JobDelegate._paint_header

    def counting(self: JobDelegate, *args: Any) -> None:
        headers.append(1)
        original(self, *args)

    monkeypatch.setattr(JobDelegate, "_paint_header", counting)
    for _frame in range(5):
        before = screen.toImage()
        panel._on_animation_tick()
        bars = QRegion(view._bars)
        assert not bars.isEmpty()
        # Only thin strips: down the middle of the list, few of its pixel lines are in them.
        middle = viewport.width() // 2
        covered = sum(1 for y in range(viewport.height()) if bars.contains(QPoint(middle, y)))
        assert 0 < covered < viewport.height() / 4
        # The frame, onto what was there (render() puts the region's corner at the offset).
        viewport.render(screen, bars.boundingRect().topLeft(), bars)
        assert screen.toImage() != before  # the bars did move
    assert headers == []  # the batch header on screen was not drawn again
    whole = QPixmap(viewport.size())
    viewport.render(whole)  # the same phase, everything drawn
    assert headers  # a whole repaint does draw the header
    assert screen.toImage() == whole.toImage()
    assert renders[0].is_active


def test_running_times_stay_current_while_the_bars_animate(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bars-only frames leave the rows' texts alone; every fourth frame repaints the rows whole,
    # so "0:07" moves on at least four times a second (seen stuck at 0:00 in the demo).
    panel, _renders, _download = batch_panel(qtbot)
    monkeypatch.setattr(panel, "_sync_animation", lambda: None)
    panel._animation.stop()
    now = {"t": 7.0}
    panel.model.set_elapsed_clock(lambda job: now["t"])
    settle(panel)
    view = panel.list_view
    viewport = view.viewport()
    screen = QPixmap(viewport.size())
    viewport.render(screen)
    whole: list[bool] = []
    update = type(viewport).update

    def recorded(widget: Any, *args: Any) -> None:
        whole.append(not args)
        update(widget, *args)

    monkeypatch.setattr(type(viewport), "update", recorded)
    for _ in range(8):
        panel._on_animation_tick()
    assert whole.count(True) == 2
    assert whole.count(False) == 6
    # And a whole frame shows the new time.
    now["t"] = 8.0
    before = screen.toImage()
    viewport.render(screen)
    assert screen.toImage() != before
