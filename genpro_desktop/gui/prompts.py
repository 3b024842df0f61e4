"""Questions that need a decision (modal, awaited without `exec()`); tests swap in a fake."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget

from genpro_desktop.gui.asyncqt import run_dialog


class Prompts(Protocol):
    """Asks the user to decide something."""

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        """True when the user chose `accept`."""
        ...

    async def choose(
        self, title: str, text: str, choices: Sequence[str], *, details: str = ""
    ) -> int | None:
        """The index of the choice the user made among `choices`; None when they cancelled."""
        ...


class DialogPrompts:
    """Prompts as window-modal message boxes over `parent`."""

    def __init__(self, parent: QWidget) -> None:
        self._parent = parent

    def _question(self, name: str, title: str, text: str, details: str) -> QMessageBox:
        """A question box over the parent window, still without its buttons."""
        box = QMessageBox(self._parent)
        box.setObjectName(name)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(title)
        box.setText(text)
        if details:
            box.setInformativeText(details)
        return box

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        """A question with `accept` and Cancel; Cancel is the default button."""
        box = self._question("confirmBox", title, text, details)
        accept_button = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel_button)
        try:
            await run_dialog(box)
            return box.clickedButton() is accept_button
        finally:
            box.deleteLater()

    async def choose(
        self, title: str, text: str, choices: Sequence[str], *, details: str = ""
    ) -> int | None:
        """A question with one button per choice and Cancel; Cancel is the default button."""
        box = self._question("chooseBox", title, text, details)
        buttons = [box.addButton(c, QMessageBox.ButtonRole.AcceptRole) for c in choices]
        cancel_button = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel_button)
        try:
            await run_dialog(box)
            clicked = box.clickedButton()
            return next((i for i, b in enumerate(buttons) if b is clicked), None)
        finally:
            box.deleteLater()
