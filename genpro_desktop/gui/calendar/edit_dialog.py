"""Edit a scheduled post's caption and time: the time in the user's zone, with the exact UTC
instant shown; GEN's refusal is shown in the dialog with everything typed kept."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.publishing.calendar import CalendarPost
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.core.publishing.schedule import ScheduleError, parse_schedule
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.dialogs.when_picker import local_text
from genpro_desktop.gui.theme import error_style

__all__ = ["PostEditDialog", "SaveEdit"]

# Saves the change; returns None when GEN took it, else the sentence to show.
SaveEdit = Callable[[str | None, datetime | None], Awaitable[str | None]]


class PostEditDialog(QDialog):
    """Caption and date/time of one post; Save sends the change and closes only once GEN took it."""

    def __init__(
        self,
        post: CalendarPost,
        zone: str,
        now: Callable[[], datetime],
        save: SaveEdit,
        tasks: TaskRegistry,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("postEditDialog")
        self.setWindowTitle("Edit scheduled post")
        self.post = post
        self._zone = zone
        self._now = now
        self._save = save
        self._tasks = tasks
        self.when_utc: datetime | None = post.when
        where = ", ".join(LABELS.get(p.platform, p.platform) for p in post.platforms)
        self.caption_edit = QPlainTextEdit(post.caption)
        self.caption_edit.setObjectName("editCaption")
        self.caption_edit.setMinimumSize(440, 120)
        self.when_edit = QDateTimeEdit()
        self.when_edit.setObjectName("editWhen")
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat(
            QLocale.system().dateTimeFormat(QLocale.FormatType.ShortFormat)
        )
        # Wall-clock fields only (UTC has no gaps); parse_schedule decides what they mean.
        self.when_edit.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
        self.set_local_time(post.when.astimezone(ZoneInfo(zone)).replace(tzinfo=None))
        self.instant_label = QLabel()
        self.instant_label.setObjectName("editInstant")
        self.problem_label = QLabel()
        self.problem_label.setObjectName("editProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(error_style())
        self.problem_label.setVisible(False)
        form = QFormLayout()
        form.addRow("Platforms:", QLabel(where))
        form.addRow("Caption:", self.caption_edit)
        form.addRow(f"Time ({zone}):", self.when_edit)
        form.addRow("", self.instant_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("editSave")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.when_edit.dateTimeChanged.connect(self._time_changed)
        self.caption_edit.textChanged.connect(self._clear_problem)
        self._time_changed()

    def set_local_time(self, wall: datetime) -> None:
        """Put a wall-clock time (in the user's zone) in the picker."""
        value = QDateTime(
            QDate(wall.year, wall.month, wall.day),
            QTime(wall.hour, wall.minute),
            QTimeZone(QTimeZone.Initialization.UTC),
        )
        self.when_edit.setDateTime(value)

    def _local(self) -> datetime:
        value = self.when_edit.dateTime()
        day, clock = value.date(), value.time()
        return datetime(day.year(), day.month(), day.day(), clock.hour(), clock.minute())

    def _time_changed(self, *_args: object) -> None:
        self._clear_problem()
        try:
            instant = parse_schedule(
                self._local().isoformat(sep=" "), self._now(), ZoneInfo(self._zone)
            )
        except ScheduleError as exc:
            self.when_utc = None
            self.instant_label.setText("")
            self.show_problem(str(exc))
            self.save_button.setEnabled(False)
            return
        self.when_utc = instant
        self.instant_label.setText(f"= {local_text(instant, 'UTC')} UTC")
        self.save_button.setEnabled(True)

    def _clear_problem(self) -> None:
        self.problem_label.setVisible(False)

    def show_problem(self, text: str) -> None:
        """Show why the change did not happen (the fields keep what was typed)."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(True)

    def changes(self) -> tuple[str | None, datetime | None]:
        """(new caption or None, new UTC time or None) compared with the post."""
        caption = self.caption_edit.toPlainText()
        when = self.when_utc
        return (
            caption if caption != self.post.caption else None,
            when if when is not None and when != self.post.when else None,
        )

    def submit(self) -> None:
        """Save: send the change; close on success, else show GEN's answer and keep the text."""
        caption, when = self.changes()
        if caption is None and when is None:
            self.accept()
            return
        self.save_button.setEnabled(False)
        self._tasks.spawn(self._submit(caption, when), name="calendar-edit")

    async def _submit(self, caption: str | None, when: datetime | None) -> None:
        try:
            problem = await self._save(caption, when)
        finally:
            self.save_button.setEnabled(True)
        if problem is None:
            self.accept()
        else:
            self.show_problem(problem)
