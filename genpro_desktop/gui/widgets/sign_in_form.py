"""The API key form: masked field, how-to hint, "this run only" choice, and room for a problem.

Shared by the welcome page and the "sign in again" dialog. It only collects input and shows
what it is told; checking and saving the key is `core.sign_in`'s job.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.gui.theme import error_style

HOW_TO_GET_A_KEY = (
    "Create a key in GEN: open your agent, then <b>API</b> in the sidebar "
    "(gen.pro/&lt;agent id&gt;/api), or <b>Settings → API Keys</b>. GEN shows a new key once, "
    "so copy it right away."
)


class SignInForm(QWidget):
    """Collects an API key; emits `sign_in_requested(key, this_run_only)`."""

    sign_in_requested = Signal(str, bool)
    this_run_only_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKeyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("gen_pat_…")
        self.key_edit.setClearButtonEnabled(True)
        self.key_edit.setAccessibleName("API key")
        # A text button beside the field: a line edit's own actions show only an icon, and
        # without one the toggle was invisible.
        self.reveal_button = QToolButton()
        self.reveal_button.setObjectName("revealKeyButton")
        self.reveal_button.setText("Show")
        self.reveal_button.setCheckable(True)
        self.reveal_button.setToolTip("Show or hide the key")
        self.reveal_button.setAccessibleName("Show the key")
        self.reveal_button.toggled.connect(self._on_reveal_toggled)
        self.key_edit.returnPressed.connect(self._on_submit)

        hint = QLabel(HOW_TO_GET_A_KEY)
        hint.setWordWrap(True)
        hint.setTextFormat(Qt.TextFormat.RichText)
        hint.setObjectName("keyHint")

        self.this_run_only_box = QCheckBox("Use the key for this run only (don't save it)")
        self.this_run_only_box.setToolTip(
            "Keep the key in memory until you quit; nothing is written to disk or the keyring."
        )

        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self._on_submit)

        self.problem_label = QLabel()
        self.problem_label.setObjectName("signInProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.setVisible(False)

        self.run_only_button = QPushButton("Use for this run only")
        self.run_only_button.setObjectName("useForThisRunButton")
        self.run_only_button.setToolTip("Sign in without saving the key anywhere")
        self.run_only_button.setVisible(False)
        self.run_only_button.clicked.connect(self._on_run_only)

        self.busy_label = QLabel("Checking the key with GEN…")
        self.busy_label.setVisible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.busy_label)
        buttons.addStretch(1)
        buttons.addWidget(self.run_only_button)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>API key</b>"))
        key_row = QHBoxLayout()
        key_row.addWidget(self.key_edit, 1)
        key_row.addWidget(self.reveal_button)
        layout.addLayout(key_row)
        layout.addWidget(hint)
        layout.addWidget(self.this_run_only_box)
        layout.addWidget(self.problem_label)
        layout.addLayout(buttons)

    def key(self) -> str:
        """The key as typed, without surrounding spaces."""
        return self.key_edit.text().strip()

    def set_busy(self, busy: bool) -> None:
        """Disable the form while the key is being checked or saved."""
        self.busy_label.setVisible(busy)
        for widget in (
            self.key_edit,
            self.sign_in_button,
            self.this_run_only_box,
            self.run_only_button,
        ):
            widget.setEnabled(not busy)

    def show_problem(self, message: str | None, *, offer_this_run_only: bool = False) -> None:
        """Show why signing in failed (or hide it); optionally offer "use for this run only"."""
        self.problem_label.setText(message or "")
        self.problem_label.setVisible(bool(message))
        self.problem_label.setStyleSheet(error_style() if message else "")
        self.run_only_button.setVisible(offer_this_run_only)

    def reset(self) -> None:
        """Clear the key and any message (after signing in or out)."""
        self.key_edit.clear()
        self.reveal_button.setChecked(False)
        self.this_run_only_box.setChecked(False)
        self.show_problem(None)
        self.set_busy(False)

    def _on_submit(self) -> None:
        if self.sign_in_button.isEnabled():
            self.sign_in_requested.emit(self.key(), self.this_run_only_box.isChecked())

    def _on_run_only(self) -> None:
        self.this_run_only_requested.emit(self.key())

    def _on_reveal_toggled(self, shown: bool) -> None:
        self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        )
        self.reveal_button.setText("Hide" if shown else "Show")
        self.reveal_button.setAccessibleName("Hide the key" if shown else "Show the key")
