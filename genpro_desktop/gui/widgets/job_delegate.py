"""Paints one job row: kind icon, title, state chip, status line, cost and the status bar.

The bar is honest about what GEN tells us: while a render is pending or processing GEN gives no
percentage, so the bar is indeterminate and the line shows elapsed time against the typical
duration from our own history (with an overdue mark); a download's bar is determinate, with
bytes, speed and time left. A post shows one chip per platform (publishing, published: click to
open it, failed: hover for GEN's reason and the failed step), or when it is scheduled for later.

The first row of a batch (renders started together) carries the batch's header: its size, the
engine, how many are done and the expected time left. `compact` paints one line per job.

Painting is on the GUI thread 16 times a second while any bar animates, so a row's static part
(background, icon, title, chip, status line, cost) is drawn once into a pixmap and reused until
something it shows changes; only the bar (and a batch's header) is drawn on every frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    QLocale,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from genpro_desktop.core.downloads import DownloadProgress, format_bytes
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.model import PostPlatform
from genpro_desktop.core.jobs.view import BatchProgress, platform_label
from genpro_desktop.gui.models.job_list_model import BatchIdRole, RowPaint, RowPaintRole
from genpro_desktop.gui.theme import STATE_COLOURS, STATE_LABELS, kind_icon

_Index = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 60
COMPACT_ROW_HEIGHT = 28
BATCH_HEADER_HEIGHT = 26
ICON_SIZE = 28
COMPACT_ICON_SIZE = 16
PAD = 8
BAR_HEIGHT = 4
CHIP_HEIGHT = 17
COMPACT_STATUS_WIDTH = 300
# Rows whose static part stays cached (one pixmap each): a screenful or two of rows.
ROW_CACHE_SIZE = 48
OVERDUE_COLOUR = QColor("#d64545")
ATTENTION_COLOUR = QColor("#e08e0b")
UNKNOWN_STATUS_LABEL = "unknown status"


# A post's platforms: GEN's status -> (chip word, colour).
PLATFORM_CHIPS: dict[str, tuple[str, QColor]] = {
    "published": ("published", QColor("#27ae60")),
    "failed": ("failed", QColor("#d64545")),
    "skipped": ("skipped", QColor("#7d7d84")),
}
PUBLISHING_CHIP = ("publishing", QColor("#2f80ed"))
SCHEDULED_CHIP = ("scheduled", QColor("#7b61ff"))


def local_time_text(when: datetime, zone: tzinfo | None = None) -> str:
    """A moment in the user's zone and their locale's short format, with the zone's name."""
    local = when.astimezone(zone)
    shown = QLocale.system().toString(
        QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)),
        QLocale.FormatType.ShortFormat,
    )
    return f"{shown} {local.tzname() or ''}".strip()


def is_scheduled(job: LocalJob) -> bool:
    """True for a post that waits for its scheduled time (no platform has gone out yet)."""
    return (
        job.kind in (JobKind.POST, JobKind.PUBLISH)
        and job.scheduled_utc is not None
        and job.is_active
        and not any(p.is_terminal for p in job.post_platforms)
    )


def platform_chip(job: LocalJob, platform: PostPlatform) -> tuple[str, QColor]:
    """The word and colour of one platform's chip."""
    if platform.status in PLATFORM_CHIPS:
        return PLATFORM_CHIPS[platform.status]
    return SCHEDULED_CHIP if is_scheduled(job) else PUBLISHING_CHIP


def platform_tooltip(platform: PostPlatform) -> str:
    """What hovering a platform's chip says: the link, or GEN's reason and failed step."""
    label = platform_label(platform.platform)
    if platform.status == "failed":
        reason = platform.error or platform.error_code or "GEN gave no reason"
        step = f" (failed at {platform.failed_step})" if platform.failed_step else ""
        return f"{label} failed: {reason}{step}"
    if platform.status == "published" and platform.post_url:
        return f"Published on {label}: click to open {platform.post_url}"
    if platform.status == "skipped":
        return f"GEN left {label} out of this post"
    return f"{label}: {platform.status}"


