"""Issue 18 in the window, over the simulator: the pinned final-video column, GEN's existing
takes with Preview / Download / Publish that need no new render, the cost question before every
render, and renders started elsewhere joining the Jobs panel.

Demo data (simulator/seed.py): engine 9101 rows 1-2 have a finished video; 9102 row 2 a failed
render; 9103 row 1 three takes (completed, failed, completed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from guikit import FakePrompts, SimDrivenClock, until
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.widgets.final_video_delegate import FinalVideoDelegate
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import Simulator

MakeApp = Callable[..., Any]


def _parts(app: DesktopApp) -> tuple[MainWindow, Session]:
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    return app.window, app.flow.session


async def _open_engine(app: DesktopApp, engine_id: str) -> None:
    window, session = _parts(app)
    await session.tasks.wait_idle()
    window.browser.select_engine(engine_id)
    await session.tasks.wait_idle()
    assert window.browser.engine_table_model.grid.engine_id == engine_id


async def _click(app: DesktopApp, row: int, action: str, *, wait: bool = True) -> None:
    window, session = _parts(app)
    view = window.browser.final_video_view
    model = window.browser.engine_table_model
    index = model.index(row, model.final_video_column)
    view.scrollTo(index)
    rect = FinalVideoDelegate.action_rect(view.visualRect(index), action)
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if wait:
        await session.tasks.wait_idle()


async def _polled_until(
    clock: SimDrivenClock, predicate: Callable[[], bool], what: str, *, step: float = 0.0
) -> None:
    """Wait for `predicate`, moving both clocks by `step` at each check (0: only the reads due
    now happen, such as an adopted take's first one)."""

    def due_reads_done() -> bool:
        clock.advance(step)
        return predicate()

    await until(due_reads_done, what=what)


def _label(app: DesktopApp, row: int, role: int = Qt.ItemDataRole.DisplayRole) -> str:
    model = _parts(app)[0].browser.engine_table_model
    return str(model.index(row, model.final_video_column).data(role))


async def test_the_final_video_column_stays_in_sight_at_1280_and_1440_wide(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app, "9101")
    browser = window.browser
    pinned = browser.final_video_view
    final = browser.engine_table_model.final_video_column
    assert browser.engine_table_view.isColumnHidden(final)
    for width, height in ((1280, 800), (1440, 900), (1000, 700)):
        window.resize(width, height)
        QTest.qWait(0)
        assert pinned.isVisible()
        right = pinned.mapTo(window, QPoint(pinned.width(), 0)).x()
        assert right <= window.width(), f"the final-video column ends inside {width} px"
        cell = pinned.visualRect(browser.engine_table_model.index(0, final))
        assert cell.isValid()
        assert cell.right() <= pinned.viewport().width()
        # Scrolling the other columns sideways leaves it where it is.
        browser.engine_table_view.horizontalScrollBar().setValue(10_000)
        assert pinned.visualRect(browser.engine_table_model.index(0, final)) == cell


async def test_cells_say_what_gen_has_in_words_with_every_take_and_a_failure_reason(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app, "9103")
    first = _label(app, 0)
    assert first.startswith("Rendered ")
    assert " ago · 47.5 credits" in first
    assert "3 takes" in first
    assert "[video]" not in first
    assert "(completed)" not in first
    tooltip = _label(app, 0, Qt.ItemDataRole.ToolTipRole)
    assert "Take 2: Render failed" in tooltip
    assert "Cell " not in tooltip
    assert _label(app, 1) == "Not rendered yet"
    # The VIDEO column shows its layers.
    model = window.browser.engine_table_model
    video = next(i for i, c in enumerate(model.grid.columns) if c.title == "VIDEO")
    assert "layers:" in str(model.index(0, video).data())

    await _open_engine(app, "9102")
    assert _label(app, 1).startswith("Render failed ")
    assert ": " in _label(app, 1).split("\n")[0]  # the reason GEN gave


async def test_download_and_publish_an_existing_video_without_a_new_render(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app, "9103")
    model = window.browser.engine_table_model
    renders = model.row_renders(0)
    assert renders is not None
    videos = [t for t in renders.takes if t.has_video]
    assert len(videos) == 2
    # The user picks the older finished take to post.
    model.choose_take(0, videos[1].generation_id)
    credits = window.account_bar.credits_label.text()

    await _click(app, 0, "download", wait=False)
    jobs = window.jobs_panel.model
    await _polled_until(
        tracker_clock,
        lambda: any(j.kind is JobKind.DOWNLOAD for j in jobs.jobs()),
        "the download of the existing take",
    )
    await session.tasks.wait_idle()
    adopted = [j for j in jobs.jobs() if j.kind is JobKind.RENDER]
    assert [j.remote_id for j in adopted] == [videos[1].generation_id]
    assert window.jobs_panel.current_job() is not None

    await _click(app, 0, "publish", wait=False)
    preview = app.preview
    assert preview is not None
    await _polled_until(tracker_clock, lambda: preview.dialog is not None, "the publish dialog")
    assert preview.dialog is not None
    preview.dialog.reject()
    await session.tasks.wait_idle()
    # Still one job for that take (no double tracking), nothing rendered, nothing charged.
    assert [j.remote_id for j in jobs.jobs() if j.kind is JobKind.RENDER] == [
        videos[1].generation_id
    ]
    assert sim.journal.count("POST", r"/render$") == 0
    assert window.account_bar.credits_label.text() == credits


async def test_render_shows_its_cost_first_and_asks_again_over_an_existing_video(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts, sim: Simulator
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app, "9101")
    prompts.answer = False
    await _click(app, 0, "render")
    title, text, details = prompts.asked[-1]
    assert title == "Render again"
    assert text.startswith("This row already has a final video from ")
    assert text.endswith("Render again for about 50 credits?")
    assert "GEN's documented price" in details
    await _click(app, 2, "render")
    assert prompts.asked[-1][1] == "Render row 3 for about 50 credits (GEN's documented price)?"
    assert sim.journal.count("POST", r"/render$") == 0
    assert window.jobs_panel.model.rowCount() == 0


async def test_a_render_started_elsewhere_joins_the_jobs_panel_once(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app, "9101")
    watcher = _parts(app)[1].services.render_watcher
    assert watcher.running
    assert watcher.engines == ["9101"]
    generation = sim.state.start_render_elsewhere(9101, 4)
    jobs = window.jobs_panel.model
    tracker_clock.advance(61)
    await until(
        lambda: any(j.remote_id == str(generation) for j in jobs.jobs()),
        jobs.rowsInserted,
        what="the render started elsewhere in the Jobs panel",
    )
    await _polled_until(
        tracker_clock,
        lambda: any(
            j.remote_id == str(generation) and j.state is JobState.COMPLETED for j in jobs.jobs()
        ),
        "it to be tracked to completion",
        step=5.0,
    )
    assert [j.remote_id for j in jobs.jobs()].count(str(generation)) == 1
    assert sim.journal.count("POST", r"/render$") == 0


async def test_selecting_a_row_shows_its_video_and_details(
    make_app: MakeApp, signed_in: object, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app, "9101")
    browser = window.browser
    model = browser.engine_table_model
    await _click(app, 0, "preview", wait=False)
    jobs = window.jobs_panel.model
    await _polled_until(
        tracker_clock,
        lambda: any(j.kind is JobKind.RENDER and j.output_url for j in jobs.jobs()),
        "the previewed take in the Jobs panel",
    )
    await session.tasks.wait_idle()
    take = model.chosen_take(0)
    assert take is not None
    window.jobs_panel.list_view.clearSelection()
    window.jobs_panel.list_view.setCurrentIndex(jobs.index(-1))
    browser.engine_table_view.selectRow(2)
    browser.engine_table_view.selectRow(0)
    current = window.jobs_panel.current_job()
    assert current is not None
    assert current.remote_id == take.generation_id
    assert app.preview is not None
    assert app.preview.current_render() == current

    browser.row_detail_button.setChecked(True)
    detail = browser.row_detail.toPlainText()
    assert "Row 1" in detail
    assert "Layers:" in detail
    assert "Rendered " in detail
    text_1 = model.grid_row(0).cells[0].value
    assert text_1 is not None
    assert text_1 in detail


async def test_spend_limits_and_the_no_question_threshold_from_settings(
    make_app: MakeApp, signed_in: object, prompts: FakePrompts, sim: Simulator
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    store = app.prefs_store
    assert store is not None
    await _open_engine(app, "9101")
    browser = window.browser
    renders_sent = lambda: sim.journal.count("POST", r"/render$")  # noqa: E731

    # A batch over the per-batch limit is refused before anything is asked or sent.
    store.save(replace(store.load(), batch_limit=120.0))
    browser.select_rows([2, 3, 4])
    browser.render_selected_button.click()
    await session.tasks.wait_idle()
    assert prompts.asked == []
    assert renders_sent() == 0
    assert "over your limit of 120 credits per batch" in window.statusBar().currentMessage()

    # Below the threshold a single render starts without a question (the cost is still shown).
    store.save(replace(store.load(), batch_limit=0.0, confirm_below=60.0, daily_limit=80.0))
    await _click(app, 2, "render")
    assert prompts.asked == []
    assert renders_sent() == 1
    assert "about 50 credits" in window.statusBar().currentMessage()

    # The day's limit counts what today's renders cost: a second one would pass 80.
    await _click(app, 3, "render")
    assert renders_sent() == 1
    assert "daily limit of 80 credits" in window.statusBar().currentMessage()

    # Over an existing video the render-again question is always asked.
    store.save(replace(store.load(), daily_limit=0.0))
    prompts.answer = False
    await _click(app, 0, "render")
    assert prompts.asked[-1][1].startswith("This row already has a final video from ")
    assert renders_sent() == 1


async def test_rows_filter_and_sort_by_render_state(make_app: MakeApp, signed_in: object) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    await _open_engine(app, "9102")  # row 1 rendered, row 2 failed, rows 3-4 not rendered
    browser = window.browser
    view = browser.final_video_view
    browser.state_filter.setCurrentIndex(browser.state_filter.findData("failed"))
    assert [r for r in range(4) if not view.isRowHidden(r)] == [1]
    assert [r for r in range(4) if not browser.engine_table_view.isRowHidden(r)] == [1]
    browser.state_filter.setCurrentIndex(0)
    assert not any(view.isRowHidden(r) for r in range(4))
    browser.state_sort.setChecked(True)
    header = view.verticalHeader()
    assert [header.logicalIndex(v) for v in range(4)] == [1, 0, 2, 3]
    main = browser.engine_table_view.verticalHeader()
    assert [main.logicalIndex(v) for v in range(4)] == [1, 0, 2, 3]
