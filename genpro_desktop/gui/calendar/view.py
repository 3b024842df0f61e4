"""The posts calendar's view: week and month grids and an agenda list of GEN's posts.

Shows what the presenter hands it (`set_posts`) and reports what the user asked for through
signals; no HTTP and no timers here. Times are in the user's zone, written in the locale's
format (never ISO). Each post is a card with its time, caption and one chip per platform
coloured by its state; a scheduled post can be dragged to another day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

from PySide6.QtCore import QDate, QLocale, QMimeData, QPoint, Qt, QTime, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QHideEvent,
    QMouseEvent,
    QPalette,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.publishing.calendar import PLATFORM_STATES, CalendarPost
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.gui.theme import ACCENT, error_style

__all__ = ["MIME_POST", "PostCard", "PostsCalendarView"]

MIME_POST = "application/x-genpro-calendar-post"
MODES = ("week", "month", "agenda")
AGENDA_DAYS = 30
MONTH_CARDS = 2  # cards a month cell shows before "+N more"
SELECT_HINT = (
    "Select a post for its platforms and actions; drag a scheduled post to another day to move it."
)
SHORT = {
    "tiktok": "TT",
    "instagram": "IG",
    "youtube": "YT",
    "facebook": "FB",
    "x": "X",
    "linkedin": "in",
}
# Chip backgrounds: dark enough for white text (WCAG AA) on either palette.
STATE_CHIP = {
    "scheduled": "#4b5563",
    "accepted": "#5b5b66",
    "publishing": "#1f5fae",
    "published": "#1b7340",
    "failed": "#b3261e",
}
STATE_WORDS = {
    "scheduled": "scheduled",
    "accepted": "accepted",
    "publishing": "publishing",
    "published": "published",
    "failed": "failed",
}


def locale_time(instant: datetime, zone: tzinfo) -> str:
    """The time of day in `zone`, in the locale's short format."""
    local = instant.astimezone(zone)
    short = QLocale.FormatType.ShortFormat
    return QLocale.system().toString(QTime(local.hour, local.minute), short)


def locale_day(day: date, fmt: str) -> str:
    """`day` in a QLocale date format (names in the user's language)."""
    return QLocale.system().toString(QDate(day.year, day.month, day.day), fmt)


def locale_long_day(day: date) -> str:
    """E.g. "Monday, 30 November 2026" in the user's locale."""
    return QLocale.system().toString(
        QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat
    )


def first_weekday() -> int:
    """The locale's first day of the week as Python's weekday() (Monday = 0)."""
    return int(QLocale.system().firstDayOfWeek().value) - 1


def week_start(day: date) -> date:
    """The first day of `day`'s week in the user's locale."""
    return day - timedelta(days=(day.weekday() - first_weekday()) % 7)


def chip_text(platform: str, state: str, *, short: bool) -> str:
    name = SHORT.get(platform, platform) if short else LABELS.get(platform, platform)
    return name if short else f"{name} · {STATE_WORDS.get(state, state)}"


class PlatformChip(QLabel):
    """A platform's name on its state's colour (tooltip: name, state, GEN's error)."""

    def __init__(self, platform: str, state: str, error: str | None, *, short: bool) -> None:
        super().__init__(chip_text(platform, state, short=short))
        self.platform = platform
        self.state = state
        colour = STATE_CHIP.get(state, "#5b5b66")
        self.setObjectName("platformChip")
        pad, size = (2, 10) if short else (4, 11)
        self.setStyleSheet(
            f"QLabel#platformChip {{ background: {colour}; color: white; border-radius: 6px;"
            f" padding: 0px {pad}px; font-size: {size}px; }}"
        )
        tip = f"{LABELS.get(platform, platform)}: {STATE_WORDS.get(state, state)}"
        if error:
            tip += f"\n{error}"
        self.setToolTip(tip)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)


