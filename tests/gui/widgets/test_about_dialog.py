"""Help > About shows the version from pyproject.toml, the runtime versions and the folders."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import PySide6
import pytest
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from genpro_desktop import __version__
from genpro_desktop.core.paths import DATA_DIR_ENV, app_paths
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.about_dialog import AboutDialog, AboutInfo, collect_about_info
from genpro_desktop.gui.widgets.main_window import MainWindow

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def _pyproject_version() -> str:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]


def test_the_info_carries_the_pyproject_version_and_runtime_versions(tmp_path: Path) -> None:
    info = collect_about_info(app_paths({DATA_DIR_ENV: str(tmp_path)}))
    assert info.version == _pyproject_version() == __version__
    assert info.qt_version == qVersion()
    assert info.pyside_version == PySide6.__version__
    assert info.python_version.startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
    assert info.data_dir == str(tmp_path.resolve() / "data")
    assert info.log_dir == str(tmp_path.resolve() / "logs")


def test_the_dialog_shows_the_version_and_copies_every_detail(qtbot: QtBot, tmp_path: Path) -> None:
    info = collect_about_info(app_paths({DATA_DIR_ENV: str(tmp_path)}))
    dialog = AboutDialog(info)
    qtbot.addWidget(dialog)

    assert dialog.version_label.text() == f"Version {_pyproject_version()}"
    details = dialog.details.toPlainText()
    assert details.splitlines()[0] == f"GEN Desktop {_pyproject_version()}"
    for expected in (f"Qt: {qVersion()}", f"PySide6: {PySide6.__version__}", info.log_dir):
        assert expected in details
    assert dialog.details.isReadOnly()

    QApplication.clipboard().clear()
    dialog.copy_button.click()
    assert QApplication.clipboard().text() == details


def test_help_about_in_the_main_window_opens_the_dialog(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    window = MainWindow(JobListModel(), EngineListModel(), EngineTableModel())
    qtbot.addWidget(window)
    help_menus = [
        menu
        for a in window.menuBar().actions()
        if a.text() == "&Help" and isinstance(menu := a.menu(), QMenu)
    ]
    assert len(help_menus) == 1
    assert window.about_action in help_menus[0].actions()

    window.about_action.trigger()

    dialogs = [d for d in window.findChildren(AboutDialog) if d.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].info.version == __version__
    assert dialogs[0].info.data_dir == str(tmp_path.resolve() / "data")
    dialogs[0].close()


def test_the_text_has_one_line_per_detail() -> None:
    info = AboutInfo("9.8.7", "6.11.3", "6.11.3", "3.11.9", "Linux", "/d", "/l", "https://x")
    assert info.as_text().splitlines() == [
        "GEN Desktop 9.8.7",
        "Qt: 6.11.3",
        "PySide6: 6.11.3",
        "Python: 3.11.9",
        "Platform: Linux",
        "Data folder: /d",
        "Log folder: /l",
        "Documentation: https://x",
    ]
