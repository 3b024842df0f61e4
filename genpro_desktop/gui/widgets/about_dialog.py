"""Help > About: the app's version, the Qt/PySide6/Python it runs on, and where its files are.

Everything shown is also in one plain-text block with a **Copy** button, so a user can paste it
into a bug report. The API key is never part of it (the dialog does not know it).
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import genpro_desktop
from genpro_desktop.core.paths import AppPaths, app_paths

APP_TITLE = "GEN Desktop"
DOCS_URL = "https://api.gen.pro"


@dataclass(frozen=True, slots=True)
class AboutInfo:
    """What the About dialog shows."""

    version: str
    qt_version: str
    pyside_version: str
    python_version: str
    platform: str
    data_dir: str
    log_dir: str
    docs_url: str = DOCS_URL

    def as_text(self) -> str:
        """The details as plain text, one `name: value` per line (what Copy puts on the
        clipboard)."""
        return "\n".join(
            [
                f"{APP_TITLE} {self.version}",
                f"Qt: {self.qt_version}",
                f"PySide6: {self.pyside_version}",
                f"Python: {self.python_version}",
                f"Platform: {self.platform}",
                f"Data folder: {self.data_dir}",
                f"Log folder: {self.log_dir}",
                f"Documentation: {self.docs_url}",
            ]
        )


def collect_about_info(paths: AppPaths | None = None) -> AboutInfo:
    """Gather the versions of this run and the app's folders (`paths`, else the defaults)."""
    folders = paths or app_paths()
    frozen = " (bundled)" if getattr(sys, "frozen", False) else ""
    return AboutInfo(
        version=genpro_desktop.__version__,  # looked up now, not when the window is built
        qt_version=qVersion(),
        pyside_version=PySide6.__version__,
        python_version=f"{platform.python_version()}{frozen}",
        platform=platform.platform(terse=True),
        data_dir=str(folders.data_dir),
        log_dir=str(folders.log_dir),
    )


class AboutDialog(QDialog):
    """Name and version in large type, the details in a copyable box, a link to the docs."""

    def __init__(self, info: AboutInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        self.setWindowTitle(f"About {APP_TITLE}")
        self.setObjectName("aboutDialog")
        self.setMinimumWidth(480)

        self.title_label = QLabel(f"<h2>{APP_TITLE}</h2>")
        self.version_label = QLabel(f"Version {info.version}")
        self.version_label.setObjectName("aboutVersion")
        self.version_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        summary = QLabel(
            "Render, preview and publish GEN Auto Content Engine videos. "
            f'GEN API documentation: <a href="{info.docs_url}">{info.docs_url}</a>'
        )
        summary.setWordWrap(True)
        summary.setOpenExternalLinks(True)

        self.details = QPlainTextEdit(info.as_text())
        self.details.setObjectName("aboutDetails")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 10)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("aboutCopyButton")
        self.copy_button.setToolTip("Copy these details, for a bug report")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.version_label)
        layout.addWidget(summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        """Put the plain-text details on the clipboard."""
        QApplication.clipboard().setText(self.info.as_text())
