"""The account bar's user name: cut with "…" when the bar is short of room, never a half letter."""

from __future__ import annotations

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from genpro_desktop.gui.widgets.account_bar import AccountBar


def _ink_columns(bar: AccountBar) -> int:
    """How many pixel columns of the label carry ink (drawn offscreen at its current size)."""
    image: QImage = bar.user_label.grab().toImage()
    background = image.pixel(0, 0)
    return sum(
        1
        for x in range(image.width())
        if any(image.pixel(x, y) != background for y in range(image.height()))
    )


def test_a_long_name_in_a_short_bar_ends_with_an_ellipsis_and_stays_whole_in_text(
    qtbot: QtBot,
) -> None:
    bar = AccountBar(demo=True)
    qtbot.addWidget(bar)
    bar.show_user("Signed in as Demo User")
    label = bar.user_label
    natural = label.fontMetrics().horizontalAdvance(label.text())
    label.resize(natural // 2, label.sizeHint().height())
    assert label.text() == "Signed in as Demo User"  # what tests and the tooltip read
    assert label.toolTip() == "Signed in as Demo User"
    shown = label.shown_text()
    assert shown.endswith("…")
    assert shown.startswith("Signed in")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    assert _ink_columns(bar) > 0  # it is drawn
    label.resize(natural + 20, label.sizeHint().height())
    assert label.shown_text() == "Signed in as Demo User"  # room enough: whole
