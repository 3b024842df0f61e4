"""The publish dialog: a platform section, the schedule, inline checks, then one confirmed post.

Checks come from the Qt-free core (`validate_publish`, `resolve_schedule`): errors block the
Publish button, warnings only inform. Submitting asks for a final confirmation, then goes through
`PublishService.publish`; the button is single-flight, and the core's duplicate guard is shown as
a question with an explicit "Post again anyway". The dialog is opened with `run_dialog` (never
`exec()`); `job` holds the publish job once it was sent.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.api import GenError
from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.core.publishing import (
    DuplicatePublishError,
    PublishError,
    PublishForm,
    PublishRequest,
    PublishService,
    PublishValidationError,
    ResolvedSchedule,
    ScheduleError,
    WallClock,
    format_utc,
    resolve_schedule,
    validate_publish,
)
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.dialogs.publish_fields import PLATFORMS, PlatformFields, TikTokFields
from genpro_desktop.gui.prompts import Prompts

SUMMARY_CAPTION_CHARS = 80
DEFAULT_LEAD = timedelta(hours=1)


@dataclass(frozen=True)
class PublishDraft:
    """What the dialog starts from: the completed render and what the app knows about it."""

    agent_id: str
    media_url: str
    thumbnail_url: str | None = None
    source_job_id: str | None = None
    hashtags: list[str] = field(default_factory=lambda: list[str]())
    cover_path: str | None = None
    cover_ms: int | None = None


def describe_offset(minutes: int | None) -> str:
    """`UTC+05:30` for an offset in minutes."""
    if minutes is None:
        return "UTC"
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


class PublishDialog(QDialog):
    """Post a completed render; `job` is the publish job after a successful submit."""

    def __init__(
        self,
        draft: PublishDraft,
        service: PublishService,
        *,
        clock: WallClock,
        zone: str,
        prompts: Prompts,
        tasks: TaskRegistry,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("publishDialog")
        self.setWindowTitle("Publish video")
        self.draft = draft
        self.job: LocalJob | None = None
        self._service = service
        self._clock = clock
        self._zone = zone
        self._prompts = prompts
        self._tasks = tasks
        self._submitting = False
        self._chosen: datetime | None = None  # an aware instant picked among DST alternatives
        self.resolved: ResolvedSchedule | None = None

        self.platform_combo = QComboBox()
        self.platform_combo.setObjectName("platformCombo")
        self.fields: PlatformFields = TikTokFields(
            thumbnail_url=draft.thumbnail_url, hashtags=draft.hashtags
        )
        for platform in PLATFORMS:
            self.platform_combo.addItem(platform.label, platform.platform)
        self.platform_combo.setEnabled(len(PLATFORMS) > 1)
        self.fields.changed.connect(self.refresh)

        self.now_radio = QRadioButton("Post now")
        self.now_radio.setObjectName("postNow")
        self.later_radio = QRadioButton("Schedule for")
        self.later_radio.setObjectName("postLater")
        group = QButtonGroup(self)
        group.addButton(self.now_radio)
        group.addButton(self.later_radio)
        self.now_radio.setChecked(True)
        self.when_edit = QDateTimeEdit()
        self.when_edit.setObjectName("whenEdit")
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        # The edit holds wall-clock fields only; UTC has no gaps, so every typed time survives
        # and the core decides what it means in the user's zone.
        self.when_edit.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
        self.set_local_time(self._default_time())
        self.zone_label = QLabel(f"in {zone}")
        self.instant_label = QLabel()
        self.instant_label.setObjectName("instantLabel")
        self.schedule_issue = QLabel()
        self.schedule_issue.setObjectName("scheduleIssue")
        self.schedule_issue.setWordWrap(True)
        self.alternatives_row = QHBoxLayout()
        self.alternative_buttons: list[QPushButton] = []
        schedule_row = QHBoxLayout()
        schedule_row.addWidget(self.now_radio)
        schedule_row.addWidget(self.later_radio)
        schedule_row.addWidget(self.when_edit)
        schedule_row.addWidget(self.zone_label)
        schedule_row.addStretch(1)
        for signal in (self.now_radio.toggled, self.when_edit.dateTimeChanged):
            signal.connect(self._on_schedule_edited)

        self.cover_label = QLabel()
        self.cover_label.setObjectName("coverNote")
        self.cover_label.setWordWrap(True)
        self._show_cover()
        self.general_issue = QLabel()
        self.general_issue.setObjectName("generalIssue")
        self.general_issue.setWordWrap(True)

        self.buttons = QDialogButtonBox()
        self.submit_button = self.buttons.addButton(
            "Publish…", QDialogButtonBox.ButtonRole.ApplyRole
        )
        self.submit_button.setObjectName("submitPublish")
        self.submit_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.submit_button.clicked.connect(self.submit)

        form = QFormLayout()
        form.addRow("Platform", self.platform_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.fields)
        layout.addWidget(QLabel("<b>When</b>"))
        layout.addLayout(schedule_row)
        layout.addWidget(self.instant_label)
        layout.addWidget(self.schedule_issue)
        layout.addLayout(self.alternatives_row)
        layout.addWidget(self.cover_label)
        layout.addWidget(self.general_issue)
        layout.addWidget(self.buttons)
        self.resize(560, 520)
        self.refresh()

    # -- schedule --------------------------------------------------------------------------

    def _default_time(self) -> datetime:
        local = (self._clock.wall() + DEFAULT_LEAD).astimezone(ZoneInfo(self._zone))
        return local.replace(minute=0, second=0, microsecond=0, tzinfo=None)

    def set_local_time(self, wall: datetime) -> None:
        """Put a wall-clock time (in the dialog's zone) in the date-time picker."""
        date, time = QDate(wall.year, wall.month, wall.day), QTime(wall.hour, wall.minute)
        utc = QTimeZone(QTimeZone.Initialization.UTC)
        self.when_edit.setDateTime(QDateTime(date, time, utc))

    def scheduled_local(self) -> datetime | None:
        """None for "now"; else the picked DST alternative or the picker's naive wall time."""
        if self.now_radio.isChecked():
            return None
        if self._chosen is not None:
            return self._chosen
        value = self.when_edit.dateTime()
        date, time = value.date(), value.time()
        return datetime(date.year(), date.month(), date.day(), time.hour(), time.minute())

    def _on_schedule_edited(self, *_args: object) -> None:
        self._chosen = None
        self.when_edit.setEnabled(self.later_radio.isChecked())
        self.refresh()

    def choose_alternative(self, instant: datetime) -> None:
        """Use one of the instants a DST gap or overlap offered."""
        self._chosen = instant.astimezone(ZoneInfo(self._zone))
        self.refresh()

    def _show_alternatives(self, alternatives: tuple[datetime, ...]) -> None:
        for button in self.alternative_buttons:
            self.alternatives_row.removeWidget(button)
            button.deleteLater()
        self.alternative_buttons = []
        for instant in alternatives:
            local = instant.astimezone(ZoneInfo(self._zone))
            button = QPushButton(f"Use {local:%H:%M} {local.tzname()} ({format_utc(instant)})")
            button.setObjectName("dstAlternative")
            button.clicked.connect(lambda _=False, i=instant: self.choose_alternative(i))
            self.alternatives_row.addWidget(button)
            self.alternative_buttons.append(button)

    # -- validation ------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-run the checks, show them next to their fields, enable Publish when allowed."""
        now = self._clock.wall()
        values = self.fields.values()
        messages: dict[str, list[tuple[str, bool]]] = defaultdict(list)
        self.resolved, schedule_error = None, None
        try:
            self.resolved = resolve_schedule(self.scheduled_local(), self._zone, now)
        except ScheduleError as exc:
            schedule_error = exc
        report = validate_publish(
            PublishForm(
                media_url=self.draft.media_url,
                description=values.caption,
                title=values.title,
                thumbnail_url=values.thumbnail_url,
                scheduled_time=self.resolved.utc if self.resolved is not None else None,
            ),
            now,
        )
        for issue in report.errors:
            messages[issue.field].append((issue.message, True))
        for issue in report.warnings:
            messages[issue.field].append((issue.message, False))
        if schedule_error is not None:
            messages["scheduled_time"].insert(0, (str(schedule_error), True))
        self._show_alternatives(schedule_error.alternatives if schedule_error else ())
        self.fields.show_issues(messages)
        self._show_label(self.schedule_issue, messages.get("scheduled_time", []))
        self._show_label(self.general_issue, messages.get("media_url", []))
        self.instant_label.setText(self._instant_text())
        self.submit_button.setEnabled(
            not self._submitting
            and report.ok
            and schedule_error is None
            and not self.fields.blocks_submit()
        )

    def _instant_text(self) -> str:
        resolved = self.resolved
        if self.now_radio.isChecked():
            return "Posts as soon as GEN receives it."
        if resolved is None:
            return ""
        local = resolved.local()
        return (
            f"Sends {format_utc(resolved.utc)} to GEN: {local:%a %Y-%m-%d %H:%M} "
            f"{local.tzname()} ({describe_offset(resolved.offset_minutes)}, {resolved.zone})."
        )

    @staticmethod
    def _show_label(label: QLabel, items: list[tuple[str, bool]]) -> None:
        label.setVisible(bool(items))
        label.setText("\n".join(text for text, _ in items))
        error = any(is_error for _, is_error in items)
        label.setStyleSheet("color: #d64545;" if error else "color: #b8860b;")

    def _show_cover(self) -> None:
        draft = self.draft
        if draft.cover_path is None or draft.cover_ms is None:
            self.cover_label.setVisible(False)
            return
        pixmap = QPixmap(draft.cover_path)
        seconds = draft.cover_ms / 1000
        note = (
            f"Cover frame chosen at {seconds:.2f} s, saved to {html.escape(draft.cover_path)}. "
            "GEN takes the cover only as a link, so the post uses the cover image URL above."
        )
        if not pixmap.isNull():
            self.cover_label.setPixmap(pixmap.scaledToHeight(96))
            self.cover_label.setToolTip(note)
        else:
            self.cover_label.setText(note)

    # -- submit ----------------------------------------------------------------------------

    def request(self) -> PublishRequest:
        """The publish request as the dialog stands."""
        values = self.fields.values()
        local = self.scheduled_local()
        return PublishRequest(
            agent_id=self.draft.agent_id,
            media_url=self.draft.media_url,
            caption=values.caption,
            platform=self.fields.platform,
            title=values.title,
            thumbnail_url=values.thumbnail_url,
            scheduled_local=local,
            schedule_tz=self._zone if local is not None else None,
            source_job_id=self.draft.source_job_id,
        )

    def summary(self) -> str:
        """The final question: where, when and with which caption."""
        caption = " ".join(self.fields.values().caption.split())
        if len(caption) > SUMMARY_CAPTION_CHARS:
            caption = caption[: SUMMARY_CAPTION_CHARS - 1] + "…"
        when = "now"
        if self.resolved is not None:
            local = self.resolved.local()
            when = f"on {local:%Y-%m-%d %H:%M} {local.tzname()} ({format_utc(self.resolved.utc)})"
        return f"Post this video to {self.fields.label} {when} as “{caption}”?"

    def submit(self) -> None:
        """Publish once: clicks while a submit is running are ignored."""
        self.refresh()
        if self._submitting or not self.submit_button.isEnabled():
            return
        self._submitting = True
        self.submit_button.setEnabled(False)
        self._tasks.spawn(self._submit(), name="publish")

    async def _submit(self) -> None:
        try:
            request = self.request()
            question = self.summary()
            if not await self._prompts.confirm(
                "Publish", question, accept="Post", details="GEN posts it with your account."
            ):
                return
            try:
                job = await self._service.publish(request)
            except DuplicatePublishError as exc:
                again = await self._prompts.confirm(
                    "Already posted",
                    "This video with this caption was already sent.",
                    accept="Post again anyway",
                    details=str(exc),
                )
                if not again:
                    return
                job = await self._service.publish(request, allow_duplicate=True)
            self.job = job
            self.accept()
        except PublishValidationError as exc:
            messages = [(issue.message, True) for issue in exc.report.errors]
            self._show_label(self.general_issue, messages)
        except (PublishError, GenError, StoreError, ValueError) as exc:
            self._show_label(self.general_issue, [(f"Not published: {exc}", True)])
        finally:
            self._submitting = False
            if self.job is None:
                self.refresh()
