"""The caption editor and its hashtag suggestions (a row of flat buttons that add their tag),
shared by the composer and the TikTok-only dialog."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QHBoxLayout, QPlainTextEdit, QPushButton, QWidget


def caption_editor(text: str = "") -> QPlainTextEdit:
    """A caption box: Tab leaves it, at least 90 px high."""
    edit = QPlainTextEdit(text)
    edit.setObjectName("captionEdit")
    edit.setPlaceholderText("What is this video about? #hashtags help people find it")
    edit.setTabChangesFocus(True)
    edit.setMinimumHeight(90)
    return edit


def add_hashtag(edit: QPlainTextEdit, tag: str) -> None:
    """Append `tag` to the caption in `edit` unless it is already there."""
    text = edit.toPlainText()
    if tag.lower() in text.lower().split():
        return
    separator = "" if not text or text.endswith((" ", "\n")) else " "
    edit.setPlainText(f"{text}{separator}{tag}")


class HashtagRow(QWidget):
    """One button per suggested tag; a click adds it to `edit`."""

    def __init__(
        self, tags: Sequence[str], edit: QPlainTextEdit, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.buttons: list[QPushButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for tag in tags:
            button = QPushButton(tag)
            button.setObjectName("hashtagButton")
            button.setFlat(True)
            button.setToolTip(f"Add {tag} to the caption")
            button.clicked.connect(lambda _=False, t=tag: add_hashtag(edit, t))
            self.buttons.append(button)
            layout.addWidget(button)
        layout.addStretch(1)