class ElidedLabel(QLabel):
    """Text cut to `lines` lines with an ellipsis, re-cut when the width changes."""

    def __init__(self, text: str, *, lines: int) -> None:
        super().__init__()
        self.full_text = text
        self._lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 1)
        self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.setWordWrap(False)  # the lines are cut here
        self.setToolTip(text)
        self._cut()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._cut()

    def _cut(self) -> None:
        metrics = self.fontMetrics()
        width = self.width()
        if width < metrics.horizontalAdvance("Abcd…"):
            self.setText("")  # too narrow to say anything: the tooltip has it
            return
        words, lines, current = self.full_text.split(), [], ""
        for word in words:
            trial = f"{current} {word}".strip()
            if metrics.horizontalAdvance(trial) <= width or not current:
                current = trial
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
        kept = lines[: self._lines]
        if len(lines) > self._lines:
            kept[-1] = kept[-1] + " " + " ".join(lines[self._lines :])
        if kept:
            kept[-1] = metrics.elidedText(kept[-1], Qt.TextElideMode.ElideRight, width)
        self.setText("\n".join(kept))


class PostCard(QFrame):
    """One post: time, caption, platform chips; click selects, right-click opens the menu,
    dragging a scheduled post moves it to another day."""

    clicked = Signal(str)
    menu_requested = Signal(str, QPoint)

    def __init__(
        self,
        post: CalendarPost,
        zone: tzinfo,
        *,
        compact: bool,
        draggable: bool,
        selected: bool,
        wide: bool = False,
    ) -> None:
        super().__init__()
        self.post = post
        self.key = post.key
        self.draggable = draggable
        self._press: QPoint | None = None
        self.setObjectName("postCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(
            Qt.CursorShape.OpenHandCursor if draggable else Qt.CursorShape.PointingHandCursor
        )
        self.set_selected(selected)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(5, 3, 5, 3)
        layout.setSpacing(2)
        head = QHBoxLayout()
        head.setSpacing(4)
        self.time_label = QLabel(locale_time(post.when, zone))
        self.time_label.setObjectName("postTime")
        font = self.time_label.font()
        font.setBold(True)
        self.time_label.setFont(font)
        head.addWidget(self.time_label)
        text = " ".join((post.caption or post.title or "(no caption)").split())
        self.caption_label = ElidedLabel(text, lines=1 if compact else 2)
        self.caption_label.setObjectName("postCaption")
        if compact:
            head.addWidget(self.caption_label, 1)
        layout.addLayout(head)
        if not compact:
            layout.addWidget(self.caption_label)
        chips = QHBoxLayout()
        chips.setSpacing(2 if compact else 3)
        self.chips = [
            PlatformChip(p.platform, p.state, p.error, short=not wide) for p in post.platforms
        ]
        for chip in self.chips:
            chips.addWidget(chip)
        chips.addStretch(1)
        if compact:
            head.addLayout(chips)
        else:
            layout.addLayout(chips)
        if post.note:
            note = QLabel(post.note)
            note.setStyleSheet(error_style())
            note.setWordWrap(True)
            layout.addWidget(note)
        where = ", ".join(LABELS.get(p.platform, p.platform) for p in post.platforms)
        origin = "made in this app" if post.made_here else "made elsewhere (GEN's web app)"
        self.setToolTip(f"{text}\n{where}\n{origin}")

    def set_selected(self, selected: bool) -> None:
        border = ACCENT.name() if selected else self.palette().color(QPalette.ColorRole.Mid).name()
        width = 2 if selected else 1
        self.setStyleSheet(
            f"QFrame#postCard {{ background: palette(base); border: {width}px solid {border};"
            " border-radius: 5px; }"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.clicked.emit(self.key)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if (
            self.draggable
            and self._press is not None
            and event.buttons() & Qt.MouseButton.LeftButton
            and (event.position().toPoint() - self._press).manhattanLength()
            >= QApplication.startDragDistance()
        ):
            self._press = None
            drag = QDrag(self)
            data = QMimeData()
            data.setData(MIME_POST, self.key.encode())
            drag.setMimeData(data)
            drag.setPixmap(self.grab())
            drag.exec(Qt.DropAction.MoveAction)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.clicked.emit(self.key)
        self.menu_requested.emit(self.key, event.globalPos())


class DayCell(QFrame):
    """A day of a grid: its date and its posts; takes a dragged post (move to this day)."""

    dropped = Signal(str, object)  # post key, date

    def __init__(self, day: date, *, today: bool, in_month: bool, header: str) -> None:
        super().__init__()
        self.day = day
        self.setObjectName("dayCell")
        self.setAcceptDrops(True)
        # Ignored: every column of a grid gets the same width, whatever its cards ask for.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(3, 2, 3, 2)
        self._layout.setSpacing(2)
        self.header = QLabel(header)
        self.header.setObjectName("dayHeader")
        font = self.header.font()
        font.setBold(today)
        self.header.setFont(font)
        if not in_month:  # another month's day: muted (readable, not a disabled control)
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
            self.header.setStyleSheet(f"color: {muted};")
        self._layout.addWidget(self.header)
        self._today = today
        self._hover = False
        self._style()

    def _style(self) -> None:
        if self._hover:
            tint = "rgba(255, 159, 28, 0.35)"  # the accent: "drop here"
        elif self._today:
            tint = "rgba(255, 159, 28, 0.12)"
        else:
            tint = "transparent"
        mid = self.palette().color(QPalette.ColorRole.Mid).name()
        self.setStyleSheet(f"QFrame#dayCell {{ background: {tint}; border: 1px solid {mid}; }}")

    def add_card(self, card: QWidget) -> None:
        self._layout.addWidget(card)

    def add_more(self, count: int) -> QLabel:
        more = QLabel(f"+{count} more")
        more.setObjectName("moreLabel")
        self._layout.addWidget(more)
        return more

    def finish(self) -> None:
        self._layout.addStretch(1)

    def _accepts(self, data: QMimeData) -> bool:
        return data.hasFormat(MIME_POST)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._accepts(event.mimeData()):
            self._hover = True
            self._style()
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        self._hover = False
        self._style()

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover = False
        self._style()
        data = event.mimeData()
        if not self._accepts(data):
            return
        key = bytes(data.data(MIME_POST).data()).decode(errors="replace")
        event.acceptProposedAction()
        self.dropped.emit(key, self.day)


class PostsCalendarView(QWidget):
    """Week / month / agenda of the posts; filters; the selected post's actions."""

    range_changed = Signal(object, object)  # first, last (local dates)
    visibility_changed = Signal(bool)
    move_requested = Signal(str, object)  # post key, date
    edit_requested = Signal(str)
    cancel_requested = Signal(str)
    open_requested = Signal(str)  # a live post's URL
    copy_requested = Signal(str)  # a live post's URL
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("postsCalendar")
        self.zone: tzinfo = UTC
        self.today = datetime.now(UTC).date()
        self.now = datetime.now(UTC)
        self.mode = "week"
        self.anchor = self.today
        self.selected_key: str | None = None
        self._posts: list[CalendarPost] = []
        self.cards: dict[str, PostCard] = {}
        self.cells: dict[date, DayCell] = {}
        self.platform_filter: set[str] = set(LABELS)
        self.state_filter: set[str] = set(PLATFORM_STATES)

        # -- toolbar
        self.today_button = QPushButton("Today")
        self.today_button.setObjectName("calendarToday")
        self.today_button.clicked.connect(self.go_today)
        self.prev_button = QToolButton()
        self.prev_button.setObjectName("calendarPrevious")
        self.prev_button.setArrowType(Qt.ArrowType.LeftArrow)
        self.prev_button.setToolTip("Previous")
        self.prev_button.clicked.connect(self.go_previous)
        self.next_button = QToolButton()
        self.next_button.setObjectName("calendarNext")
        self.next_button.setArrowType(Qt.ArrowType.RightArrow)
        self.next_button.setToolTip("Next")
        self.next_button.clicked.connect(self.go_next)
        self.period_label = QLabel()
        self.period_label.setObjectName("calendarPeriod")
        font = self.period_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.period_label.setFont(font)
        self.mode_buttons: dict[str, QPushButton] = {}
        modes = QButtonGroup(self)
        for mode, text in (("week", "Week"), ("month", "Month"), ("agenda", "Agenda")):
            button = QPushButton(text)
            button.setObjectName(f"calendarMode_{mode}")
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            modes.addButton(button)
            self.mode_buttons[mode] = button
        self.mode_buttons["week"].setChecked(True)
        self.platform_button = self._filter_button(
            "Platforms", [(p, LABELS[p]) for p in LABELS], self.platform_filter
        )
        self.state_button = self._filter_button(
            "States", [(s, STATE_WORDS[s].capitalize()) for s in PLATFORM_STATES], self.state_filter
        )
        self.refresh_button = QToolButton()
        self.refresh_button.setText("Refresh")
        self.refresh_button.setObjectName("calendarRefresh")
        self.refresh_button.clicked.connect(self.refresh_requested)
        bar = QHBoxLayout()
        bar.addWidget(self.today_button)
        bar.addWidget(self.prev_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(8)
        bar.addWidget(self.period_label, 1)
        for button in self.mode_buttons.values():
            bar.addWidget(button)
        bar.addSpacing(8)
        bar.addWidget(self.platform_button)
        bar.addWidget(self.state_button)
        bar.addWidget(self.refresh_button)

        self.problem_label = QLabel()
        self.problem_label.setObjectName("calendarProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(error_style())
        self.problem_label.setVisible(False)

        # -- pages
        self.pages = QStackedWidget()
        self.week_page = QWidget()
        self.week_grid = QGridLayout(self.week_page)
        self.week_grid.setSpacing(0)
        self.week_grid.setContentsMargins(0, 0, 0, 0)
        self.month_page = QWidget()
        self.month_grid = QGridLayout(self.month_page)
        self.month_grid.setSpacing(0)
        self.month_grid.setContentsMargins(0, 0, 0, 0)
        self.agenda_scroll = QScrollArea()
        self.agenda_scroll.setWidgetResizable(True)
        self.agenda_scroll.setObjectName("calendarAgenda")
        self.agenda_page = QWidget()
        self.agenda_layout = QVBoxLayout(self.agenda_page)
        self.agenda_scroll.setWidget(self.agenda_page)
        week_scroll = QScrollArea()
        week_scroll.setWidgetResizable(True)
        week_scroll.setFrameShape(QFrame.Shape.NoFrame)
        week_scroll.setWidget(self.week_page)
        self.pages.addWidget(week_scroll)
        self.pages.addWidget(self.month_page)
        self.pages.addWidget(self.agenda_scroll)

        # -- the selected post
        self.detail_label = QLabel(SELECT_HINT)
        self.detail_label.setObjectName("calendarDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.open_button = QPushButton("Open live post")
        self.open_button.setObjectName("calendarOpen")
        self.open_button.clicked.connect(self._open_clicked)
        self.copy_button = QPushButton("Copy link")
        self.copy_button.setObjectName("calendarCopy")
        self.copy_button.clicked.connect(self._copy_clicked)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setObjectName("calendarEdit")
        self.edit_button.clicked.connect(self._edit_clicked)
        self.cancel_button = QPushButton("Cancel post…")
        self.cancel_button.setObjectName("calendarCancel")
        self.cancel_button.clicked.connect(self._cancel_clicked)
        actions = QHBoxLayout()
        actions.addWidget(self.detail_label, 1)
        for button in (self.open_button, self.copy_button, self.edit_button, self.cancel_button):
            actions.addWidget(button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.pages, 1)
        layout.addLayout(actions)
        self._rebuild()

    # -- what the presenter sets -----------------------------------------------------------

    def set_clock(self, now: datetime, zone: tzinfo) -> None:
        """The current instant and the user's zone (moves "today" when the day changes)."""
        self.zone = zone
        self.now = now
        today = now.astimezone(zone).date()
        if today != self.today:
            if self.today == self.anchor:
                self.anchor = today
            self.today = today

    def set_posts(self, posts: Sequence[CalendarPost], now: datetime) -> None:
        """Show `posts` (the presenter's merged list for the visible range)."""
        self.now = now
        self._posts = list(posts)
        if self.selected_key is not None and self._post(self.selected_key) is None:
            self.selected_key = None
        self._rebuild()

    def set_problem(self, text: str | None) -> None:
        """Show (or clear) a problem line above the grid."""
        self.problem_label.setText(text or "")
        self.problem_label.setVisible(bool(text))

    # -- navigation ------------------------------------------------------------------------

    def visible_range(self) -> tuple[date, date]:
        """The local dates the current mode shows."""
        if self.mode == "week":
            first = week_start(self.anchor)
            return first, first + timedelta(days=6)
        if self.mode == "month":
            first_of_month = self.anchor.replace(day=1)
            first = week_start(first_of_month)
            return first, first + timedelta(days=41)
        return self.anchor, self.anchor + timedelta(days=AGENDA_DAYS - 1)

    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown calendar mode {mode!r}")
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        self.pages.setCurrentIndex(MODES.index(mode))
        self._moved()

    def go_today(self) -> None:
        self.anchor = self.today
        self._moved()

    def go_next(self) -> None:
        self.anchor = self._step(1)
        self._moved()

    def go_previous(self) -> None:
        self.anchor = self._step(-1)
        self._moved()

    def _step(self, sign: int) -> date:
        if self.mode == "week":
            return self.anchor + timedelta(days=7 * sign)
        if self.mode == "month":
            month = self.anchor.month - 1 + sign
            return date(self.anchor.year + month // 12, month % 12 + 1, 1)
        return self.anchor + timedelta(days=AGENDA_DAYS * sign)

    def _moved(self) -> None:
        self._posts = [p for p in self._posts if self._in_range(p)]
        self._rebuild()
        self.range_changed.emit(*self.visible_range())

    def _in_range(self, post: CalendarPost) -> bool:
        first, last = self.visible_range()
        return first <= post.local_time(self.zone).date() <= last

    # -- filters ---------------------------------------------------------------------------

    def _filter_button(
        self, text: str, items: Iterable[tuple[str, str]], chosen: set[str]
    ) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setObjectName(f"calendarFilter_{text.lower()}")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for value, label in items:
            action = QAction(label, menu)
            action.setCheckable(True)
            action.setChecked(True)
            action.setData(value)
            action.toggled.connect(lambda on, v=value, c=chosen: self._filter_toggled(c, v, on))
            menu.addAction(action)
        button.setMenu(menu)
        return button

    def _filter_toggled(self, chosen: set[str], value: str, on: bool) -> None:
        if on:
            chosen.add(value)
        else:
            chosen.discard(value)
        self._label_filters()
        self._rebuild()

    def set_filters(
        self, platforms: Iterable[str] | None = None, states: Iterable[str] | None = None
    ) -> None:
        """Show only these platforms / states (None: leave that filter as it is)."""
        for button, wanted in ((self.platform_button, platforms), (self.state_button, states)):
            if wanted is None:
                continue
            keep = set(wanted)
            menu = button.menu()
            for action in menu.actions():
                action.setChecked(action.data() in keep)

    def _label_filters(self) -> None:
        for button, chosen, total, text in (
            (self.platform_button, self.platform_filter, len(LABELS), "Platforms"),
            (self.state_button, self.state_filter, len(PLATFORM_STATES), "States"),
        ):
            button.setText(text if len(chosen) == total else f"{text} ({len(chosen)})")

    def shown_posts(self) -> list[CalendarPost]:
        """The posts that pass the filters, by time."""
        shown: list[CalendarPost] = []
        for post in self._posts:
            platforms = [p for p in post.platforms if p.platform in self.platform_filter]
            if post.platforms and not platforms:
                continue
            states = {p.state for p in platforms} if platforms else set(post.states)
            if states and not states & self.state_filter:
                continue
            shown.append(post)
        return shown

    # -- building --------------------------------------------------------------------------

    def _clear_grid(self, grid: QGridLayout) -> None:
        while grid.count():
            item = grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    def _clear_agenda(self) -> None:
        while self.agenda_layout.count():
            item = self.agenda_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.setParent(None)
                widget.deleteLater()

    def _rebuild(self) -> None:
        self.cards = {}
        self.cells = {}
        first, last = self.visible_range()
        self.period_label.setText(self._period_text(first, last))
        by_day: dict[date, list[CalendarPost]] = {}
        for post in self.shown_posts():
            by_day.setdefault(post.local_time(self.zone).date(), []).append(post)
        self._clear_grid(self.week_grid)
        self._clear_grid(self.month_grid)
        self._clear_agenda()
        if self.mode == "week":
            self._build_week(first, by_day)
        elif self.mode == "month":
            self._build_month(first, by_day)
        else:
            self._build_agenda(first, last, by_day)
        self._show_selection()

    def _period_text(self, first: date, last: date) -> str:
        if self.mode == "month":
            return locale_day(self.anchor, "MMMM yyyy")
        if first.year != last.year:
            return f"{locale_day(first, 'd MMM yyyy')} – {locale_day(last, 'd MMM yyyy')}"
        if first.month != last.month:
            return f"{locale_day(first, 'd MMM')} – {locale_day(last, 'd MMM yyyy')}"
        return f"{locale_day(first, 'd')} – {locale_day(last, 'd MMMM yyyy')}"

    def _card(self, post: CalendarPost, *, compact: bool, wide: bool = False) -> PostCard:
        card = PostCard(
            post,
            self.zone,
            compact=compact,
            wide=wide,
            draggable=post.editable(self.now),
            selected=post.key == self.selected_key,
        )
        card.clicked.connect(self.select)
        card.menu_requested.connect(self._show_menu)
        self.cards[post.key] = card
        return card

    def _cell(self, day: date, header: str, *, in_month: bool = True) -> DayCell:
        cell = DayCell(day, today=day == self.today, in_month=in_month, header=header)
        cell.dropped.connect(self.move_requested)
        self.cells[day] = cell
        return cell

    def _build_week(self, first: date, by_day: dict[date, list[CalendarPost]]) -> None:
        for column in range(7):
            day = first + timedelta(days=column)
            cell = self._cell(day, locale_day(day, "ddd d MMM"))
            cell.setMinimumHeight(180)
            for post in by_day.get(day, []):
                cell.add_card(self._card(post, compact=False))
            cell.finish()
            self.week_grid.addWidget(cell, 0, column)
            self.week_grid.setColumnStretch(column, 1)

    def _build_month(self, first: date, by_day: dict[date, list[CalendarPost]]) -> None:
        for column in range(7):
            name = QLabel(locale_day(first + timedelta(days=column), "ddd"))
            name.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.month_grid.addWidget(name, 0, column)
            self.month_grid.setColumnStretch(column, 1)
        for index in range(42):
            day = first + timedelta(days=index)
            cell = self._cell(
                day,
                locale_day(day, "d MMM" if day.day == 1 else "d"),
                in_month=day.month == self.anchor.month,
            )
            posts = by_day.get(day, [])
            for post in posts[:MONTH_CARDS]:
                cell.add_card(self._card(post, compact=True))
            if len(posts) > MONTH_CARDS:
                more = cell.add_more(len(posts) - MONTH_CARDS)
                more.setToolTip("\n".join(p.caption for p in posts[MONTH_CARDS:]))
            cell.finish()
            self.month_grid.addWidget(cell, 1 + index // 7, index % 7)
        for row in range(1, 7):
            self.month_grid.setRowStretch(row, 1)

    def _build_agenda(
        self, first: date, last: date, by_day: dict[date, list[CalendarPost]]
    ) -> None:
        days = sorted(d for d in by_day if first <= d <= last)
        if not days:
            empty = QLabel("No posts in these 30 days (with these filters).")
            empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.agenda_layout.addWidget(empty)
        for day in days:
            cell = self._cell(day, locale_long_day(day))
            cell.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
            for post in by_day[day]:
                cell.add_card(self._card(post, compact=False, wide=True))
            self.agenda_layout.addWidget(cell)
        self.agenda_layout.addStretch(1)

    # -- selection and actions -------------------------------------------------------------

    def _post(self, key: str) -> CalendarPost | None:
        return next((p for p in self._posts if p.key == key), None)

    def selected_post(self) -> CalendarPost | None:
        return self._post(self.selected_key) if self.selected_key else None

    def select(self, key: str) -> None:
        """Select the post with this key (its card is highlighted, the buttons follow it)."""
        self.selected_key = key if self._post(key) is not None else None
        self._show_selection()

    def _show_selection(self) -> None:
        for key, card in self.cards.items():
            card.set_selected(key == self.selected_key)
        post = self.selected_post()
        links = post.links if post is not None else []
        self.open_button.setEnabled(bool(links))
        self.copy_button.setEnabled(bool(links))
        editable = post is not None and post.editable(self.now)
        self.edit_button.setEnabled(editable)
        self.cancel_button.setEnabled(editable)
        why = post.why_not_editable(self.now) if post is not None else None
        self.edit_button.setToolTip(why or "Change the caption or the time")
        self.cancel_button.setToolTip(why or "Delete this post on GEN before it is sent")
        self.detail_label.setText(self.describe(post) if post is not None else SELECT_HINT)

    def describe(self, post: CalendarPost) -> str:
        """The selected post in one or two lines (locale time, platforms and states)."""
        from genpro_desktop.gui.dialogs.when_picker import local_text

        zone_key = getattr(self.zone, "key", None)
        when = (
            local_text(post.when, zone_key)
            if isinstance(zone_key, str)
            else locale_time(post.when, self.zone)
        )
        states = ", ".join(
            f"{LABELS.get(p.platform, p.platform)} {STATE_WORDS.get(p.state, p.state)}"
            + (f" ({p.error})" if p.error else "")
            for p in post.platforms
        )
        origin = "" if post.made_here else " · made elsewhere"
        caption = " ".join(post.caption.split())
        if len(caption) > 90:
            caption = caption[:89] + "…"
        return f"{when}: {caption}\n{states}{origin}"

    def _show_menu(self, key: str, where: QPoint) -> QMenu:
        menu = self.context_menu(key)
        menu.popup(where)
        return menu

    def context_menu(self, key: str) -> QMenu:
        """The post's menu: open each live post, copy each link, edit, cancel."""
        post = self._post(key)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if post is None:
            return menu
        for label, url in post.links:
            opened = menu.addAction(f"Open on {label}")
            opened.triggered.connect(lambda _=False, u=url: self.open_requested.emit(u))
        for label, url in post.links:
            copied = menu.addAction(f"Copy {label} link")
            copied.triggered.connect(lambda _=False, u=url: self.copy_requested.emit(u))
        if post.links:
            menu.addSeparator()
        editable = post.editable(self.now)
        edit = menu.addAction("Edit caption or time…")
        edit.setEnabled(editable)
        edit.triggered.connect(lambda _=False: self.edit_requested.emit(key))
        cancel = menu.addAction("Cancel post…")
        cancel.setEnabled(editable)
        cancel.triggered.connect(lambda _=False: self.cancel_requested.emit(key))
        return menu

    def _choose_link(self, post: CalendarPost, verb: str) -> str | None:
        links = post.links
        if len(links) <= 1:
            return links[0][1] if links else None
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for label, url in links:
            action = menu.addAction(f"{verb} {label}")
            action.setData(url)
        chosen = menu.exec(self.open_button.mapToGlobal(self.open_button.rect().bottomLeft()))
        return str(chosen.data()) if chosen is not None else None

    def _open_clicked(self) -> None:
        post = self.selected_post()
        url = self._choose_link(post, "Open on") if post is not None else None
        if url:
            self.open_requested.emit(url)

    def _copy_clicked(self) -> None:
        post = self.selected_post()
        url = self._choose_link(post, "Copy the link on") if post is not None else None
        if url:
            self.copy_requested.emit(url)

    def _edit_clicked(self) -> None:
        if self.selected_key is not None:
            self.edit_requested.emit(self.selected_key)

    def _cancel_clicked(self) -> None:
        if self.selected_key is not None:
            self.cancel_requested.emit(self.selected_key)

    # -- visibility ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.visibility_changed.emit(True)

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.visibility_changed.emit(False)
