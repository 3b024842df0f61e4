"""Look and feel: light/dark/system palettes, state colours and the small icons the app draws.

Icons are painted with QPainter from simple shapes, so there are no image files to ship and they
follow the palette. Colours for job states are chosen to read on both light and dark backgrounds.
The palettes and the app icon live in `gui/palette.py` (the first frame needs them before this
module's imports) and are re-exported here.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.gui.palette import (
    ACCENT,
    ERROR_TEXT_DARK,
    ERROR_TEXT_LIGHT,
    app_icon,
    apply_theme,
    error_colour,
    error_style,
    is_dark,
)

__all__ = [
    "ACCENT",
    "DEMO_BADGE_STYLE",
    "ERROR_TEXT_DARK",
    "ERROR_TEXT_LIGHT",
    "STATE_COLOURS",
    "STATE_LABELS",
    "app_icon",
    "apply_theme",
    "error_colour",
    "error_style",
    "is_dark",
    "kind_icon",
]
DEMO_BADGE_STYLE = (
    "QLabel { background: #ffb300; color: #1d1d1d; font-weight: bold;"
    " border-radius: 4px; padding: 2px 8px; }"
)

STATE_COLOURS: dict[JobState, QColor] = {
    JobState.SUBMITTING: QColor("#8e8e93"),
    JobState.PENDING: QColor("#8e8e93"),
    JobState.PROCESSING: QColor("#2f80ed"),
    JobState.QUEUED: QColor("#8e8e93"),
    JobState.DOWNLOADING: QColor("#2f80ed"),
    JobState.COMPLETED: QColor("#27ae60"),
    JobState.DOWNLOADED: QColor("#27ae60"),
    JobState.FAILED: QColor("#d64545"),
    JobState.STOPPED: QColor("#7d7d84"),
    JobState.DISMISSED: QColor("#7d7d84"),
    JobState.OUTCOME_UNKNOWN: QColor("#e08e0b"),
    JobState.NEEDS_ATTENTION: QColor("#e08e0b"),
}

STATE_LABELS: dict[JobState, str] = {
    JobState.SUBMITTING: "sending",
    JobState.PENDING: "pending",
    JobState.PROCESSING: "processing",
    JobState.QUEUED: "queued",
    JobState.DOWNLOADING: "downloading",
    JobState.COMPLETED: "completed",
    JobState.DOWNLOADED: "downloaded",
    JobState.FAILED: "failed",
    JobState.STOPPED: "stopped",
    JobState.DISMISSED: "dismissed",
    JobState.OUTCOME_UNKNOWN: "outcome unknown",
    JobState.NEEDS_ATTENTION: "needs attention",
}


@cache
def kind_icon(kind: JobKind, size: int = 32) -> QIcon:
    """A small icon for a job kind: a film frame (render), an arrow (download), a send (publish)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = {
        JobKind.RENDER: QColor("#7b61ff"),
        JobKind.DOWNLOAD: QColor("#2f80ed"),
        JobKind.PUBLISH: QColor("#ff2d55"),
        JobKind.POST: QColor("#ff2d55"),
    }[kind]
    painter.setBrush(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.22, size * 0.22)
    pen = QPen(QColor("white"), max(2.0, size / 12))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    s = float(size)
    if kind is JobKind.RENDER:
        triangle = QPainterPath(QPointF(s * 0.38, s * 0.28))
        triangle.lineTo(s * 0.72, s * 0.5)
        triangle.lineTo(s * 0.38, s * 0.72)
        triangle.closeSubpath()
        painter.setBrush(QColor("white"))
        painter.drawPath(triangle)
    elif kind is JobKind.DOWNLOAD:
        painter.drawLine(QPointF(s * 0.5, s * 0.24), QPointF(s * 0.5, s * 0.64))
        painter.drawPolyline(
            [QPointF(s * 0.32, s * 0.48), QPointF(s * 0.5, s * 0.66), QPointF(s * 0.68, s * 0.48)]
        )
        painter.drawLine(QPointF(s * 0.28, s * 0.78), QPointF(s * 0.72, s * 0.78))
    else:
        plane = QPainterPath(QPointF(s * 0.24, s * 0.5))
        plane.lineTo(s * 0.76, s * 0.26)
        plane.lineTo(s * 0.6, s * 0.76)
        plane.lineTo(s * 0.48, s * 0.56)
        plane.closeSubpath()
        painter.drawPath(plane)
    painter.end()
    return QIcon(pixmap)
