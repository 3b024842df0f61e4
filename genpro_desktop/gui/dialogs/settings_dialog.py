"""Settings: download folder, auto-download, sheet path prefix, API base URL, theme.

A form over `Preferences`: `load(prefs)` fills it, `preferences()` reads it back, and the OK
button stays disabled while the base URL is not https (or http on this computer).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.session_config import Resolved, Source
from genpro_desktop.gui.preferences import PATH_PREFIXES, THEMES, Preferences, check_base_url
from genpro_desktop.gui.theme import error_style
from genpro_desktop.gui.widgets.spend_limits import SpendLimitsBox

EffectiveUrl = Callable[[str], Resolved[str]]
"""The API address a session would use with this base-URL setting, and where it comes from."""

_PREFIX_LABELS = {
    "auto": "Automatic (vidsheet, then autocontentengine)",
    "vidsheet": "vidsheet",
    "autocontentengine": "autocontentengine (older servers)",
}


class SettingsDialog(QDialog):
    """Edits the app's preferences; never the API key (that lives in the keyring)."""

    def __init__(
        self,
        prefs: Preferences,
        parent: QWidget | None = None,
        *,
        effective_url: EffectiveUrl | None = None,
    ) -> None:
        super().__init__(parent)
        self._effective_url = effective_url
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        self.setMinimumWidth(520)

        self.download_dir_edit = QLineEdit()
        self.download_dir_edit.setObjectName("downloadDirEdit")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.download_dir_edit, 1)
        folder_row.addWidget(browse)
        self.auto_download_box = QCheckBox("Download each video as soon as its render completes")
        self.auto_download_box.setObjectName("autoDownloadBox")

        self.theme_combo = QComboBox()
        self.theme_combo.setObjectName("themeCombo")
        for theme in THEMES:
            self.theme_combo.addItem(theme.capitalize(), theme)

        general = QFormLayout()
        general.addRow("Download folder", folder_row)
        general.addRow("", self.auto_download_box)
        general.addRow("Theme", self.theme_combo)

        self.prefix_combo = QComboBox()
        self.prefix_combo.setObjectName("prefixCombo")
        for prefix in PATH_PREFIXES:
            self.prefix_combo.addItem(_PREFIX_LABELS[prefix], prefix)
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setObjectName("baseUrlEdit")
        self.base_url_edit.textChanged.connect(self._on_base_url_changed)
        self.base_url_problem = QLabel()
        self.base_url_problem.setObjectName("baseUrlProblem")
        self.base_url_problem.setWordWrap(True)
        self.base_url_problem.setStyleSheet(error_style())
        self.base_url_problem.setVisible(False)
        advanced_box = QGroupBox("Advanced")
        advanced = QFormLayout(advanced_box)
        advanced.addRow("Sheet path prefix", self.prefix_combo)
        advanced.addRow("API base URL", self.base_url_edit)
        advanced.addRow("", self.base_url_problem)
        self.url_in_use_label = QLabel()
        self.url_in_use_label.setObjectName("urlInUse")
        self.url_in_use_label.setWordWrap(True)
        self.url_in_use_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url_override_label = QLabel()
        self.url_override_label.setObjectName("urlOverride")
        self.url_override_label.setWordWrap(True)
        self.url_override_label.setVisible(False)
        advanced.addRow("In use", self.url_in_use_label)
        advanced.addRow("", self.url_override_label)
        self.url_in_use_label.setVisible(effective_url is not None)
        note = QLabel("Changes to the API address or prefix apply the next time you sign in.")
        note.setWordWrap(True)
        advanced.addRow("", note)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(general)
        self.spend_limits = SpendLimitsBox()
        layout.addWidget(self.spend_limits)
        layout.addWidget(advanced_box)
        layout.addWidget(self.buttons)
        self.load(prefs)

    def load(self, prefs: Preferences) -> None:
        """Show `prefs` in the form."""
        self.download_dir_edit.setText(str(prefs.download_dir))
        self.auto_download_box.setChecked(prefs.auto_download)
        self.theme_combo.setCurrentIndex(max(0, self.theme_combo.findData(prefs.theme)))
        self.prefix_combo.setCurrentIndex(max(0, self.prefix_combo.findData(prefs.path_prefix)))
        self.base_url_edit.setText(prefs.base_url)
        self._show_url_in_use(prefs.base_url.strip())
        self.spend_limits.load(prefs.batch_limit, prefs.daily_limit, prefs.confirm_below)

    def preferences(self) -> Preferences:
        """What the form says now."""
        return Preferences(
            download_dir=Path(self.download_dir_edit.text().strip()).expanduser(),
            auto_download=self.auto_download_box.isChecked(),
            path_prefix=self.prefix_combo.currentData(),
            base_url=self.base_url_edit.text().strip(),
            theme=self.theme_combo.currentData(),
            batch_limit=self.spend_limits.values()[0],
            daily_limit=self.spend_limits.values()[1],
            confirm_below=self.spend_limits.values()[2],
        )

    def _on_base_url_changed(self, text: str) -> None:
        problem = check_base_url(text)
        self.base_url_problem.setText(problem or "")
        self.base_url_problem.setVisible(problem is not None)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        self._show_url_in_use(text.strip())

    def _show_url_in_use(self, setting: str) -> None:
        """The address in use with this setting, where it comes from, and what overrides it."""
        if self._effective_url is None:
            return
        resolved = self._effective_url(setting)
        self.url_in_use_label.setText(f"{resolved.value}\n(from {describe_source(resolved)})")
        overridden = Source.SETTING in resolved.overrides and resolved.source in (
            Source.ENVIRONMENT,
            Source.OPTION,
        )
        if overridden:
            self.url_override_label.setText(
                f"⚠ {describe_source(resolved).capitalize()} overrides the API base URL set "
                "here; "
                + (
                    f"unset {resolved.env_var} to use this setting."
                    if resolved.source is Source.ENVIRONMENT
                    else "start without --base-url to use this setting."
                )
            )
        self.url_override_label.setVisible(overridden)

    def _on_browse(self) -> None:
        # A non-blocking folder picker: `open()` plus a signal, never `exec()`.
        picker = QFileDialog(self, "Download folder", self.download_dir_edit.text())
        picker.setFileMode(QFileDialog.FileMode.Directory)
        picker.setOption(QFileDialog.Option.ShowDirsOnly, True)
        picker.fileSelected.connect(self.download_dir_edit.setText)
        picker.open()


def describe_source(resolved: Resolved[str]) -> str:
    """Where an API address came from, in words."""
    match resolved.source:
        case Source.DEMO:
            return "the demo's built-in simulator"
        case Source.OPTION:
            return "the --base-url command-line option"
        case Source.ENVIRONMENT:
            return f"the environment variable {resolved.env_var}"
        case Source.SETTING:
            return "this setting"
        case _:
            return "the default: GEN's API"
