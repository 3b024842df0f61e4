"""When a post goes out: the one "When" section of the composer and the TikTok-only dialog.

Now, a time in the user's zone, or (where GEN's schedule API is there) GEN's next free slot. The
picker holds wall-clock fields only (in UTC, which has no gaps, so every typed time survives);
`resolve_schedule` in the core decides what they mean in the zone: a time the clocks skip or
repeat is refused with the instants the user may have meant, offered as buttons. The exact UTC
instant GEN receives is shown, with the zone's offset; every time is written in the user's own
(locale) format, never as an ISO string.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.publishing import (
    ResolvedSchedule,
    ScheduleError,
    WallClock,
    resolve_schedule,
)

DEFAULT_LEAD = timedelta(hours=1)


def local_text(instant: datetime, zone: str, *, with_date: bool = True) -> str:
    """`instant` in `zone`, written in the user's own (locale) format, never ISO."""
    local = instant.astimezone(ZoneInfo(zone))
    value = QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute))
    locale = QLocale.system()
    time = locale.toString(value.time(), QLocale.FormatType.ShortFormat)
    if not with_date:
        return time
    day = locale.toString(value.date(), "ddd")
    date = locale.toString(value.date(), QLocale.FormatType.ShortFormat)
    return f"{day} {date} {time}"


def describe_offset(minutes: int | None) -> str:
    """`UTC+05:30` for an offset in minutes."""
    if minutes is None:
        return "UTC"
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


