"""The browser against the simulator: account bar, engines list, grid, thumbnails, add engine."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guikit import until
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap

from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.gui.app import DesktopApp, LaunchOptions
from genpro_desktop.gui.models.engine_list_model import EngineIdRole
from genpro_desktop.gui.models.engine_table_model import (
    THUMBNAIL_SIZE,
    IsFinalVideoRole,
    ThumbnailUrlRole,
)
from genpro_desktop.gui.session import Session
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import DEMO_API_KEY, Simulator

MakeApp = Callable[..., Any]


def _parts(app: DesktopApp) -> tuple[MainWindow, Session]:
    assert app.window is not None
    assert app.flow is not None
    assert app.flow.session is not None
    return app.window, app.flow.session


async def test_account_bar_shows_workspace_agent_credits_and_user(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    bar = window.account_bar
    assert bar.workspace_combo.currentText() == "Demo Studio"
    assert bar.agent_combo.currentText() == "Demo Creator"
    assert bar.current_agent_id() == "4711"
    assert bar.credits_label.text() == "Credits: 500  ·  Aura: 120"
    assert bar.user_label.text() == "Signed in as Demo User"


async def test_engines_are_listed_filtered_and_the_first_one_opened(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await session.tasks.wait_idle()
    browser = window.browser
    titles = [
        browser.engine_list_model.data(browser.engine_list_model.index(row))
        for row in range(browser.engine_list_model.rowCount())
    ]
    assert titles == ["TikTok Talking Avatar", "TikTok Montage", "TikTok VO B-roll"]
    table = browser.engine_table_model
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    assert headers == ["TEXT 1", "TEXT 2", "PROMPT", "VIDEO", "FINAL VIDEO", "STATS"]
    final = table.final_video_column
    assert headers[final] == "FINAL VIDEO"
    assert table.index(0, final).data(IsFinalVideoRole)
    assert table.index(0, final).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert table.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "TikTok Talking Avatar" in browser.engine_title.text()
    browser.filter_edit.setText("montage")
    assert browser.engine_list_view.model().rowCount() == 1
    assert not browser.engines_note.isVisible()


async def test_thumbnails_load_lazily_without_the_key_and_are_cached_on_disk(
    make_app: MakeApp, signed_in: object, sim: Simulator, isolated_data_dir: Path
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await session.tasks.wait_idle()
    table = window.browser.engine_table_model
    index = table.index(0, table.final_video_column)
    url = index.data(ThumbnailUrlRole)
    assert url is not None
    assert "/thumbnails/" in url
    await until(
        lambda: isinstance(index.data(Qt.ItemDataRole.DecorationRole), QPixmap),
        table.dataChanged,
        what="the thumbnail",
    )
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert not pixmap.isNull()
    # Big enough to recognise the video (issue 18: it was about 20x34 px), within the cell.
    assert 48 <= pixmap.height() <= THUMBNAIL_SIZE.height()
    cdn = [e for e in sim.journal.requests if "/thumbnails/" in e.path]
    assert cdn
    assert not any(entry.had_api_key for entry in cdn)
    cached = list((isolated_data_dir / "cache" / "thumbnails").glob("*.img"))
    assert cached
    assert session.thumbnails.path_for(url) in cached


async def test_refresh_keeps_the_selection_and_scroll_position(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window, session = _parts(app)
    await session.tasks.wait_idle()
    browser = window.browser
    browser.select_rows([1, 3])
    view = browser.engine_table_view
    view.verticalHeader().setDefaultSectionSize(400)  # tall rows: the grid must scroll
    view.updateGeometries()
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    scroll = view.verticalScrollBar().value()
    assert scroll > 0
    browser.refresh_action.trigger()
    await session.tasks.wait_idle()
    assert browser.selected_rows() == [1, 3]
    assert view.verticalScrollBar().value() == scroll


async def test_without_a_list_route_the_setup_engine_and_added_engines_are_listed(
    make_app: MakeApp, signed_in: MemoryCredentialStore, sim_clock: Any
) -> None:
    with Simulator(list_route=False, clock=sim_clock) as no_list:
        app: DesktopApp = await make_app(options=LaunchOptions(base_url=no_list.base_url))
        window, session = _parts(app)
        browser = window.browser
        model = browser.engine_list_model
        assert model.rowCount() == 1
        assert model.data(model.index(0), EngineIdRole) == "9101"
        assert browser.engines_note.isVisible()
        assert "setup engine" in browser.engines_note.text()

        browser.add_engine_edit.setText("https://gen.pro/4711/engines/9103?tab=sheet")
        browser.add_engine_edit.returnPressed.emit()
        await session.tasks.wait_idle()
        assert [model.data(model.index(r), EngineIdRole) for r in range(model.rowCount())] == [
            "9101",
            "9103",
        ]
        assert browser.current_engine_id() == "9103"
        assert await session.services.store.saved_engines("4711") == ["9103"]

        browser.add_engine_edit.setText("not an engine")
        browser.add_engine_edit.returnPressed.emit()
        await session.tasks.wait_idle()
        assert "Not an engine ID" in window.toasts.toasts[-1].text
        await app.aclose()


async def test_a_rejected_saved_key_asks_to_sign_in_again_without_showing_the_key(
    make_app: MakeApp, credentials: MemoryCredentialStore
) -> None:
    canary = "gen_pat_canary_wrong_key_123"
    credentials.set(canary)
    app: DesktopApp = await make_app()
    window, _session = _parts(app)
    assert window.banner.isVisible()
    assert "401" in window.banner_label.text() or "key" in window.banner_label.text()
    assert canary not in window.banner_label.text()
    assert canary not in window.statusBar().currentMessage()
    assert window.browser.engine_list_model.rowCount() == 0


async def test_the_api_key_never_reaches_the_settings_file(
    make_app: MakeApp, signed_in: object, isolated_data_dir: Path
) -> None:
    app: DesktopApp = await make_app()
    await app.aclose()
    settings = (isolated_data_dir / "config" / "desktop.ini").read_text(encoding="utf-8")
    assert "geometry" in settings
    assert DEMO_API_KEY not in settings


def test_demo_smoke_run_starts_lists_engines_and_exits_cleanly(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONWARNINGS": "error",
        "GENPRO_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "genpro_desktop", "--demo", "--smoke"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "3 engines listed" in result.stdout
    assert "Task was destroyed" not in result.stderr
    assert "Traceback" not in result.stderr
