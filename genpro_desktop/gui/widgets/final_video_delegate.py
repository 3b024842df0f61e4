"""Paints the final-video cells: the take's thumbnail, what happened, and its four actions.

The buttons are painted, not widgets (a 200-row engine would otherwise carry 800 buttons); a click
inside one emits `action_clicked(row, action)` ("preview", "download", "publish", "render") and,
for Render, `render_clicked(row)` too. Preview, Download and Publish use a take GEN already has,
so they are enabled only when the row has a finished video; none of them spends credits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QWidget,
)

from genpro_desktop.gui.models.engine_table_model import (
    ChosenTakeRole,
    IsFinalVideoRole,
    LiveJobRole,
)

_Index = QModelIndex | QPersistentModelIndex
BUTTON_WIDTH = 88
BUTTON_MARGIN = 3
ACTIONS = ("preview", "download", "publish", "render")
"""Two rows of two: Preview and Download on top, Publish and Render below."""
ACTION_LABELS = {"preview": "Preview", "download": "Download", "publish": "Publish"}
BUTTONS_WIDTH = 2 * BUTTON_WIDTH + 3 * BUTTON_MARGIN


class FinalVideoDelegate(QStyledItemDelegate):
    """Final-video cells get painted action buttons; other cells paint as usual."""

    render_clicked = Signal(int)
    action_clicked = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if not index.data(IsFinalVideoRole):
            super().paint(painter, option, index)
            return
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_rect = QRect(option.rect)
        text_rect.setRight(option.rect.right() - BUTTONS_WIDTH)
        text_option.rect = text_rect
        text_option.textElideMode = Qt.TextElideMode.ElideRight
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(
            QStyle.ControlElement.CE_ItemViewItem, text_option, painter, option.widget
        )
        for action in ACTIONS:
            button = QStyleOptionButton()
            button.rect = self.action_rect(option.rect, action)
            button.text = self.label(index, action)
            enabled = self.enabled(index, action)
            palette = QPalette(option.palette)
            if not enabled:  # greyed like a disabled push button
                palette.setCurrentColorGroup(QPalette.ColorGroup.Disabled)
            button.palette = palette
            button.state = (
                QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
                if enabled
                else QStyle.StateFlag.State_None
            )
            style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    @staticmethod
    def label(index: _Index, action: str) -> str:
        """The button's word: Render, "Render again" over a finished video, Rendering."""
        if action != "render":
            return ACTION_LABELS[action]
        live = index.data(LiveJobRole)
        if live is not None and live.is_active and not live.is_parked:
            return "Rendering"
        return "Render again" if index.data(ChosenTakeRole) is not None else "Render"

    @staticmethod
    def enabled(index: _Index, action: str) -> bool:
        """Render while no render of ours runs; the others when the row has a finished video."""
        if action == "render":
            live = index.data(LiveJobRole)
            return live is None or not live.is_active
        return index.data(ChosenTakeRole) is not None

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: _Index
    ) -> bool:
        if (
            index.data(IsFinalVideoRole)
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            point = event.position().toPoint()
            for action in ACTIONS:
                if self.action_rect(option.rect, action).contains(point):
                    if self.enabled(index, action):
                        self.action_clicked.emit(index.row(), action)
                        if action == "render":
                            self.render_clicked.emit(index.row())
                    return True
        return super().editorEvent(event, model, option, index)  # type: ignore[arg-type]

    @staticmethod
    def action_rect(cell: QRect, action: str) -> QRect:
        """Where one action's button sits inside a cell."""
        position = ACTIONS.index(action)
        column, row = position % 2, position // 2
        height = max(0, (cell.height() - 3 * BUTTON_MARGIN) // 2)
        left = (
            cell.right() - BUTTONS_WIDTH + BUTTON_MARGIN + column * (BUTTON_WIDTH + BUTTON_MARGIN)
        )
        top = cell.top() + BUTTON_MARGIN + row * (height + BUTTON_MARGIN)
        return QRect(left, top, BUTTON_WIDTH, height)

    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        """Where the Render button sits inside a cell."""
        return FinalVideoDelegate.action_rect(cell, "render")
