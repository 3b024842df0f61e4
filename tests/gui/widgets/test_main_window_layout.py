"""The browser splitter stays and comes back where the user put it, however Qt lays out."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from genpro_desktop.core.api.types import CreditBalance
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.main_window import MainWindow


def _window(qtbot: QtBot) -> MainWindow:
    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    qtbot.addWidget(window)
    return window


def _open_like_the_app(window: MainWindow) -> None:
    """The order `DesktopApp.start` uses: show, put the preview in, then sign in.

    The grid is as wide as a loaded engine list makes it: wider than the window's first size.
    """
    grid_side = window.browser.splitter.widget(1)
    assert grid_side is not None
    grid_side.setMinimumWidth(800)
    window.show()
    window.set_preview(QLabel("preview"))
    window.show_browser()


def _left(window: MainWindow) -> int:
    return window.browser.splitter.sizes()[0]


def test_the_browser_page_is_laid_out_at_its_final_size_when_it_shows(qtbot: QtBot) -> None:
    window = _window(qtbot)
    _open_like_the_app(window)
    # Signing in shows the docks and the grid, which raise the window's minimum width.
    assert window.width() >= window.minimumSizeHint().width()
    window.browser.splitter.setSizes([333, 2000])
    placed = _left(window)
    # Nothing left for the window system to grow later, so the handle stays where it was put.
    for _ in range(3):
        QApplication.processEvents()
    assert _left(window) == placed


def test_what_arrives_after_sign_in_does_not_widen_the_window_or_move_the_splitter(
    qtbot: QtBot,
) -> None:
    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    qtbot.addWidget(window)
    window.browser.final_video_view.setVisible(False)  # no grid yet
    window.show()
    window.set_preview(QLabel("preview"))
    window.show_browser()
    window.browser.splitter.setSizes([300, 2000])
    minimum, placed = window.minimumSizeHint().width(), _left(window)

    # The account, the engine's name and its grid (with the pinned column) come in later.
    window.account_bar.show_user("someone.with.a.long.name@a-rather-long-workspace-domain.example")
    window.account_bar.show_credits(CreditBalance(generic=Decimal("123456.5"), aura=Decimal(120)))
    window.account_bar.workspace_combo.addItem("The workspace with a very long name indeed")
    window.browser.show_engine_title("An engine whose name is longer than the window is", 500)
    window.browser.final_video_view.setVisible(True)
    for _ in range(3):
        QApplication.processEvents()

    assert window.minimumSizeHint().width() == minimum
    assert _left(window) == placed


def test_a_restored_splitter_is_where_it_was_saved_as_soon_as_the_browser_shows(
    qtbot: QtBot,
) -> None:
    first = _window(qtbot)
    _open_like_the_app(first)
    first.browser.splitter.setSizes([240, 2000])
    saved: dict[str, QByteArray | None] = dict(first.layout_state())
    placed = _left(first)
    first.close()

    second = _window(qtbot)
    second.restore_layout(saved)  # before the window is shown or laid out, as the app does
    _open_like_the_app(second)
    assert _left(second) == placed  # no event loop turn needed
    for _ in range(3):
        QApplication.processEvents()
    assert _left(second) == placed
