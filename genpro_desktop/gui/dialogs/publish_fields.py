"""The publish dialog's per-platform section: one `PlatformFields` widget per platform.

GEN's legacy `publish_content` job posts to TikTok only (gen-api.md 11.2), so `PLATFORMS` holds
TikTok alone. The schedule API (11.1) reaches more platforms with their own options; each
becomes another `PlatformFields` subclass in `PLATFORMS` once the core can send it, and the
dialog around it stays as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from genpro_desktop.core.publishing import TIKTOK_CAPTION_LIMIT, utf16_length
from genpro_desktop.gui.dialogs.caption_widgets import HashtagRow, add_hashtag, caption_editor


@dataclass(frozen=True)
class PlatformValues:
    """What every platform section hands the dialog."""

    caption: str
    title: str | None
    thumbnail_url: str | None


class PlatformFields(QWidget):
    """Base of a platform's section; `changed` fires on every edit."""

    platform = ""
    label = ""
    changed = Signal()

    def values(self) -> PlatformValues:
        """The section's current values."""
        raise NotImplementedError

    def blocks_submit(self) -> bool:
        """True when a limit the section shows live is broken (the validator also says so)."""
        return False

    def show_issues(self, messages: dict[str, list[tuple[str, bool]]]) -> None:
        """Show validation messages by field name: (text, is_error)."""


class TikTokFields(PlatformFields):
    """Caption with a live UTF-16 counter, hashtag suggestions, title and thumbnail URL."""

    platform = "tiktok"
    label = "TikTok"

    def __init__(
        self, *, thumbnail_url: str | None, hashtags: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.caption_edit = caption_editor()
        self.counter_label = QLabel()
        self.counter_label.setObjectName("captionCounter")
        self.caption_issue = _issue_label("captionIssue")
        self.hashtags = HashtagRow(hashtags, self.caption_edit)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("titleEdit")
        self.title_edit.setPlaceholderText("Optional")
        self.title_issue = _issue_label("titleIssue")
        self.thumbnail_edit = QLineEdit(thumbnail_url or "")
        self.thumbnail_edit.setObjectName("thumbnailEdit")
        self.thumbnail_edit.setPlaceholderText("https://… (empty: TikTok picks a frame)")
        self.thumbnail_issue = _issue_label("thumbnailIssue")

        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Caption", self.caption_edit)
        form.addRow("", self.counter_label)
        form.addRow("", self.caption_issue)
        if hashtags:
            form.addRow("Suggested", self.hashtags)
        form.addRow("Title", self.title_edit)
        form.addRow("", self.title_issue)
        form.addRow("Cover image URL", self.thumbnail_edit)
        form.addRow("", self.thumbnail_issue)
        self.caption_edit.textChanged.connect(self._on_caption_changed)
        self.title_edit.textChanged.connect(self.changed)
        self.thumbnail_edit.textChanged.connect(self.changed)
        self._on_caption_changed()

    def add_hashtag(self, tag: str) -> None:
        """Append `tag` to the caption unless it is already there."""
        add_hashtag(self.caption_edit, tag)

    def caption_length(self) -> int:
        """The caption's length as TikTok counts it (UTF-16 code units)."""
        return utf16_length(self.caption_edit.toPlainText())

    def blocks_submit(self) -> bool:
        return self.caption_length() > TIKTOK_CAPTION_LIMIT

    def values(self) -> PlatformValues:
        title = self.title_edit.text().strip()
        thumbnail = self.thumbnail_edit.text().strip()
        return PlatformValues(
            caption=self.caption_edit.toPlainText(),
            title=title or None,
            thumbnail_url=thumbnail or None,
        )

    def show_issues(self, messages: dict[str, list[tuple[str, bool]]]) -> None:
        for name, label in (
            ("description", self.caption_issue),
            ("title", self.title_issue),
            ("thumbnail_url", self.thumbnail_issue),
        ):
            _show(label, messages.get(name, []))

    def _on_caption_changed(self) -> None:
        length = self.caption_length()
        over = length > TIKTOK_CAPTION_LIMIT
        self.counter_label.setText(f"{length:,} / {TIKTOK_CAPTION_LIMIT:,} (emoji count as 2)")
        self.counter_label.setStyleSheet("color: #d64545; font-weight: bold;" if over else "")
        self.changed.emit()


PLATFORMS: tuple[type[PlatformFields], ...] = (TikTokFields,)


def _issue_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def _show(label: QLabel, items: list[tuple[str, bool]]) -> None:
    """Errors in red, warnings in amber; hidden when there is nothing to say."""
    if not items:
        label.clear()
        label.setVisible(False)
        return
    is_error = any(error for _text, error in items)
    label.setText("\n".join(text for text, _error in items))
    label.setStyleSheet("color: #d64545;" if is_error else "color: #b8860b;")
    label.setVisible(True)
