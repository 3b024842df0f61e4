"""The main window's first frame: painted before the rest of the app, then built in place.

`gui/app.py main()` shows the starting window (`gui/first_frame.py`: saved theme and geometry,
title, menu bar, "Starting…") and lets Qt paint it before asyncio, qasync or the widgets are
imported (`test_startup_imports.py` checks that in a fresh interpreter); `DesktopApp.start()`
then builds the pages, docks and menu items into that same window. No second window, and
nothing the user sees moves or changes colour when it is built.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from guikit import FakePrompts, OpenedUrls, SimDrivenClock, until
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QMainWindow

from genpro_desktop.core.credentials import MemoryCredentialStore
from genpro_desktop.core.paths import app_paths
from genpro_desktop.gui import palette
from genpro_desktop.gui.app import DesktopApp, FirstPaint, LaunchOptions
from genpro_desktop.gui.first_frame import FirstFrame
from genpro_desktop.gui.palette import apply_theme, is_dark
from genpro_desktop.gui.preferences import PreferenceStore
from genpro_desktop.gui.widgets.main_window import STARTING_TEXT, MainWindow
from genpro_desktop.simulator import Simulator

MENUS = ["&File", "&View", "&Jobs", "&Render", "&Help"]


@pytest.fixture
def system_theme_after() -> Iterator[None]:
    """A test that switches the theme leaves the app on the system's, as the others expect."""
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        apply_theme(app, "system")


def _menu_titles(window: QMainWindow) -> list[str]:
    return [action.text() for action in window.menuBar().actions()]


