"""The light, dark and system palettes and the app's icon: what the window's first frame needs.

Its own module, importing nothing but Qt, because the main window is painted before the rest of
the app is imported (`gui/first_frame.py`); `gui/theme.py` re-exports all of it next to the job
state colours and icons. Nothing here touches PySide6's `Qt` namespace unless a light or dark
theme is chosen: building that namespace's ~100 enum classes costs ~20 ms on first use.
"""

from __future__ import annotations

import binascii
from functools import cache
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from genpro_desktop.gui.settings_file import Theme

ACCENT = QColor("#ff9f1c")

# Text colours for problems; one red cannot reach WCAG AA (4.5:1) on both palettes' windows.
ERROR_TEXT_LIGHT = QColor("#c62828")
ERROR_TEXT_DARK = QColor("#ff6b6b")

# The system's palette, kept when a light or dark theme first replaces it (to go back to it).
_original_palette: QPalette | None = None
_fusion = False


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


def new_application(program: str) -> QApplication:
    """The QApplication, in the app's style (Fusion) from the start.

    Asked for on its command line rather than with `setStyle`: that returns the style to Python,
    and PySide6 then sets up QStyle's classes and enums (~10 ms) before the first paint.
    """
    global _fusion
    app = QApplication([program, "-style", "Fusion"])
    _fusion = True
    return app


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Switch the whole app to the system, light or dark palette."""
    global _original_palette, _fusion
    if not _fusion:
        app.setStyle("Fusion")
        _fusion = True
    hints = app.styleHints()
    if theme == "system":
        # Only if a light or dark theme replaced it: reading the palette at start-up, before
        # the window's first paint, would set up a second style (~20 ms).
        if _original_palette is not None:
            hints.unsetColorScheme()  # the platform's scheme again (ColorScheme.Unknown)
            app.setPalette(_original_palette)
        return
    if _original_palette is None:
        _original_palette = QPalette(app.palette())
    from PySide6.QtCore import Qt  # its enums are built on first use: only for these themes

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
def app_icon() -> QIcon:
    """The window and tray icon: the render mark on the accent colour (`draw_app_icon`).

    Loaded from a PNG of `draw_app_icon()` kept below: drawing it would make PySide6 build the
    `Qt` namespace's enums (any brush or colour overload does), ~20 ms before the first paint.
    `tests/gui/test_first_frame.py` checks that the PNG is still what `draw_app_icon()` draws;
    `python -m genpro_desktop.gui.palette` prints a new one.
    """
    pixmap = QPixmap()
    pixmap.loadFromData(binascii.a2b_base64(_APP_ICON_PNG), "PNG")
    return QIcon(pixmap)


def draw_app_icon(size: int = 64) -> QPixmap:
    """The app icon drawn: a white play triangle on a rounded square of the accent colour."""
    # Imported here: PySide6 sets each class up on first use (QPainter ~2 ms), and the app only
    # draws the icon to renew its PNG.
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QPainter, QPainterPath

    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    scale = size / 64
    badge = QPainterPath()
    badge.addRoundedRect(QRectF(2, 2, 60, 60), 14, 14)
    triangle = QPainterPath(QPointF(24, 18))
    triangle.lineTo(46, 32)
    triangle.lineTo(24, 46)
    triangle.closeSubpath()
    painter.scale(scale, scale)
    painter.fillPath(badge, ACCENT)
    painter.fillPath(triangle, QColor("white"))
    painter.end()
    return pixmap


def icon_png(pixmap: QPixmap) -> bytes:
    """`pixmap` as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


_APP_ICON_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAYAAACqaXHeAAAACXBIWXMAAA7EAAAOxAGVKw4bAAADpElEQVR4nO2b"
    "uU8UURzHP79ZNfGKR+G1goV4lEbEI9FCLQgNaCKNRyAY/wAtKCSWQG9iY4xZY7TRGEq1QBMPJIiFVhq0ANer2MSI"
    "mijOz2J3dodjYVb2vTcLfqq3s8O87/vMY34z2Xnwn/mNRN1RFSFVtQv1mxDZj5BEWQ8sNZgvCt8RPqKkUX2Mej20"
    "jQyKoFH+eEYBqgjXks0gnSg1s89rAWEItIOW9K2ZREwrQFNVm1G9Cewua0B79CNyQlpH3hbboagATSUPo3ILWGUk"
    "mj0yqDZLW7p3qi+nFJAb/D0gYTSaLYQxfK2fSsIkAblpP0Dln/mJZPC9Ojk9/C680Qt/UEVy//NzbfAAq/H8m6rj"
    "T/o4AdmrfcVe8KKwh1TyWHhDXkDWjHTaz2QZka7wLCjMgKtVtRVT52eDUsO16p3Bx4IA8Y84CeSEP/mxhgTIfidZ"
    "XKByIGiGBJB0EsYNG4JGQUD2wWZ+IIWxhsug66c6eyjLgqY33X7zAfMCDl2BJeuMd/OvmBdQXQ9HH8D2UyDxm3B2"
    "Ei1cBnu7oOE2rNxipcuo2D0la+qg8T7sOAeJRVa7Lob9OektgB1nofEerK2z3v2kOM56XlEDDXdgXzcsWu4shvur"
    "0raTcPQhbGpw0r17AQCL18DBy05KZjwEBDgomfESANZLZvwEBFgqmfEVAFZKZrwFBBgsmZUhIMBAyawsAQEa6Yff"
    "SCwo25Fs8Po6DHbDr29lO2RlCPg6BE/b4fNA2Q8dbwH+GLy8CK8uwZ9fRrqIr4AvA/CkPXv2DRI/Ab9H4XkXvLkB"
    "6hvvLl4Chu/Cswvw45O1LuMh4OcX6OvICrCMewEGSlspuBNgsLSVgn0BFkpbKdgVYKm0lYIdAZZLWymYF+CgtJWC"
    "eQG9Z4x3MRsq83G4jIQFfHeWwjbCaNAMvyLz0UkYF2hhrOFXZNJOwrjhQ9AICdDHTqK4QPRR0AwJ8HqchHFCIj/W"
    "/Cuj2ZUhG9/M+bdFhSFa3m8NVpLkZ0B2g3a4S2YJ1fPhZTQy/juE1MY+YI/1YHbop/X9vrCAcTdCIigiJ4CM9Wjm"
    "yeB7xycuopp0JyitI29RbUYYs5fNMMIYqs0TV4tAkVthaUv34ms9c2MmZIqtF4JpngWkLd2LyG6g31g08/Tje3XF"
    "Bg9RF06mkscQ6aqYEikMoXqe1vTtWS2cDKOKcLWqloTflHvffgPC+vCLx04QRnP39h+yd3iJHlqGX0RdOvuf+c5f"
    "EyAeLrW2YoIAAAAASUVORK5CYII="
)


if __name__ == "__main__":  # prints `_APP_ICON_PNG` for `draw_app_icon()` as it draws now
    import textwrap

    _app = QApplication([])
    _encoded = binascii.b2a_base64(icon_png(draw_app_icon()), newline=False).decode("ascii")
    print("\n".join(f'    "{line}"' for line in textwrap.wrap(_encoded, 88)))
