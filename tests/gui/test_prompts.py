"""The real prompts: a question box over the window, Cancel by default, the clicked answer."""

from __future__ import annotations

import asyncio

from guikit import until
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from genpro_desktop.gui.prompts import DialogPrompts


def _shown_box(parent: QWidget, name: str) -> QMessageBox | None:
    box = parent.findChild(QMessageBox, name)
    return box if box is not None and box.isVisible() else None


def _assert_question(box: QMessageBox, title: str, text: str, details: str) -> None:
    assert box.icon() is QMessageBox.Icon.Question
    assert box.windowTitle() == title
    assert box.text() == text
    assert box.informativeText() == details
    default = box.defaultButton()
    assert default is not None
    assert box.buttonRole(default) is QMessageBox.ButtonRole.RejectRole


async def test_confirm_asks_with_cancel_by_default_and_says_whether_accepted(
    qtbot: QtBot,
) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    prompts = DialogPrompts(window)
    answer = asyncio.ensure_future(
        prompts.confirm("Delete?", "Delete 3 jobs?", accept="Delete", details="Kept on GEN.")
    )
    await until(lambda: _shown_box(window, "confirmBox") is not None, what="the confirm box")
    box = _shown_box(window, "confirmBox")
    assert box is not None
    _assert_question(box, "Delete?", "Delete 3 jobs?", "Kept on GEN.")
    accept = next(b for b in box.buttons() if b.text() == "Delete")
    accept.click()
    assert await answer is True


async def test_choose_asks_with_cancel_by_default_and_says_which_choice(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    prompts = DialogPrompts(window)
    answer = asyncio.ensure_future(prompts.choose("Which?", "Pick a take.", ["First", "Second"]))
    await until(lambda: _shown_box(window, "chooseBox") is not None, what="the choose box")
    box = _shown_box(window, "chooseBox")
    assert box is not None
    _assert_question(box, "Which?", "Pick a take.", "")
    second = next(b for b in box.buttons() if b.text() == "Second")
    second.click()
    assert await answer == 1
