"""Look and feel: light/dark/system palettes, state colours and the small icons the app draws.

Icons are painted with QPainter from simple shapes, so there are no image files to ship and they
follow the palette. Colours for job states are chosen to read on both light and dark backgrounds.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.gui.preferences import Theme

ACCENT = QColor("#ff9f1c")
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

# Text colours for problems; one red cannot reach WCAG AA (4.5:1) on both palettes' windows.
ERROR_TEXT_LIGHT = QColor("#c62828")
ERROR_TEXT_DARK = QColor("#ff6b6b")

_original_palette: QPalette | None = None


def is_dark(palette: QPalette | None = None) -> bool:
    """True when the (app's) palette has a dark window background."""
    palette = palette if palette is not None else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def error_colour(palette: QPalette | None = None) -> QColor:
    """The colour for a problem's text that reads on the (app's) palette."""
    return QColor(ERROR_TEXT_DARK if is_dark(palette) else ERROR_TEXT_LIGHT)


def error_style() -> str:
    """A style sheet colouring a label's text as a problem, readable on the current palette."""
    return f"color: {error_colour().name()};"


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Switch the whole app to the system, light or dark palette."""
    global _original_palette
    if _original_palette is None:
        _original_palette = QPalette(app.palette())
        app.setStyle("Fusion")
    hints = app.styleHints()
    if theme == "system":
        hints.setColorScheme(Qt.ColorScheme.Unknown)
        app.setPalette(_original_palette)
        return
    hints.setColorScheme(Qt.ColorScheme.Dark if theme == "dark" else Qt.ColorScheme.Light)
    app.setPalette(_dark_palette() if theme == "dark" else _light_palette())


def _light_palette() -> QPalette:
    return _palette(_LIGHT_ROLES, disabled="#8e8e93")


def _dark_palette() -> QPalette:
    return _palette(_DARK_ROLES, disabled="#77777d")


_LIGHT_ROLES = {
    QPalette.ColorRole.Window: "#f4f4f6",
    QPalette.ColorRole.WindowText: "#1d1d1f",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f0f0f3",
    QPalette.ColorRole.Text: "#1d1d1f",
    QPalette.ColorRole.Button: "#ececef",
    QPalette.ColorRole.ButtonText: "#1d1d1f",
    QPalette.ColorRole.Highlight: "#2a6ad8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#ffffff",
    QPalette.ColorRole.ToolTipText: "#1d1d1f",
    QPalette.ColorRole.PlaceholderText: "#6e6e73",
    QPalette.ColorRole.Link: "#1a5fb4",
    QPalette.ColorRole.LinkVisited: "#6e3fc8",
    QPalette.ColorRole.Mid: "#c7c7cc",
}

_DARK_ROLES = {
    QPalette.ColorRole.Window: "#1f1f23",
    QPalette.ColorRole.WindowText: "#e8e8ea",
    QPalette.ColorRole.Base: "#26262b",
    QPalette.ColorRole.AlternateBase: "#2c2c31",
    QPalette.ColorRole.Text: "#e8e8ea",
    QPalette.ColorRole.Button: "#2c2c31",
    QPalette.ColorRole.ButtonText: "#e8e8ea",
    QPalette.ColorRole.Highlight: "#2a6ad8",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#2c2c31",
    QPalette.ColorRole.ToolTipText: "#e8e8ea",
    QPalette.ColorRole.PlaceholderText: "#9a9aa0",
    # Qt's default link blue (#0000ff) is unreadable on a dark background.
    QPalette.ColorRole.Link: "#7ab8ff",
    QPalette.ColorRole.LinkVisited: "#c0a0ff",
    QPalette.ColorRole.Mid: "#48484f",
    QPalette.ColorRole.Light: "#3a3a40",
    QPalette.ColorRole.Dark: "#141417",
}


def _palette(roles: dict[QPalette.ColorRole, str], disabled: str) -> QPalette:
    """A palette of `roles`' colours, with `disabled` for the text of disabled widgets."""
    palette = QPalette()
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    # Without this a disabled button or field reads like an enabled one (setColor sets every group).
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


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


@cache
def app_icon() -> QIcon:
    """The window and tray icon: the render mark on the accent colour."""
    size = 64
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ACCENT)
    painter.drawRoundedRect(QRectF(2, 2, size - 4, size - 4), 14, 14)
    triangle = QPainterPath(QPointF(24, 18))
    triangle.lineTo(46, 32)
    triangle.lineTo(24, 46)
    triangle.closeSubpath()
    painter.setBrush(QColor("white"))
    painter.drawPath(triangle)
    painter.end()
    return QIcon(pixmap)