def _app(
    sim: Simulator,
    frame: FirstFrame,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> DesktopApp:
    return DesktopApp(
        LaunchOptions(base_url=sim.base_url, agent_id=None),
        credentials=credentials,
        clock=tracker_clock,
        prompts=prompts,
        open_url=opened_urls,
        first_frame=frame,
    )


def _open_frame(data_dir: Path) -> FirstFrame:
    return FirstFrame.open({"GENPRO_DATA_DIR": str(data_dir)}, demo=False)


async def test_the_painted_starting_window_is_the_window_that_stays_and_is_built_in_place(
    sim: Simulator,
    isolated_data_dir: Path,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> None:
    frame = _open_frame(isolated_data_dir)
    window = frame.window
    assert await FirstPaint(window).wait(30)  # painted before any of the app's contents exist
    assert frame.painted
    assert window.isVisible()
    assert not window.built
    assert window.on_starting_page
    assert window.windowTitle() == "GEN Desktop"
    assert window.starting_page.status_label.text() == STARTING_TEXT == "Starting…"
    assert window.centralWidget() is window.starting_page
    assert _menu_titles(window) == MENUS
    menus = [action.menu() for action in window.menuBar().actions()]
    # As on any screen wider than the offscreen test screen's 800 px, where the first size
    # (792 px) is narrower than the built window's pages need, so it grows then.
    window.resize(1000, 700)
    assert await FirstPaint(window).wait(30)
    geometry = window.geometry()
    page_at = window.starting_page.mapTo(window, QPoint(0, 0))
    page_size = window.starting_page.size()
    windows_before = set(QApplication.topLevelWidgets())

    app = _app(sim, frame, credentials, tracker_clock, prompts, opened_urls)
    try:
        await app.start()
        assert app.window is window  # no second window: the painted one was built
        assert window.built
        assert window.isVisible()
        assert window.geometry() == geometry
        # The same menus, now filled, in the same order.
        assert [action.menu() for action in window.menuBar().actions()] == menus
        assert _menu_titles(window) == MENUS
        assert window.settings_action in window.file_menu.actions()
        assert window.history_action in window.jobs_menu.actions()
        assert window.about_action in window.help_menu.actions()
        # No saved key: the flow chose the welcome page, and left "Starting…" behind.
        assert window.on_welcome_page
        assert not window.on_starting_page
        assert window.welcome_page.isVisible()
        assert window.centralWidget() is window.pages
        # The starting page kept its place in the window while it was moved into the pages.
        assert window.pages.widget(2) is window.starting_page
        assert window.pages.mapTo(window, QPoint(0, 0)) == page_at
        assert window.pages.size() == page_size
        new_windows = set(QApplication.topLevelWidgets()) - windows_before
        assert {w for w in new_windows if w.isVisible()} == set()
    finally:
        await app.aclose()


async def test_the_window_stays_on_starting_until_the_session_shows_the_browser(
    sim: Simulator,
    isolated_data_dir: Path,
    signed_in: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> None:
    """Signed in from an earlier run: "Starting…" (never the sign-in form) until the session
    opens on the browser page."""
    frame = _open_frame(isolated_data_dir)
    window = frame.window
    app = _app(sim, frame, signed_in, tracker_clock, prompts, opened_urls)
    pages_seen: list[int] = []
    starting = asyncio.ensure_future(app.start())
    try:
        await until(lambda: window.built, what="the window built")
        window.pages.currentChanged.connect(pages_seen.append)
        assert window.on_starting_page
        assert not window.jobs_panel.isVisible()
        assert not window.preview_dock.isVisible()
        await starting
        assert window.on_browser_page
        assert window.jobs_panel.isVisible()
        assert pages_seen == [1]  # straight from "Starting…" to the browser page
    finally:
        await app.aclose()


async def test_the_first_frame_has_the_saved_geometry_and_the_saved_theme(
    sim: Simulator,
    isolated_data_dir: Path,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
    system_theme_after: None,
) -> None:
    paths = app_paths({"GENPRO_DATA_DIR": str(isolated_data_dir)}).ensure()
    store = PreferenceStore(paths)
    store.save(dataclasses.replace(store.load(), theme="dark"))
    sized = MainWindow()
    sized.setGeometry(QRect(40, 60, 700, 500))  # within the 800 px test screen
    store.save_layout("geometry", sized.saveGeometry())
    store.sync()
    sized.deleteLater()
    app_palette_dark_before = is_dark()

    frame = _open_frame(isolated_data_dir)
    window = frame.window
    assert not app_palette_dark_before
    assert is_dark()  # the palette of the first frame already
    assert frame.theme == "dark"
    assert window.geometry() == QRect(40, 60, 700, 500)
    app = _app(sim, frame, credentials, tracker_clock, prompts, opened_urls)
    try:
        await app.start()
        assert app.preferences is not None
        assert app.preferences.theme == "dark"
        assert is_dark()
        # Where it was; as wide as the built pages need (more than 700 px, Qt's minimum size).
        built = window.geometry()
        assert (built.topLeft(), built.height()) == (QPoint(40, 60), 500)
        assert built.width() == max(700, window.minimumSizeHint().width())
    finally:
        await app.aclose()


async def test_a_window_closed_while_it_was_painted_ends_the_app(
    sim: Simulator,
    isolated_data_dir: Path,
    credentials: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
) -> None:
    """Closed before the app was there to hear it: `run()` still ends (no invisible app)."""
    frame = _open_frame(isolated_data_dir)
    assert await FirstPaint(frame.window).wait(30)
    frame.window.close()
    assert frame.closed_early
    app = _app(sim, frame, credentials, tracker_clock, prompts, opened_urls)
    assert await asyncio.wait_for(app.run(), 60) == 0
    assert app.window is None


def test_the_full_constructor_still_makes_the_whole_window_on_the_welcome_page(
    qapp: object,
) -> None:
    from genpro_desktop.gui.models.engine_list_model import EngineListModel
    from genpro_desktop.gui.models.engine_table_model import EngineTableModel
    from genpro_desktop.gui.models.job_list_model import JobListModel

    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    assert window.built
    assert window.on_welcome_page
    assert _menu_titles(window) == MENUS
    with pytest.raises(RuntimeError):
        window.build(JobListModel(), EngineListModel(), EngineTableModel())
    with pytest.raises(TypeError):
        MainWindow(JobListModel())
    window.deleteLater()


def test_the_app_icon_is_what_draw_app_icon_draws(qapp: object) -> None:
    """The icon is loaded from a PNG kept in `gui/palette.py` (drawing it before the first
    paint costs ~20 ms); this fails when the drawing changes and the PNG was not renewed
    (`python -m genpro_desktop.gui.palette`)."""
    loaded = palette.app_icon().pixmap(64, 64).toImage()
    drawn = palette.draw_app_icon().toImage().convertToFormat(loaded.format())
    assert not loaded.isNull()
    assert loaded.size() == drawn.size()
    assert loaded == drawn


def test_main_waits_for_the_paint_before_any_asyncio_loop_exists(
    qapp: object, isolated_data_dir: Path
) -> None:
    """`main()`'s wait: Qt's own events until the paint, bounded; the window stays unbuilt."""
    frame = _open_frame(isolated_data_dir)
    try:
        assert not frame.painted
        assert frame.wait_for_paint(30)
        assert frame.painted
        assert frame.wait_for_paint(0)  # already painted: at once
        assert not frame.window.built
        assert frame.window.on_starting_page
    finally:
        frame.window.close()
        frame.window.deleteLater()


def test_building_the_window_changes_no_pixel_of_the_first_frame(
    qapp: object, isolated_data_dir: Path
) -> None:
    """The pages, docks and menu items arrive behind "Starting…": the window looks exactly as
    it did in its first frame until a page is shown (no flicker, nothing moves)."""
    from genpro_desktop.gui.models.engine_list_model import EngineListModel
    from genpro_desktop.gui.models.engine_table_model import EngineTableModel
    from genpro_desktop.gui.models.job_list_model import JobListModel

    frame = _open_frame(isolated_data_dir)
    window = frame.window
    try:
        window.resize(1000, 700)
        assert frame.wait_for_paint(30)
        first = window.grab().toImage()
        window.build(JobListModel(), EngineListModel(), EngineTableModel())
        QApplication.processEvents()
        built = window.grab().toImage()
        assert built.size() == first.size()
        assert built == first
        window.show_welcome()
        QApplication.processEvents()
        assert window.grab().toImage() != first  # the check can see a change
    finally:
        window.close()
        window.deleteLater()


async def test_the_built_window_is_painted_before_the_slow_imports(
    sim: Simulator,
    isolated_data_dir: Path,
    signed_in: MemoryCredentialStore,
    tracker_clock: SimDrivenClock,
    prompts: FakePrompts,
    opened_urls: OpenedUrls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After the build the GUI thread imports the session's modules for about a second; the
    window must be painted (still "Starting…") before that, or the screen shows it empty (seen
    under Xvfb: a blank window between "Starting…" and the browser)."""
    frame = _open_frame(isolated_data_dir)
    window = frame.window
    events: list[str] = []
    repaint = MainWindow.repaint

    def recorded(widget: MainWindow, *args: object) -> None:
        if widget is window:
            events.append("painted" if window.on_starting_page else "painted, not starting")
        repaint(widget, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(MainWindow, "repaint", recorded)
    import genpro_desktop.gui.session as session_module

    session_class = session_module.SessionContext

    def seen(*args: object, **kwargs: object) -> object:
        events.append("session")
        return session_class(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(session_module, "SessionContext", seen)
    app = _app(sim, frame, signed_in, tracker_clock, prompts, opened_urls)
    try:
        await app.start()
        assert window.built
        assert "session" in events
        assert events.index("painted") < events.index("session")
    finally:
        await app.aclose()
