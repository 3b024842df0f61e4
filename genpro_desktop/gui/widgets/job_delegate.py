"""Paints one job row: kind icon, title, state chip, status line, cost and the status bar.

The bar is honest about what GEN tells us: while a render is pending or processing GEN gives no
percentage, so the bar is indeterminate and the line shows elapsed time against the typical
duration from our own history (with an overdue mark); a download's bar is determinate, with
bytes, speed and time left.

Painting is on the GUI thread 16 times a second while any bar animates, so a row's static part
(background, icon, title, chip, status line, cost) is drawn once into a pixmap and reused until
something it shows changes; only the bar is drawn on every frame.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from genpro_desktop.core.downloads import DownloadProgress, format_bytes
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.gui.models.job_list_model import RowPaint, RowPaintRole
from genpro_desktop.gui.theme import STATE_COLOURS, STATE_LABELS, kind_icon

_Index = QModelIndex | QPersistentModelIndex

ROW_HEIGHT = 60
ICON_SIZE = 28
PAD = 8
BAR_HEIGHT = 4
# Rows whose static part stays cached (one pixmap each): a screenful or two of rows.
ROW_CACHE_SIZE = 48
OVERDUE_COLOUR = QColor("#d64545")
ATTENTION_COLOUR = QColor("#e08e0b")
UNKNOWN_STATUS_LABEL = "unknown status"


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


class JobDelegate(QStyledItemDelegate):
    """Draws job rows; `phase` (0..1) animates the indeterminate bars."""

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.phase = 0.0
        self._font_cache: dict[str, _Fonts] = {}
        # job id -> (what the pixmap shows, the row's static part); least recently used first.
        self._row_cache: OrderedDict[str, tuple[tuple[object, ...], QPixmap]] = OrderedDict()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        return QSize(320, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        row = index.data(RowPaintRole)
        if not isinstance(row, RowPaint):
            super().paint(painter, option, index)
            return
        rect: QRect = option.rect
        line = status_line(
            row.job,
            elapsed=row.elapsed,
            typical=row.typical,
            overdue=row.overdue,
            progress=row.progress,
        )
        static = self._static_part(row, line, option)
        painter.drawPixmap(rect.topLeft(), static)
        left = rect.left() + 2 * PAD + ICON_SIZE
        bar = QRect(
            left, rect.bottom() - PAD - BAR_HEIGHT + 2, rect.right() - PAD - left, BAR_HEIGHT
        )
        painter.save()
        self._paint_bar(painter, row.job, row.progress, bar, option.palette, row.overdue)
        painter.restore()

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
            row.title,
            line,
            row.overdue,
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
            self._paint_static(painter, local, row, line)
        finally:
            painter.end()
        self._row_cache[job.id] = (key, pixmap)
        self._row_cache.move_to_end(job.id)
        while len(self._row_cache) > ROW_CACHE_SIZE:
            self._row_cache.popitem(last=False)
        return pixmap

    def _paint_static(
        self, painter: QPainter, option: QStyleOptionViewItem, row: RowPaint, line: str
    ) -> None:
        job = row.job
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        # The view's own option carries the selection/hover state: enough for the background.
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        rect: QRect = option.rect
        palette: QPalette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(text_colour)
        muted.setAlphaF(0.7)
        fonts = self._fonts(option.font)

        if job.is_parked or job.status_unknown:
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), ATTENTION_COLOUR)
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
        painter.setFont(fonts.title)
        painter.setPen(text_colour)
        title_rect = QRect(line1)
        title_rect.setRight(right - cost_width - (PAD if cost_text else 0))
        painter.drawText(
            title_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fonts.title_metrics.elidedText(
                row.title, Qt.TextElideMode.ElideRight, title_rect.width()
            ),
        )

        chip_right = self._paint_chip(painter, job, fonts, left, rect.top() + 28)
        line_rect = QRect(chip_right + PAD, rect.top() + 27, right - chip_right - PAD, 18)
        painter.setFont(fonts.small)
        if not selected and (job.state is JobState.FAILED or row.overdue):
            painter.setPen(OVERDUE_COLOUR)
        elif not selected and (job.is_parked or job.status_unknown):
            painter.setPen(ATTENTION_COLOUR)
        else:
            painter.setPen(muted)
        painter.drawText(
            line_rect,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            fonts.small_metrics.elidedText(line, Qt.TextElideMode.ElideRight, line_rect.width()),
        )

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

    def _paint_chip(
        self, painter: QPainter, job: LocalJob, fonts: _Fonts, left: int, top: int
    ) -> int:
        label = chip_label(job)
        width = fonts.small_metrics.horizontalAdvance(label) + 14
        chip = QRectF(left, top, width, 17)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        colour = STATE_COLOURS.get(job.state, QColor("#8e8e93"))
        painter.setBrush(ATTENTION_COLOUR if job.status_unknown and job.is_active else colour)
        painter.drawRoundedRect(chip, 8.5, 8.5)
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
        if not job.is_active:
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
        moving = QRectF(max(x, bar.left()), bar.top(), segment, bar.height())
        moving.setRight(min(moving.right(), bar.right()))
        if moving.width() > 0:
            painter.drawRoundedRect(moving, 2, 2)
