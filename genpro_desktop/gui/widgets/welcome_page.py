"""The first-run page: sign in with an API key, or try the demo on the built-in simulator."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.gui.theme import app_icon
from genpro_desktop.gui.widgets.sign_in_form import SignInForm


class WelcomePage(QWidget):
    """Two ways in: the key form, or "Try the demo"."""

    demo_requested = Signal()
    retry_keyring_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(56, 56))
        title = QLabel("<h2>Welcome to GEN Desktop</h2>")
        subtitle = QLabel(
            "Render your engines' videos, watch every job, download and publish them."
        )
        subtitle.setWordWrap(True)

        self.form = SignInForm()
        self.notice_label = QLabel()
        self.notice_label.setObjectName("welcomeNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setVisible(False)

        # A locked keyring is not being signed out: say so, offer a retry, hide the empty form.
        self.locked_box = QFrame()
        self.locked_box.setObjectName("keyringLocked")
        self.locked_label = QLabel()
        self.locked_label.setWordWrap(True)
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("retryKeyringButton")
        self.retry_button.setToolTip("Read the saved key again once the keyring is unlocked")
        self.retry_button.clicked.connect(self.retry_keyring_requested)
        self.other_key_button = QPushButton("Use another key")
        self.other_key_button.clicked.connect(lambda: self.show_locked(None))
        locked_buttons = QHBoxLayout()
        locked_buttons.addStretch(1)
        locked_buttons.addWidget(self.other_key_button)
        locked_buttons.addWidget(self.retry_button)
        locked_layout = QVBoxLayout(self.locked_box)
        locked_layout.setContentsMargins(0, 0, 0, 0)
        locked_layout.addWidget(self.locked_label)
        locked_layout.addLayout(locked_buttons)
        self.locked_box.setVisible(False)

        self.demo_button = QPushButton("Try the demo")
        self.demo_button.setObjectName("tryDemoButton")
        self.demo_button.setToolTip(
            "Runs on the built-in GEN simulator: no key, no credits, nothing is posted."
        )
        self.demo_button.clicked.connect(self.demo_requested)
        demo_hint = QLabel("No key yet? Explore everything on a simulated GEN account.")
        demo_hint.setWordWrap(True)

        card = QFrame()
        card.setObjectName("welcomeCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setMaximumWidth(560)
        heading = QHBoxLayout()
        heading.addWidget(icon)
        heading_text = QVBoxLayout()
        heading_text.addWidget(title)
        heading_text.addWidget(subtitle)
        heading.addLayout(heading_text, 1)
        demo_row = QHBoxLayout()
        demo_row.addWidget(demo_hint, 1)
        demo_row.addWidget(self.demo_button)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(28, 24, 28, 24)
        card_layout.setSpacing(14)
        card_layout.addLayout(heading)
        card_layout.addWidget(self.notice_label)
        card_layout.addWidget(self.locked_box)
        card_layout.addWidget(self.form)
        card_layout.addWidget(separator)
        card_layout.addLayout(demo_row)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(card, 3)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(2)
        outer.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def show_notice(self, text: str | None) -> None:
        """A line above the form, e.g. why the saved key could not be used."""
        self.notice_label.setText(text or "")
        self.notice_label.setVisible(bool(text))

    def show_locked(self, problem: str | None) -> None:
        """The saved key cannot be read because the keyring is locked (None: back to the form).

        Says to unlock the keyring and offers Retry instead of the empty sign-in form, which
        would look like having been signed out."""
        locked = problem is not None
        if locked:
            self.locked_label.setText(
                f"<b>Unlock your keyring</b> to sign in with your saved key.<br>{problem}"
            )
            self.show_notice(None)
        self.locked_box.setVisible(locked)
        self.form.setVisible(not locked)