class WhenPicker(QWidget):
    """Now / at a time in `zone` / GEN's next free slot (`next_slot`); `changed` on every edit.

    `resolve(now)` reads the choice: `resolved` holds the instant (None for now or the next
    slot) and the DST choices are offered when the time is ambiguous or skipped.
    """

    changed = Signal()

    def __init__(
        self,
        clock: WallClock,
        zone: str,
        *,
        next_slot: bool,
        later_label: str = "At",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.zone = zone
        self._chosen: datetime | None = None  # an aware instant picked among DST alternatives
        self.resolved: ResolvedSchedule | None = None
        self.now_radio = QRadioButton("Now")
        self.now_radio.setObjectName("postNow")
        self.later_radio = QRadioButton(later_label)
        self.later_radio.setObjectName("postLater")
        self.slot_radio = QRadioButton("GEN's next free slot")
        self.slot_radio.setObjectName("postNextSlot")
        self.slot_radio.setVisible(next_slot)
        group = QButtonGroup(self)
        for radio in (self.now_radio, self.later_radio, self.slot_radio):
            group.addButton(radio)
        self.now_radio.setChecked(True)
        self.when_edit = QDateTimeEdit()
        self.when_edit.setObjectName("whenEdit")
        self.when_edit.setCalendarPopup(True)
        self.when_edit.setDisplayFormat(
            QLocale.system().dateTimeFormat(QLocale.FormatType.ShortFormat)
        )
        self.when_edit.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
        self.set_local_time(self.default_time())
        self.when_edit.setEnabled(False)
        self.instant_label = QLabel()
        self.instant_label.setObjectName("instantLabel")
        self.instant_label.setWordWrap(True)
        self.alternatives_row = QHBoxLayout()
        self.alternatives_row.setContentsMargins(0, 0, 0, 0)
        self.alternative_buttons: list[QPushButton] = []
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.now_radio)
        row.addWidget(self.later_radio)
        row.addWidget(self.when_edit)
        row.addWidget(QLabel(f"({zone})"))
        row.addWidget(self.slot_radio)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.instant_label)
        layout.addLayout(self.alternatives_row)
        for signal in (
            self.now_radio.toggled,
            self.slot_radio.toggled,
            self.when_edit.dateTimeChanged,
        ):
            signal.connect(self._on_edited)

    # -- the choice ------------------------------------------------------------------------

    def default_time(self) -> datetime:
        """The next full hour at least an hour ahead, as wall time in the zone."""
        local = (self._clock.wall() + DEFAULT_LEAD).astimezone(ZoneInfo(self.zone))
        return local.replace(minute=0, second=0, microsecond=0, tzinfo=None)

    def set_local_time(self, wall: datetime) -> None:
        """Put a wall-clock time (in the zone) in the picker."""
        date, time = QDate(wall.year, wall.month, wall.day), QTime(wall.hour, wall.minute)
        self.when_edit.setDateTime(QDateTime(date, time, QTimeZone(QTimeZone.Initialization.UTC)))

    def scheduled_local(self) -> datetime | None:
        """None for now / next slot; else the picked DST alternative or the wall time."""
        if not self.later_radio.isChecked():
            return None
        if self._chosen is not None:
            return self._chosen
        value = self.when_edit.dateTime()
        date, time = value.date(), value.time()
        return datetime(date.year(), date.month(), date.day(), time.hour(), time.minute())

    def next_available(self) -> bool:
        """Whether GEN picks the time (its next free slot)."""
        return self.slot_radio.isChecked()

    def choose_alternative(self, instant: datetime) -> None:
        """Use one of the instants a DST gap or overlap offered."""
        self._chosen = instant.astimezone(ZoneInfo(self.zone))
        self.changed.emit()

    def _on_edited(self, *_args: object) -> None:
        self._chosen = None
        self.when_edit.setEnabled(self.later_radio.isChecked())
        self.changed.emit()

    # -- what it means ---------------------------------------------------------------------

    def resolve(self, now: datetime) -> ScheduleError | None:
        """Read the choice at `now` into `resolved`; the error when the time cannot be used,
        in the user's words and format (its DST alternatives are offered as buttons)."""
        self.resolved, error = None, None
        wall = self.scheduled_local()
        try:
            self.resolved = resolve_schedule(wall, self.zone, now)
        except ScheduleError as exc:
            error = exc
            if wall is not None and wall.tzinfo is None:
                error = ScheduleError(self._explain(exc, wall, now), alternatives=exc.alternatives)
        self._show_alternatives(error.alternatives if error else ())
        self.instant_label.setText(self.instant_text())
        return error

    def _explain(self, error: ScheduleError, wall: datetime, now: datetime) -> str:
        """The core's reason without its ISO spellings (those are for typing into the CLI)."""
        zone = ZoneInfo(self.zone)
        moment = wall.replace(tzinfo=zone)
        shown = local_text(moment, self.zone)
        if error.alternatives:
            skipped = moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
            if skipped:
                return (
                    f"{shown} does not exist in {self.zone}: the clocks jump forward then "
                    "(daylight saving time). Choose one of the times below."
                )
            return (
                f"{shown} happens twice in {self.zone}: the clocks go back then. Choose which "
                "one you mean below."
            )
        if moment <= now:
            return (
                f"{shown} ({self.zone}) is in the past; it is now {local_text(now, self.zone)}. "
                "Choose a later time, or post now."
            )
        return str(error)

    def _show_alternatives(self, alternatives: tuple[datetime, ...]) -> None:
        for button in self.alternative_buttons:
            self.alternatives_row.removeWidget(button)
            button.deleteLater()
        self.alternative_buttons = []
        for instant in alternatives:
            local = instant.astimezone(ZoneInfo(self.zone))
            utc = local_text(instant, "UTC", with_date=False)
            button = QPushButton(
                f"Use {local_text(instant, self.zone)} {local.tzname()} ({utc} UTC)"
            )
            button.setObjectName("dstAlternative")
            button.clicked.connect(lambda _=False, i=instant: self.choose_alternative(i))
            self.alternatives_row.addWidget(button)
            self.alternative_buttons.append(button)

    def when_text(self) -> str:
        """The choice in a sentence's words: "now", "on Tue 12/1/26 9:30 CET (… UTC)"."""
        if self.now_radio.isChecked():
            return "now"
        if self.slot_radio.isChecked():
            return "in GEN's next free slot"
        if self.resolved is None:
            return "at the chosen time"
        local = self.resolved.local()
        return (
            f"on {local_text(self.resolved.utc, self.zone)} {local.tzname()} "
            f"({local_text(self.resolved.utc, 'UTC')} UTC)"
        )

    def instant_text(self) -> str:
        """What GEN receives, as the user reads it and as the exact UTC instant."""
        if self.now_radio.isChecked():
            return "Posts as soon as GEN receives it."
        if self.slot_radio.isChecked():
            return "GEN picks the first free time in this agent's posting calendar."
        resolved = self.resolved
        if resolved is None:
            return ""
        local = resolved.local()
        return (
            f"{local_text(resolved.utc, self.zone)} {local.tzname()} in {self.zone} "
            f"({describe_offset(resolved.offset_minutes)}) = "
            f"{local_text(resolved.utc, 'UTC')} UTC (what GEN receives)."
        )
