"""The Jobs panel as a queue (issue 19): titles, batches with progress and time left, filters and
search (remembered), compact rows, a post's platform chips, and toasts kept off the panel."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jobkit import T0, finished, make_job, moved
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel, QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.jobs import view as job_view
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.model import PostPlatform
from genpro_desktop.core.jobs.view import JobFilter, KindFilter, StatusFilter
from genpro_desktop.core.paths import AppPaths, app_paths
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import (
    BatchIdRole,
    JobFilterProxy,
    JobListModel,
    RowPaint,
    RowPaintRole,
)
from genpro_desktop.gui.preferences import JobsViewState, PreferenceStore
from genpro_desktop.gui.widgets.job_delegate import (
    BATCH_HEADER_HEIGHT,
    COMPACT_ROW_HEIGHT,
    ROW_HEIGHT,
    platform_chip,
    platform_tooltip,
    starts_batch,
    status_line,
)
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel
from genpro_desktop.gui.widgets.main_window import MainWindow


def row_job(
    row: int,
    state: JobState = JobState.PROCESSING,
    *,
    minutes: float = 0.0,
    engine: tuple[str, str] = ("9101", "Spring launch"),
    batch: str | None = None,
    text: str = "Summer sale on every sneaker",
    **fields: Any,
) -> LocalJob:
    origin = RenderOrigin(engine[1], row, f"{text} {row}", batch_id=batch).fields()
    return make_job(state, minutes=minutes, engine_id=engine[0], **origin, **fields)


def paths(root: Path) -> AppPaths:
    return app_paths({"GENPRO_DATA_DIR": str(root)}).ensure()


def panel_with(qtbot: QtBot, jobs: list[LocalJob], **model_args: Any) -> JobsPanel:
    model = JobListModel(**model_args)
    panel = JobsPanel(model)
    qtbot.addWidget(panel)
    model.set_jobs(jobs)
    panel.resize(900, 500)
    panel.show()
    return panel


def shown_ids(panel: JobsPanel) -> list[str]:
    proxy = panel.proxy
    return [proxy.job_at(proxy.index(row, 0)).id for row in range(proxy.rowCount())]  # type: ignore[union-attr]


# -- titles ----------------------------------------------------------------------------------


def test_rows_say_engine_row_and_text_and_a_posts_platforms(qtbot: QtBot) -> None:
    render = row_job(5, JobState.COMPLETED)
    post = make_job(
        JobState.PROCESSING,
        kind=JobKind.POST,
        minutes=1,
        parent_id=render.id,
        engine_id=None,
        title="TikTok: summer",
        post_platforms=(PostPlatform("tiktok"), PostPlatform("instagram")),
    )
    model = JobListModel()
    model.set_jobs([render, post])
    titles = [model.data(model.index(row)) for row in range(2)]
    assert titles == [
        "Post to TikTok, Instagram · Spring launch · row 5 · “Summer sale on every sneaker 5”",
        "Spring launch · row 5 · “Summer sale on every sneaker 5”",
    ]


# -- batches ---------------------------------------------------------------------------------


def test_a_batch_stays_together_with_one_header_showing_progress_and_time_left(
    qtbot: QtBot,
) -> None:
    elapsed: dict[str, float] = {}
    batch = [row_job(row, minutes=0.01 * row, batch="b1") for row in range(1, 9)]
    # A download started while the batch was being sent sorts between its renders by time.
    stray = make_job(JobState.DOWNLOADING, kind=JobKind.DOWNLOAD, minutes=0.035)
    older = row_job(1, JobState.COMPLETED, minutes=-5)
    for job in [*batch, stray, older]:
        elapsed[job.id] = 60.0
    panel = panel_with(qtbot, [older, *batch, stray], elapsed=lambda j: elapsed[j.id])
    model = panel.model
    model.set_typical_duration(JobKind.RENDER, 300.0)
    ids = shown_ids(panel)
    positions = [ids.index(job.id) for job in batch]
    # Together, in the order they were started (the grid's row order).
    assert positions == list(range(positions[0], positions[0] + 8))
    assert ids[-1] == older.id
    proxy = panel.proxy
    first = proxy.index(positions[0], 0)
    assert starts_batch(first)
    assert not any(starts_batch(proxy.index(p, 0)) for p in positions[1:])
    row = first.data(RowPaintRole)
    assert isinstance(row, RowPaint)
    assert row.batch_title == "Batch of 8 renders · Spring launch"
    assert row.batch is not None
    assert row.batch.summary() == "0 of 8 done · about 4 min left"
    # Three finish (one failed) and the clock moves on: the header follows.
    for job in batch[:2]:
        model.apply(JobEvent("job_finished", finished(job, JobState.COMPLETED)))
    model.apply(JobEvent("job_finished", finished(batch[2], JobState.FAILED)))
    for job_id in elapsed:
        elapsed[job_id] = 200.0
    first = proxy.index(sorted(shown_ids(panel).index(j.id) for j in batch)[0], 0)
    summary = first.data(RowPaintRole).batch.summary()
    assert summary == "3 of 8 done · 1 failed · about 2 min left"
    # The header row is taller by the header; the others are plain rows.
    view = panel.list_view
    assert view.visualRect(first).height() == ROW_HEIGHT + BATCH_HEADER_HEIGHT
    assert view.visualRect(proxy.index(first.row() + 1, 0)).height() == ROW_HEIGHT


def test_a_parked_batch_render_leaves_the_group_for_the_top(qtbot: QtBot) -> None:
    batch = [row_job(row, minutes=0.01 * row, batch="b1") for row in range(1, 4)]
    model = JobListModel()
    model.set_jobs(batch)
    model.apply(JobEvent("job_updated", moved(batch[1], JobState.OUTCOME_UNKNOWN)))
    assert model.job(0).id == batch[1].id
    assert model.data(model.index(0), BatchIdRole) is None  # pinned, not under the header
    assert model.data(model.index(1), BatchIdRole) == "b1"
    assert model.batch_progress("b1").waiting == 1  # type: ignore[union-attr]


# -- filters and search ----------------------------------------------------------------------


def queue_jobs() -> dict[str, LocalJob]:
    render = row_job(1, JobState.PROCESSING, minutes=1)
    return {
        "running": render,
        "done": row_job(2, JobState.COMPLETED, minutes=2),
        "failed": row_job(3, JobState.FAILED, minutes=3, failed_reason="boom"),
        "parked": row_job(4, JobState.NEEDS_ATTENTION, minutes=4),
        "other_engine": row_job(
            1, JobState.COMPLETED, minutes=5, engine=("9202", "Autumn"), text="Rain coats"
        ),
        "download": make_job(
            JobState.DOWNLOADED, kind=JobKind.DOWNLOAD, minutes=6, target_path="/tmp/clip.mp4"
        ),
        "post": make_job(
            JobState.COMPLETED,
            kind=JobKind.POST,
            minutes=7,
            engine_id=None,
            post_platforms=(PostPlatform("youtube", "published", post_url="https://yt/1"),),
        ),
    }


@pytest.mark.parametrize(
    ("job_filter", "expected"),
    [
        (JobFilter(status=StatusFilter.ACTIVE), {"running"}),
        (JobFilter(status=StatusFilter.ATTENTION), {"failed", "parked"}),
        (JobFilter(status=StatusFilter.FINISHED), {"done", "other_engine", "download", "post"}),
        (JobFilter(kind=KindFilter.DOWNLOAD), {"download"}),
        (JobFilter(kind=KindFilter.POST), {"post"}),
        (
            JobFilter(kind=KindFilter.RENDER),
            {"running", "done", "failed", "parked", "other_engine"},
        ),
        (JobFilter(engine_id="9202"), {"other_engine"}),
        (JobFilter(text="rain"), {"other_engine"}),  # the row's text
        (JobFilter(text="autumn"), {"other_engine"}),  # the engine's title
        (JobFilter(text="YouTube"), {"post"}),  # a platform
        (JobFilter(text="clip.mp4"), {"download"}),  # the file
        (JobFilter(status=StatusFilter.FINISHED, engine_id="9101"), {"done", "download"}),
    ],
)
def test_each_filter_and_the_search_show_just_their_jobs(
    qtbot: QtBot, job_filter: JobFilter, expected: set[str]
) -> None:
    jobs = queue_jobs()
    model = JobListModel()
    model.set_jobs(jobs.values())
    proxy = JobFilterProxy(model)
    proxy.set_filter(job_filter)
    shown = {proxy.job_at(proxy.index(row, 0)).id for row in range(proxy.rowCount())}  # type: ignore[union-attr]
    assert shown == {jobs[name].id for name in expected}


def test_search_by_id_and_a_job_that_changes_group_moves_between_filters(qtbot: QtBot) -> None:
    jobs = queue_jobs()
    model = JobListModel()
    model.set_jobs(jobs.values())
    proxy = JobFilterProxy(model)
    proxy.set_filter(JobFilter(text=jobs["done"].id[:7]))
    assert proxy.rowCount() == 1
    proxy.set_filter(JobFilter(status=StatusFilter.ACTIVE))
    assert proxy.rowCount() == 1
    model.apply(JobEvent("job_finished", finished(jobs["running"], JobState.COMPLETED)))
    assert proxy.rowCount() == 0


def test_filtering_a_long_history_reads_each_jobs_search_text_once(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = job_view.search_text

    def counting(job: LocalJob, jobs: Any = job_view.NO_JOBS) -> str:
        calls.append(job.id)
        return real(job, jobs)

    monkeypatch.setattr("genpro_desktop.gui.models.job_list_model.search_text", counting)
    jobs = [row_job(n % 40, JobState.COMPLETED, minutes=n, text=f"clip {n}") for n in range(1500)]
    model = JobListModel()
    model.set_jobs(jobs)
    proxy = JobFilterProxy(model)
    for text in ("clip", "clip 14", "clip 149", "spring"):
        proxy.set_filter(JobFilter(text=text))
    assert proxy.rowCount() == 1500
    assert len(calls) == 1500  # computed once per job, then cached
    model.apply(JobEvent("job_updated", moved(jobs[7], JobState.COMPLETED, title="renamed")))
    proxy.set_filter(JobFilter(text="clip 7"))
    assert len(calls) == 1501  # only the changed job is read again


def test_the_filter_bar_drives_the_list_and_is_remembered(qtbot: QtBot, tmp_path: Path) -> None:
    jobs = queue_jobs()
    panel = panel_with(qtbot, list(jobs.values()))
    qtbot.waitUntil(lambda: panel.engine_combo.count() == 3)  # all, Autumn, Spring launch
    assert [panel.engine_combo.itemText(i) for i in range(3)] == [
        "All engines",
        "Autumn",
        "Spring launch",
    ]
    panel.status_combo.setCurrentIndex(panel.status_combo.findData("attention"))
    assert set(shown_ids(panel)) == {jobs["failed"].id, jobs["parked"].id}
    assert "2 of 7 shown" in panel.shown_label.text()
    panel.search_edit.setText("sneaker 4")
    qtbot.waitUntil(lambda: shown_ids(panel) == [jobs["parked"].id])
    panel.compact_action.setChecked(True)
    store = PreferenceStore(paths(tmp_path))
    store.remember_jobs_view(panel.view_state())
    again = PreferenceStore(paths(tmp_path)).jobs_view()
    assert again == JobsViewState(
        JobFilter(status=StatusFilter.ATTENTION, text="sneaker 4"), compact=True
    )
    fresh = panel_with(qtbot, list(jobs.values()))
    fresh.restore_view_state(again)
    assert shown_ids(fresh) == [jobs["parked"].id]
    assert fresh.delegate.compact
    # Selecting a job the filter hides shows every job again rather than nothing.
    fresh.select_job(jobs["done"].id)
    current = fresh.current_job()
    assert current is not None
    assert current.id == jobs["done"].id
    assert fresh.proxy.job_filter.is_empty


def test_an_unreadable_saved_filter_shows_every_job(tmp_path: Path, qapp: object) -> None:
    store = PreferenceStore(paths(tmp_path))
    store._set("jobs/status", "bogus")
    store._set("jobs/kind", 42)
    assert store.jobs_view() == JobsViewState()


# -- compact rows ----------------------------------------------------------------------------


def test_compact_rows_fit_twice_as_many_jobs(qtbot: QtBot) -> None:
    jobs = [row_job(n, JobState.COMPLETED, minutes=n) for n in range(1, 30)]
    panel = panel_with(qtbot, jobs)
    view = panel.list_view
    index = panel.proxy.index(0, 0)
    assert view.visualRect(index).height() == ROW_HEIGHT
    panel.compact_action.trigger()
    assert view.visualRect(index).height() == COMPACT_ROW_HEIGHT
    assert view.visualRect(panel.proxy.index(1, 0)).top() == COMPACT_ROW_HEIGHT
    assert COMPACT_ROW_HEIGHT * 2 <= ROW_HEIGHT
    image = view.viewport().grab().toImage()  # paints
    assert not image.isNull()


# -- a post's platform chips -----------------------------------------------------------------


def test_post_chips_show_each_platforms_state_open_links_and_explain_failures(
    qtbot: QtBot,
) -> None:
    post = make_job(
        JobState.COMPLETED,
        kind=JobKind.POST,
        post_platforms=(
            PostPlatform("tiktok", "published", post_url="https://tiktok.example/v/1"),
            PostPlatform("youtube", "failed", error="Video too long", failed_step="upload"),
            PostPlatform("instagram", "publishing"),
        ),
    )
    panel = panel_with(qtbot, [post])
    delegate = panel.delegate
    index = panel.proxy.index(0, 0)
    rect = panel.list_view.visualRect(index)
    chips = delegate.chip_rects(post, rect, panel.list_view.font())
    assert [(p.platform, platform_chip(post, p)[0]) for p, _r in chips] == [
        ("tiktok", "published"),
        ("youtube", "failed"),
        ("instagram", "publishing"),
    ]
    assert platform_tooltip(chips[1][0]) == "YouTube failed: Video too long (failed at upload)"
    opened: list[str] = []
    panel.link_activated.connect(opened.append)
    option = QStyleOptionViewItem()
    option.rect = rect
    option.font = panel.list_view.font()

    def click(at: QPointF) -> bool:
        event = QMouseEvent(
            QEvent.Type.MouseButtonRelease,
            at,
            at,
            Qt.MouseButton.LeftButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        return delegate.editorEvent(event, panel.proxy, option, index)

    assert click(chips[0][1].center())
    assert opened == ["https://tiktok.example/v/1"]
    click(chips[1][1].center())  # a failed chip opens nothing
    assert opened == ["https://tiktok.example/v/1"]
    # Compact rows keep the chips, on the job's one line.
    panel.compact_action.trigger()
    rect = panel.list_view.visualRect(index)
    compact = delegate.chip_rects(post, rect, panel.list_view.font())
    assert all(r.bottom() <= rect.bottom() for _p, r in compact)


def test_a_scheduled_post_says_when_with_scheduled_chips(qtbot: QtBot) -> None:
    post = make_job(
        JobState.PROCESSING,
        kind=JobKind.POST,
        scheduled_utc=T0 + timedelta(days=1, hours=2),
        post_platforms=(PostPlatform("tiktok", "accepted"), PostPlatform("x", "accepted")),
    )
    line = status_line(post, elapsed=5.0, typical=None, overdue=False, progress=None)
    assert line.startswith("Scheduled for ")
    assert "2026" in line or "26" in line  # the local date, in the locale's short format
    assert {platform_chip(post, p)[0] for p in post.post_platforms} == {"scheduled"}
    panel = panel_with(qtbot, [post])
    panel.select_job(post.id)
    assert "Scheduled for" in panel.detail_label.text()


# -- toasts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("area", [Qt.DockWidgetArea.BottomDockWidgetArea, "right"])
def test_toasts_never_cover_the_jobs_panel(qtbot: QtBot, area: object) -> None:
    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.show_browser()
    if area == "right":
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.jobs_panel)
    qtbot.waitUntil(lambda: window.jobs_panel.isVisible())
    QApplication.processEvents()
    toasts = [window.toasts.show_toast(f"Render {n} finished") for n in range(3)]
    panel = window.jobs_panel
    panel_rect = panel.geometry()
    panel_rect.moveTopLeft(panel.mapTo(window, QPoint(0, 0)))
    for toast in toasts:
        assert toast.isVisible()
        assert not toast.geometry().intersects(panel_rect), (toast.geometry(), panel_rect)
        assert window.rect().contains(toast.geometry())
    # Hiding the panel gives the corner back.
    panel.setVisible(False)
    QApplication.processEvents()
    assert toasts[-1].geometry().bottom() > panel_rect.top()


@pytest.mark.parametrize("jobs_shown", [True, False])
def test_toasts_never_cover_the_preview_and_its_controls(qtbot: QtBot, jobs_shown: bool) -> None:
    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.set_preview(QLabel("video, then play, scrub, volume, Set as cover, Full screen"))
    window.show_browser()
    window.jobs_panel.setVisible(jobs_shown)
    qtbot.waitUntil(lambda: window.preview_dock.isVisible())
    QApplication.processEvents()
    toasts = [window.toasts.show_toast(f"Render {n} finished") for n in range(3)]
    dock = window.preview_dock
    preview_rect = QRect(dock.mapTo(window, QPoint(0, 0)), dock.size())
    for toast in toasts:
        assert toast.isVisible()
        assert not toast.geometry().intersects(preview_rect), (toast.geometry(), preview_rect)
        assert window.rect().contains(toast.geometry())
    # A floating preview is a window of its own: the corner is the main window's again.
    dock.setFloating(True)
    QApplication.processEvents()
    assert toasts[-1].geometry().right() > preview_rect.left()
