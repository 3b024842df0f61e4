"""Issues 18 and 19 in the window, over the simulator: a running render counts its time in its
final-video cell ("Rendering 0:42 of ~1:10"), the real charge and the refreshed balance show
once it finishes (one balance read for a batch), and the batch confirmation names the rows, the
cost, the balance after and the rows that already have a video.

Demo data (simulator/seed.py): engine 9101 ("TikTok Talking Avatar") rows 1-2 have a finished
video, rows 3-5 none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guikit import FakePrompts, SimDrivenClock, until
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtTest import QTest

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.models.engine_table_model import TICK_MS, EngineTableModel
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.widgets.final_video_delegate import FinalVideoDelegate
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import RENDER_COST, Simulator

MakeApp = Callable[..., Any]
BALANCE_ROUTE = r"/organizations/"


def _parts(app: DesktopApp) -> tuple[MainWindow, Session]:
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    return app.window, app.flow.session


async def _open_engine(app: DesktopApp, engine_id: str) -> EngineTableModel:
    window, session = _parts(app)
    await session.tasks.wait_idle()
    window.browser.select_engine(engine_id)
    await session.tasks.wait_idle()
    model = window.browser.engine_table_model
    assert model.grid.engine_id == engine_id
    return model


async def _render_row(app: DesktopApp, row: int) -> None:
    window, session = _parts(app)
    view = window.browser.final_video_view
    model = window.browser.engine_table_model
    index = model.index(row, model.final_video_column)
    view.scrollTo(index)
    rect = FinalVideoDelegate.action_rect(view.visualRect(index), "render")
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    await session.tasks.wait_idle()


def _label(model: EngineTableModel, row: int) -> str:
    return str(model.index(row, model.final_video_column).data())


def _renders(app: DesktopApp) -> list[LocalJob]:
    return [j for j in _parts(app)[0].jobs_panel.model.jobs() if j.kind is JobKind.RENDER]


async def test_a_running_render_counts_its_time_in_its_cell_and_only_that_cell_ticks(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    model = await _open_engine(app, "9101")
    assert not model.ticking  # nothing running: no timer at all
    sim.state.script_render(pending_s=2, done_s=600)
    await _render_row(app, 2)
    await until(lambda: _label(model, 2).startswith("Rendering 0:00"), what="the render's clock")
    # No history of renders yet: GEN's documented 30-120 s.
    assert _label(model, 2) == "Rendering 0:00 (usually 0:30-2:00)"
    assert model.ticking
    assert model.running_rows() == [2]

    model.set_typical_render(70.0)  # what the history would say after a few renders
    tracker_clock.advance(42)
    changed: list[tuple[int, int]] = []

    def record(
        top: QModelIndex | QPersistentModelIndex,
        bottom: QModelIndex | QPersistentModelIndex,
        roles: list[int] | None = None,
    ) -> None:
        del roles
        changed.append((top.row(), top.column()))
        assert bottom == top

    model.dataChanged.connect(record)
    try:
        model.tick()  # what the once-a-second timer does
    finally:
        model.dataChanged.disconnect(record)
    # Only the running render's cell is repainted: no reset, no other cell.
    assert changed == [(2, model.final_video_column)]
    assert _label(model, 2) == "Rendering 0:42 of ~1:10"
    assert _parts(app)[0].browser.final_video_view.isVisible()

    tracker_clock.advance(50)
    assert _label(model, 2) == "Rendering 1:32, longer than usual (~1:10)"

    # The timer ticks once a second while a render runs and stops when none does.
    assert TICK_MS == 1000
    tracker_clock.advance(600)
    await until(lambda: not model.running_rows(), what="the render to finish")
    assert not model.ticking
    await _parts(app)[1].tasks.wait_idle()  # the grid reloads the engine with the new take
    assert _label(model, 2).startswith("Rendered ")


async def test_a_render_started_elsewhere_counts_from_gens_start_on_its_row(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    model = await _open_engine(app, "9101")
    session = _parts(app)[1]
    generation = sim.state.start_render_elsewhere(9101, 4)  # runs 8 s on GEN
    tracker_clock.advance(5)
    adopted = (await session.services.render_watcher.scan()).adopted  # noticed 5 s in
    assert [j.remote_id for j in adopted] == [str(generation)]
    assert adopted[0].engine_id == "9101"
    assert adopted[0].cell_id == model.grid_row(3).final_video_cell_id
    await until(lambda: _label(model, 3).startswith("Rendering"), what="the clock on row 4")
    await session.tasks.wait_idle()  # the engine read again: GEN's take and its start
    # Counted from GEN's start, not from when the app noticed it (that would say 0:00).
    assert _label(model, 3) == "Rendering 0:05 (usually 0:30-2:00)"
    assert model.running_rows() == [3]


async def test_after_completion_the_charge_and_the_refreshed_balance_show(
    make_app: MakeApp, signed_in: object, sim: Simulator, tracker_clock: SimDrivenClock
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    model = await _open_engine(app, "9101")
    await _render_row(app, 2)
    reads_before = sim.journal.count("GET", BALANCE_ROUTE)

    def finished() -> bool:
        tracker_clock.advance(5)
        return any(j.state is JobState.COMPLETED for j in _renders(app))

    await until(finished, what="the render to complete")
    await session.tasks.wait_idle()
    balance = sim.state.balance()
    shown = format(balance.normalize(), "f")
    message = window.statusBar().currentMessage()
    assert f"charged {RENDER_COST} credits (reserved ~50) · balance {shown} credits" in message
    assert shown in window.account_bar.credits_label.text()
    assert "charged 47.5 when it finished (2.5 given back)" in (
        window.account_bar.credits_label.toolTip()
    )
    assert sim.journal.count("GET", BALANCE_ROUTE) == reads_before + 1
    job = next(j for j in _renders(app) if j.state is JobState.COMPLETED)
    window.jobs_panel.select_job(job.id)
    details = window.jobs_panel.detail_label.text()
    assert "Credits: GEN reserved ~50 credits when the render started and charged 47.5" in details
    assert _label(model, 2).startswith("Rendered ")


async def test_a_batch_finishing_together_reads_the_balance_once(
    make_app: MakeApp,
    signed_in: object,
    sim: Simulator,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app, "9101")
    window.browser.select_rows([2, 3, 4])
    window.browser.render_selected_button.click()
    await session.tasks.wait_idle()
    assert prompts.asked[-1][0] == "Render selected rows"
    assert len(_renders(app)) == 3
    reads_before = sim.journal.count("GET", BALANCE_ROUTE)
    tracker_clock.advance(30)  # all three are done by now; their next reads see it together

    await until(
        lambda: sum(j.state is JobState.COMPLETED for j in _renders(app)) == 3,
        window.jobs_panel.model.dataChanged,
        what="the batch to complete",
    )
    await session.tasks.wait_idle()
    reads = sim.journal.count("GET", BALANCE_ROUTE) - reads_before
    assert 1 <= reads <= 2, f"{reads} balance reads for a batch of 3"
    shown = format(sim.state.balance().normalize(), "f")
    message = window.statusBar().currentMessage()
    assert message.endswith(f"· balance {shown} credits")
    assert "charged" in message


async def test_the_batch_confirmation_names_rows_cost_balance_after_and_existing_videos(
    make_app: MakeApp, signed_in: object, sim: Simulator, prompts: FakePrompts
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await _open_engine(app, "9101")
    balance = sim.state.balance()
    prompts.answer = False
    window.browser.select_rows([0, 1, 2])
    window.browser.render_selected_button.click()
    await session.tasks.wait_idle()
    title, text, details = prompts.asked[-1]
    assert title == "Render selected rows"
    assert text == "Render 3 videos of TikTok Talking Avatar: rows 1, 2 and 3?"
    assert "Expected cost: about 150 credits for 3 renders (50 each, GEN's documented price)." in (
        details
    )
    after = format((balance - 150).normalize(), "f")
    now = format(balance.normalize(), "f")
    assert f"Balance after: about {after} credits (now {now})." in details
    assert "Warning: 2 of these rows already have a final video (rows 1 and 2)" in details
    assert sim.journal.count("POST", r"/render$") == 0
    assert _renders(app) == []