def format_duration(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` past an hour."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_cost(cost: Decimal) -> str:
    """Credits with at most two decimals."""
    text = f"{cost:.2f}".rstrip("0").rstrip(".")
    return f"{text} credits"


def status_line(
    job: LocalJob,
    *,
    elapsed: float,
    typical: float | None,
    overdue: bool,
    progress: DownloadProgress | None,
) -> str:
    """The text after the state chip."""
    if is_scheduled(job) and job.scheduled_utc is not None:
        return f"Scheduled for {local_time_text(job.scheduled_utc)}"
    if job.is_parked:
        return job.attention_reason or "GEN's answer was lost: check GEN, then retry or dismiss"
    if job.state is JobState.DOWNLOADING:
        return download_text(job, progress)
    if job.state is JobState.QUEUED:
        return "waiting to start"
    if job.status_unknown:
        # Flagged, never hidden: GEN's own word, and that tracking goes on.
        return (
            f"GEN says `{job.raw_status}` (a status this app does not know; still tracking) · "
            f"{format_duration(elapsed)}"
        )
    if job.is_active:
        text = format_duration(elapsed)
        if typical is not None:
            text += f" · typically {format_duration(typical)}"
        if overdue:
            text += " · taking longer than usual"
        return text
    if job.state in (JobState.FAILED, JobState.STOPPED):
        return job.failure_note or job.state.value
    if job.state is JobState.DOWNLOADED:
        size = format_bytes(job.bytes_total or job.bytes_done) if job.bytes_done else ""
        name = (job.target_path or "").rsplit("/", 1)[-1]
        return " · ".join(part for part in (name, size) if part)
    return f"took {format_duration(elapsed)}"


def chip_label(job: LocalJob) -> str:
    """The state chip's text: "unknown status" while GEN's word is one this app does not know."""
    if job.status_unknown and job.is_active:
        return UNKNOWN_STATUS_LABEL
    return STATE_LABELS.get(job.state, job.state.value)


def download_text(job: LocalJob, progress: DownloadProgress | None) -> str:
    """`3.2 MB of 5.0 MB · 1.2 MB/s · 2 s left` from the latest progress (or the job);
    `Reconnecting, attempt 2 of 5 · 3.2 MB of 5.0 MB` while the connection is being restored."""
    done = progress.bytes if progress is not None else job.bytes_done
    total = progress.total if progress is not None else job.bytes_total
    parts = [f"{format_bytes(done)} of {format_bytes(total)}" if total else format_bytes(done)]
    if progress is not None and progress.reconnect is not None:
        parts.insert(0, progress.reconnect.describe().capitalize())
    if progress is not None and progress.speed:
        parts.append(f"{format_bytes(int(progress.speed))}/s")
    if progress is not None and progress.eta is not None and progress.eta > 0:
        parts.append(f"{format_duration(progress.eta)} left")
    return " · ".join(parts)


def download_fraction(job: LocalJob, progress: DownloadProgress | None) -> float | None:
    """How far a download is, 0..1, or None when the size is unknown."""
    done = progress.bytes if progress is not None else job.bytes_done
    total = progress.total if progress is not None else job.bytes_total
    if not total:
        return None
    return min(1.0, done / total)


@dataclass(frozen=True)
class _Fonts:
    title: QFont
    small: QFont
    title_metrics: QFontMetrics
    small_metrics: QFontMetrics


def _draw_elided(
    painter: QPainter, rect: QRect, text: str, font: QFont, metrics: QFontMetrics, pen: QColor
) -> None:
    """`text` on one line in `rect`, left-aligned and cut with an ellipsis where it is too long."""
    painter.setFont(font)
    painter.setPen(pen)
    painter.drawText(
        rect,
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
    )


def starts_batch(index: _Index) -> bool:
    """True when `index` is the first row of its batch as the view shows it (filtered)."""
    batch = index.data(BatchIdRole)
    if not batch:
        return False
    return index.row() == 0 or index.sibling(index.row() - 1, 0).data(BatchIdRole) != batch


class JobDelegate(QStyledItemDelegate):
    """Draws job rows; `phase` (0..1) animates the indeterminate bars."""

    link_activated = Signal(str)  # a published platform's chip was clicked: its post link

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.phase = 0.0
        self.compact = False
        # Set by the list while it repaints an animation frame that covers only the bars.
        self.bars_only = False
        # Set by the list while it paints otherwise: where each animated bar was drawn.
        self.animated_bars: list[QRect] | None = None
        self._font_cache: dict[str, _Fonts] = {}
        # job id -> (what the pixmap shows, the row's static part); least recently used first.
        self._row_cache: OrderedDict[str, tuple[tuple[object, ...], QPixmap]] = OrderedDict()

    def set_compact(self, compact: bool) -> None:
        """One line per job (True) or two with the status bar (False)."""
        if compact != self.compact:
            self.compact = compact
            self._row_cache.clear()
            self.sizeHintChanged.emit(QModelIndex())

    def row_height(self) -> int:
        """A job's height without a batch header."""
        return COMPACT_ROW_HEIGHT if self.compact else ROW_HEIGHT

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        extra = BATCH_HEADER_HEIGHT if starts_batch(index) else 0
        return QSize(320, self.row_height() + extra)

    def body_rect(self, rect: QRect, index: _Index) -> QRect:
        """The part of a row's rectangle that shows the job (below a batch header)."""
        if starts_batch(index):
            return rect.adjusted(0, BATCH_HEADER_HEIGHT, 0, 0)
        return QRect(rect)

    def _paint_bar_only(
        self,
        painter: QPainter,
        row: RowPaint,
        rect: QRect,
        bar: QRect,
        option: QStyleOptionViewItem,
    ) -> None:
        """An animation frame: the view repaints only the bars, so the row's cached picture is
        put back under the bar (whatever text changed elsewhere in it is outside the bar) and
        the bar drawn on it; no text, no header."""
        painter.save()
        painter.setClipRect(bar.adjusted(-1, -1, 1, 1))
        cached = self._row_cache.get(row.job.id)
        if cached is not None and cached[1].deviceIndependentSize().toSize() == rect.size():
            painter.drawPixmap(rect.topLeft(), cached[1])
        else:
            painter.drawPixmap(rect.topLeft(), self._row_picture(row, rect, option))
        self._paint_bar(painter, row.job, row.progress, bar, option.palette, row.overdue)
        painter.restore()

    def _row_picture(self, row: RowPaint, rect: QRect, option: QStyleOptionViewItem) -> QPixmap:
        """The row's static part for its body `rect` (from the cache when it still holds)."""
        line = status_line(
            row.job,
            elapsed=row.elapsed,
            typical=row.typical,
            overdue=row.overdue,
            progress=row.progress,
        )
        body = QStyleOptionViewItem(option)
        body.rect = rect
        return self._static_part(row, line, body)

    def bar_rect(self, rect: QRect) -> QRect:
        """Where the status bar of a job whose body is `rect` is drawn."""
        if self.compact:
            left = rect.left() + PAD
            return QRect(left, rect.bottom() - 2, rect.right() - PAD - left, 2)
        left = rect.left() + 2 * PAD + ICON_SIZE
        return QRect(
            left, rect.bottom() - PAD - BAR_HEIGHT + 2, rect.right() - PAD - left, BAR_HEIGHT
        )

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        row = index.data(RowPaintRole)
        if not isinstance(row, RowPaint):
            super().paint(painter, option, index)
            return
        full: QRect = option.rect
        rect = self.body_rect(full, index)
        bar = self.bar_rect(rect)
        if self.bars_only:
            self._paint_bar_only(painter, row, rect, bar, option)
            return
        if rect.top() != full.top() and row.batch is not None:
            header = QRect(full.left(), full.top(), full.width(), BATCH_HEADER_HEIGHT)
            painter.save()
            self._paint_header(painter, header, row.batch_title, row.batch, option)
            painter.restore()
        painter.drawPixmap(rect.topLeft(), self._row_picture(row, rect, option))
        if self.animated_bars is not None and _animates(row.job, row.progress):
            self.animated_bars.append(bar)
        painter.save()
        self._paint_bar(painter, row.job, row.progress, bar, option.palette, row.overdue)
        painter.restore()

    # -- post chips: geometry shared by painting, clicks and tooltips -----------------------

    def chip_rects(
        self, job: LocalJob, rect: QRect, font: QFont
    ) -> list[tuple[PostPlatform, QRectF]]:
        """Where each platform chip of a post is drawn inside the job's `rect`: under the
        title, or in a compact row right-aligned before the status text."""
        if job.kind is not JobKind.POST or not job.post_platforms:
            return []
        fonts = self._fonts(font)
        widths: list[int] = []
        for platform in job.post_platforms:
            word, _colour = platform_chip(job, platform)
            text = f"{platform_label(platform.platform)} · {word}"
            widths.append(fonts.small_metrics.horizontalAdvance(text) + 14)
        gap = 4
        if self.compact:
            total = sum(widths) + gap * (len(widths) - 1)
            x = self.compact_status_left(rect) - PAD - total
            top = rect.top() + (rect.height() - CHIP_HEIGHT) // 2
        else:
            x, top = rect.left() + 2 * PAD + ICON_SIZE, rect.top() + 28
        placed: list[tuple[PostPlatform, QRectF]] = []
        for platform, width in zip(job.post_platforms, widths, strict=True):
            placed.append((platform, QRectF(x, top, width, CHIP_HEIGHT)))
            x += width + gap
        return placed

    @staticmethod
    def compact_status_left(rect: QRect) -> int:
        """Where a compact row's status text starts (it takes the right part of the row)."""
        width = min(COMPACT_STATUS_WIDTH, rect.width() * 3 // 10)
        return rect.right() - PAD - width

    def _chip_at(
        self, view_rect: QRect, index: _Index, font: QFont, pos: QPoint
    ) -> PostPlatform | None:
        row = index.data(RowPaintRole)
        if not isinstance(row, RowPaint):
            return None
        body = self.body_rect(view_rect, index)
        for platform, chip in self.chip_rects(row.job, body, font):
            if chip.contains(pos.toPointF()):
                return platform
        return None

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: _Index
    ) -> bool:
        if (
            event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            chip = self._chip_at(option.rect, index, option.font, event.position().toPoint())
            if chip is not None and chip.status == "published" and chip.post_url:
                self.link_activated.emit(chip.post_url)
                return True
        return super().editorEvent(event, model, option, index)  # type: ignore[arg-type]

    def helpEvent(
        self,
        event: QHelpEvent,
        view: QAbstractItemView,
        option: QStyleOptionViewItem,
        index: _Index,
    ) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            chip = self._chip_at(option.rect, index, option.font, event.pos())
            if chip is not None:
                QToolTip.showText(event.globalPos(), platform_tooltip(chip), view)
                return True
        return super().helpEvent(event, view, option, index)

    # -- painting ------------------------------------------------------------------------

    def _paint_header(
        self,
        painter: QPainter,
        rect: QRect,
        title: str,
        progress: BatchProgress,
        option: QStyleOptionViewItem,
    ) -> None:
        palette: QPalette = option.palette
        band = QColor(palette.color(QPalette.ColorRole.Highlight))
        band.setAlphaF(0.12)
        painter.fillRect(rect.adjusted(0, 2, 0, 0), band)
        fonts = self._fonts(option.font)
        inner = rect.adjusted(PAD, 2, -PAD, -4)
        summary = progress.summary()
        painter.setFont(fonts.small)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        summary_width = fonts.small_metrics.horizontalAdvance(summary)
        painter.drawText(
            inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, summary
        )
        title_rect = QRect(inner)
        title_rect.setRight(inner.right() - summary_width - PAD)
        text_colour = palette.color(QPalette.ColorRole.Text)
        _draw_elided(painter, title_rect, title, fonts.title, fonts.title_metrics, text_colour)
        # How much of the batch is done, as a thin determinate bar under the header.
        track = QRectF(rect.left() + PAD, rect.bottom() - 2, rect.width() - 2 * PAD, 3)
        colour = QColor(palette.color(QPalette.ColorRole.Mid))
        colour.setAlphaF(0.35)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRect(track)
        if progress.total:
            done = QRectF(track)
            done.setWidth(track.width() * progress.done / progress.total)
            painter.setBrush(STATE_COLOURS[JobState.COMPLETED])
            painter.drawRect(done)

    def _static_part(self, row: RowPaint, line: str, option: QStyleOptionViewItem) -> QPixmap:
        """The row without its bar, from the cache when nothing it shows has changed."""
        job = row.job
        widget = option.widget
        ratio = widget.devicePixelRatioF() if widget is not None else 1.0
        size: QSize = option.rect.size()
        key = (
            job.kind,
            job.state,
            job.is_parked,
            job.status_unknown,
            job.execution_cost,
            job.post_platforms,
            row.title,
            line,
            row.overdue,
            self.compact,
            int(option.state.value),
            size.width(),
            size.height(),
            ratio,
            option.palette.cacheKey(),
            option.font.key(),
        )
        cached = self._row_cache.get(job.id)
        if cached is not None and cached[0] == key:
            self._row_cache.move_to_end(job.id)
            return cached[1]
        pixmap = QPixmap(size * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        local = QStyleOptionViewItem(option)
        local.rect = QRect(QPoint(0, 0), size)
        painter = QPainter(pixmap)
        try:
            if self.compact:
                self._paint_compact(painter, local, row, line)
            else:
                self._paint_static(painter, local, row, line)
        finally:
            painter.end()
        self._row_cache[job.id] = (key, pixmap)
        self._row_cache.move_to_end(job.id)
        while len(self._row_cache) > ROW_CACHE_SIZE:
            self._row_cache.popitem(last=False)
        return pixmap

    def _colours(self, option: QStyleOptionViewItem) -> tuple[QColor, QColor, bool]:
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(text_colour)
        muted.setAlphaF(0.7)
        return text_colour, muted, selected

    def _line_pen(self, job: LocalJob, row: RowPaint, muted: QColor, selected: bool) -> QColor:
        if not selected and (job.state is JobState.FAILED or row.overdue):
            return OVERDUE_COLOUR
        if not selected and (job.is_parked or job.status_unknown):
            return ATTENTION_COLOUR
        return muted

    def _paint_frame(
        self, painter: QPainter, option: QStyleOptionViewItem, job: LocalJob
    ) -> tuple[QColor, QColor, bool, _Fonts]:
        """A job row's background and attention strip; its text colour, muted colour, whether it
        is selected, and its fonts."""
        self._paint_background(painter, option)
        rect: QRect = option.rect
        if job.is_parked or job.status_unknown:
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), ATTENTION_COLOUR)
        return (*self._colours(option), self._fonts(option.font))

    def _paint_background(self, painter: QPainter, option: QStyleOptionViewItem) -> None:
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The view's own option carries the selection/hover state: enough for the background.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)

    def _paint_static(
        self, painter: QPainter, option: QStyleOptionViewItem, row: RowPaint, line: str
    ) -> None:
        job = row.job
        rect: QRect = option.rect
        text_colour, muted, selected, fonts = self._paint_frame(painter, option, job)
        icon_rect = QRect(rect.left() + PAD, rect.top() + PAD, ICON_SIZE, ICON_SIZE)
        kind_icon(job.kind).paint(painter, icon_rect)

        left = icon_rect.right() + PAD
        right = rect.right() - PAD
        cost_text = format_cost(job.execution_cost) if job.execution_cost is not None else ""
        cost_width = fonts.small_metrics.horizontalAdvance(cost_text) if cost_text else 0
        line1 = QRect(left, rect.top() + 5, right - left, 20)
        if cost_text:
            painter.setFont(fonts.small)
            painter.setPen(muted)
            painter.drawText(
                line1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, cost_text
            )
        title_rect = QRect(line1)
        title_rect.setRight(right - cost_width - (PAD if cost_text else 0))
        _draw_elided(painter, title_rect, row.title, fonts.title, fonts.title_metrics, text_colour)

        chips = self.chip_rects(job, rect, option.font)
        if chips:
            chip_right = self._paint_platform_chips(painter, job, chips, fonts)
        else:
            chip_right = self._paint_chip(painter, job, fonts, left, rect.top() + 28)
        line_rect = QRect(chip_right + PAD, rect.top() + 27, right - chip_right - PAD, 18)
        pen = self._line_pen(job, row, muted, selected)
        _draw_elided(painter, line_rect, line, fonts.small, fonts.small_metrics, pen)

    def _paint_compact(
        self, painter: QPainter, option: QStyleOptionViewItem, row: RowPaint, line: str
    ) -> None:
        """One line: icon, title, state chip (or a post's platform chips), status text."""
        job = row.job
        rect: QRect = option.rect
        text_colour, muted, selected, fonts = self._paint_frame(painter, option, job)
        top = rect.top() + (rect.height() - COMPACT_ICON_SIZE) // 2
        kind_icon(job.kind, COMPACT_ICON_SIZE).paint(
            painter, QRect(rect.left() + PAD, top, COMPACT_ICON_SIZE, COMPACT_ICON_SIZE)
        )
        left = rect.left() + 2 * PAD + COMPACT_ICON_SIZE
        right = rect.right() - PAD
        status_left = self.compact_status_left(rect)
        chips = self.chip_rects(job, rect, option.font)
        if chips:
            chip_left = int(chips[0][1].left())
        else:
            chip_width = fonts.small_metrics.horizontalAdvance(chip_label(job)) + 14
            chip_left = status_left - PAD - chip_width
        title_rect = QRect(left, rect.top(), chip_left - left - PAD, rect.height())
        _draw_elided(painter, title_rect, row.title, fonts.title, fonts.title_metrics, text_colour)
        chip_top = rect.top() + (rect.height() - CHIP_HEIGHT) // 2
        if chips:
            self._paint_platform_chips(painter, job, chips, fonts)
        else:
            self._paint_chip(painter, job, fonts, chip_left, chip_top)
        if job.execution_cost is not None:
            line = f"{line} · {format_cost(job.execution_cost)}" if line else ""
        line_rect = QRect(status_left, rect.top(), right - status_left, rect.height())
        pen = self._line_pen(job, row, muted, selected)
        _draw_elided(painter, line_rect, line, fonts.small, fonts.small_metrics, pen)

    def _fonts(self, base: QFont) -> _Fonts:
        key = base.key()
        fonts = self._font_cache.get(key)
        if fonts is None:
            title = QFont(base)
            title.setBold(True)
            small = QFont(base)
            small.setPointSizeF(max(7.0, base.pointSizeF() * 0.9))
            fonts = _Fonts(title, small, QFontMetrics(title), QFontMetrics(small))
            self._font_cache[key] = fonts
        return fonts

    def _paint_platform_chips(
        self,
        painter: QPainter,
        job: LocalJob,
        chips: list[tuple[PostPlatform, QRectF]],
        fonts: _Fonts,
    ) -> int:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(fonts.small)
        for platform, chip in chips:
            word, colour = platform_chip(job, platform)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawRoundedRect(chip, CHIP_HEIGHT / 2, CHIP_HEIGHT / 2)
            painter.setPen(QColor("white"))
            text = f"{platform_label(platform.platform)} · {word}"
            if platform.status == "published" and platform.post_url:
                font = QFont(fonts.small)
                font.setUnderline(True)  # a link: click opens the post
                painter.setFont(font)
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
            painter.setFont(fonts.small)
        return int(chips[-1][1].right())

    def _paint_chip(
        self, painter: QPainter, job: LocalJob, fonts: _Fonts, left: int, top: int
    ) -> int:
        label = chip_label(job)
        width = fonts.small_metrics.horizontalAdvance(label) + 14
        chip = QRectF(left, top, width, CHIP_HEIGHT)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        colour = STATE_COLOURS.get(job.state, QColor("#8e8e93"))
        painter.setBrush(ATTENTION_COLOUR if job.status_unknown and job.is_active else colour)
        painter.drawRoundedRect(chip, CHIP_HEIGHT / 2, CHIP_HEIGHT / 2)
        painter.setPen(QColor("white"))
        painter.setFont(fonts.small)
        painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
        return int(chip.right())

    def _paint_bar(
        self,
        painter: QPainter,
        job: LocalJob,
        progress: DownloadProgress | None,
        bar: QRect,
        palette: QPalette,
        overdue: bool,
    ) -> None:
        if not job.is_active or is_scheduled(job):
            return
        track = QColor(palette.color(QPalette.ColorRole.Mid))
        track.setAlphaF(0.35)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(track)
        painter.drawRoundedRect(QRectF(bar), 2, 2)
        colour = OVERDUE_COLOUR if overdue else STATE_COLOURS[JobState.PROCESSING]
        painter.setBrush(colour)
        fraction = download_fraction(job, progress) if job.kind is JobKind.DOWNLOAD else None
        if fraction is not None and job.state is JobState.DOWNLOADING:
            filled = QRectF(bar.left(), bar.top(), bar.width() * fraction, bar.height())
            painter.drawRoundedRect(filled, 2, 2)
            return
        # Indeterminate: a segment a quarter of the width sweeps across.
        segment = bar.width() * 0.25
        x = bar.left() - segment + (bar.width() + segment) * self.phase
        # It slides in at the left and out at the right (was: parked whole at the left edge for
        # the first fifth of each sweep).
        moving = QRectF(x, bar.top(), segment, bar.height()).intersected(QRectF(bar))
        if moving.width() > 0:
            painter.drawRoundedRect(moving, 2, 2)


def _animates(job: LocalJob, progress: DownloadProgress | None) -> bool:
    """Whether `job`'s bar moves on every animation frame (an indeterminate bar)."""
    if not job.is_active or is_scheduled(job):
        return False
    if job.kind is JobKind.DOWNLOAD and job.state is JobState.DOWNLOADING:
        return download_fraction(job, progress) is None
    return True
