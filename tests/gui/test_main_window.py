"""The first window: engine list and engine grid fed from the simulator through the core."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from genpro_desktop.core.services import AppServices
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.browser_presenter import BrowserPresenter
from genpro_desktop.gui.models.engine_list_model import EngineIdRole
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import Simulator


def _window(qtbot: QtBot, *, demo: bool = True) -> MainWindow:
    window = MainWindow(demo=demo)
    qtbot.addWidget(window)
    window.show()
    return window


async def test_lists_the_simulator_engines_and_shows_the_demo_badge(
    qtbot: QtBot, services: AppServices, tasks: TaskRegistry, sim: Simulator
) -> None:
    window = _window(qtbot)
    presenter = BrowserPresenter(window, services, tasks)
    await presenter.load()

    model = window.engine_list_model
    titles = [model.data(model.index(row)) for row in range(model.rowCount())]
    expected = await services.client.engines.list()
    assert expected is not None
    assert titles == [summary.title for summary in expected]
    assert model.rowCount() >= 3
    assert window.demo_badge.isVisible()
    assert window.account_label.text().startswith("Signed in as ")
    assert not window.engines_note.isVisible()


async def test_opening_an_engine_fills_the_grid_and_marks_the_final_video_column(
    qtbot: QtBot, services: AppServices, tasks: TaskRegistry
) -> None:
    window = _window(qtbot)
    presenter = BrowserPresenter(window, services, tasks)
    await presenter.load()
    engine_id = window.engine_list_model.data(window.engine_list_model.index(0), EngineIdRole)
    await presenter.open_engine(engine_id)

    table = window.engine_table_model
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    assert headers == ["TEXT 1", "TEXT 2", "PROMPT", "VIDEO", "FINAL VIDEO", "STATS"]
    final = headers.index("FINAL VIDEO")
    assert table.headerData(final, Qt.Orientation.Horizontal, Qt.ItemDataRole.FontRole).bold()
    assert table.data(table.index(0, final), Qt.ItemDataRole.BackgroundRole) is not None
    assert table.data(table.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert table.rowCount() >= 4
    assert all(row.final_video_cell_id for row in table.grid.rows)
    assert table.data(table.index(0, 0))  # TEXT 1 of the first row has text


async def test_selecting_an_engine_in_the_list_loads_it_through_an_owned_task(
    qtbot: QtBot, services: AppServices, tasks: TaskRegistry
) -> None:
    window = _window(qtbot)
    presenter = BrowserPresenter(window, services, tasks)
    await presenter.load()  # selects the first engine, which spawns the open task
    assert tasks.active == 1
    await tasks.aclose()  # cancel or finish: either way nothing is left running
    assert tasks.active == 0


async def test_without_a_list_route_the_setup_engine_is_shown_with_a_note(
    qtbot: QtBot, sim: Simulator, tasks: TaskRegistry
) -> None:
    from genpro_desktop.core.services import build_services
    from genpro_desktop.simulator import DEMO_API_KEY

    with Simulator(list_route=False) as no_list:
        built = build_services(api_key=DEMO_API_KEY, base_url=no_list.base_url, agent_id="4711")
        try:
            window = _window(qtbot)
            await BrowserPresenter(window, built, tasks).load()
            agent = await built.client.agents.get("4711")
        finally:
            await built.aclose()
    model = window.engine_list_model
    assert model.rowCount() == 1
    assert model.data(model.index(0), EngineIdRole) == agent.agent_setup_project_id
    assert window.engines_note.isVisible()
    assert "setup engine" in window.engines_note.text()


async def test_a_rejected_key_is_reported_in_the_status_bar(
    qtbot: QtBot, sim: Simulator, tasks: TaskRegistry
) -> None:
    from genpro_desktop.core.services import build_services

    canary = "gen_pat_canary_wrong_key_123"
    built = build_services(api_key=canary, base_url=sim.base_url, agent_id="4711")
    try:
        window = _window(qtbot)
        await BrowserPresenter(window, built, tasks).load()
    finally:
        await built.aclose()
    message = window.statusBar().currentMessage()
    assert "401" in message or "key" in message.lower()
    assert canary not in message
    assert window.engine_list_model.rowCount() == 0


def test_demo_smoke_run_starts_lists_engines_and_exits_cleanly() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONWARNINGS": "error"}
    result = subprocess.run(
        [sys.executable, "-m", "genpro_desktop", "--demo", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "engines listed" in result.stdout
    assert "Task was destroyed" not in result.stderr
    assert "Traceback" not in result.stderr
