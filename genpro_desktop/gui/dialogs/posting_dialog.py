"""What the composer and the TikTok-only dialog share: what they post with (`PostingContext`)
and a submit that runs once at a time (clicks, Enter and repeated calls while it runs are
ignored)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QWidget

from genpro_desktop.core.services import AppServices
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.prompts import Prompts


@dataclass(frozen=True)
class PostingContext:
    """The services a post goes through, the user's IANA zone, how to ask, where tasks run,
    and the window the dialog belongs to."""

    services: AppServices
    zone: str
    prompts: Prompts
    tasks: TaskRegistry
    parent: QWidget | None = None


class PostingDialog(QDialog):
    """Base of a posting dialog with a single-flight submit button and Cancel.

    Subclasses call `make_buttons` once, and provide `refresh` (re-run the checks and enable
    the button only when nothing blocks), `_submit` (the work) and `_settle` (after each
    submit, once `submitting` is False again).
    """

    def __init__(self, name: str, title: str, context: PostingContext) -> None:
        super().__init__(context.parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self._services = context.services
        self._zone = context.zone
        self._prompts = context.prompts
        self._tasks = context.tasks
        self._running = False
        self.buttons = QDialogButtonBox()
        self.submit_button = QPushButton()

    def make_buttons(self, label: str, object_name: str) -> QDialogButtonBox:
        """The submit button (`label`, default) and Cancel; returns the button box."""
        self.submit_button = self.buttons.addButton(label, QDialogButtonBox.ButtonRole.ApplyRole)
        self.submit_button.setObjectName(object_name)
        self.submit_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.submit_button.clicked.connect(self.submit)
        return self.buttons

    @property
    def submitting(self) -> bool:
        """True while a submit is running."""
        return self._running

    def submit(self) -> None:
        """Submit unless a submit is running or the checks block it."""
        self.refresh()
        if self._running or not self.submit_button.isEnabled():
            return
        self._running = True
        self.submit_button.setEnabled(False)
        self._tasks.spawn(self._once(), name=self.objectName() or "submit")

    async def _once(self) -> None:
        try:
            await self._submit()
        finally:
            self._running = False
            self._settle()

    def refresh(self) -> None:
        """Re-run the checks; enable the submit button only when nothing blocks."""
        raise NotImplementedError

    async def _submit(self) -> None:
        raise NotImplementedError

    def _settle(self) -> None:
        raise NotImplementedError
