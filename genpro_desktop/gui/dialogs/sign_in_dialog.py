"""The "sign in again" dialog: the key form, shown when GEN stops accepting the key."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from genpro_desktop.gui.widgets.sign_in_form import SignInForm


class SignInDialog(QDialog):
    """Collects a new key; the app checks it and closes the dialog when it works."""

    def __init__(self, reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in again")
        self.setMinimumWidth(480)
        explanation = QLabel(
            f"{reason}\n\nTracking is paused; your jobs are safe and resume as soon as you sign "
            "in with a working key."
        )
        explanation.setWordWrap(True)
        self.form = SignInForm()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
