"""The light and dark themes reach WCAG AA (4.5:1) for text, links, problems and the grid's
final-video tint."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from genpro_desktop.gui import palette as theme
from genpro_desktop.gui.models.engine_table_model import FINAL_VIDEO_TINT

AA = 4.5
Role = QPalette.ColorRole


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def over(tint: QColor, background: QColor) -> QColor:
    """`tint` (with its alpha) painted over an opaque `background`."""
    alpha = tint.alphaF()
    return QColor.fromRgbF(
        tint.redF() * alpha + background.redF() * (1 - alpha),
        tint.greenF() * alpha + background.greenF() * (1 - alpha),
        tint.blueF() * alpha + background.blueF() * (1 - alpha),
    )


def test_the_contrast_ratio_is_wcags() -> None:
    assert contrast(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_links_problems_and_the_final_video_tint_reach_aa(qapp: object, dark: bool) -> None:
    palette = theme._dark_palette() if dark else theme._light_palette()  # pyright: ignore[reportPrivateUsage]
    colour = palette.color
    pairs = {
        "window text": (colour(Role.WindowText), colour(Role.Window)),
        "text": (colour(Role.Text), colour(Role.Base)),
        "alternate rows": (colour(Role.Text), colour(Role.AlternateBase)),
        "buttons": (colour(Role.ButtonText), colour(Role.Button)),
        "selection": (colour(Role.HighlightedText), colour(Role.Highlight)),
        "tooltips": (colour(Role.ToolTipText), colour(Role.ToolTipBase)),
        "placeholder": (colour(Role.PlaceholderText), colour(Role.Base)),
        "links": (colour(Role.Link), colour(Role.Window)),
        "links in fields": (colour(Role.Link), colour(Role.Base)),
        "visited links": (colour(Role.LinkVisited), colour(Role.Window)),
        "problems": (theme.error_colour(palette), colour(Role.Window)),
        "final video": (colour(Role.Text), over(FINAL_VIDEO_TINT, colour(Role.Base))),
        "final video, alternate row": (
            colour(Role.Text),
            over(FINAL_VIDEO_TINT, colour(Role.AlternateBase)),
        ),
    }
    too_low = {
        name: round(contrast(fg, bg), 2)
        for name, (fg, bg) in pairs.items()
        if contrast(fg, bg) < AA
    }
    assert not too_low, f"below {AA}:1 in the {'dark' if dark else 'light'} theme: {too_low}"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_disabled_text_looks_disabled(qapp: object, dark: bool) -> None:
    # A disabled Post button or time field must not read like an enabled one (the composer
    # under Xvfb in the light theme: it did).
    palette = theme._dark_palette() if dark else theme._light_palette()  # pyright: ignore[reportPrivateUsage]
    for role in (Role.Text, Role.ButtonText):
        enabled = palette.color(QPalette.ColorGroup.Active, role)
        disabled = palette.color(QPalette.ColorGroup.Disabled, role)
        assert contrast(enabled, disabled) > 2, role
