"""Paints the final-video cells: the take's thumbnail, its state, and a Render button.

The button is painted, not a widget (a 200-row engine would otherwise carry 200 buttons); a click
inside its rectangle emits `render_clicked(row)`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionButton,
    QStyleOptionViewItem,
    QWidget,
)

from genpro_desktop.gui.models.engine_table_model import IsFinalVideoRole, LiveJobRole

_Index = QModelIndex | QPersistentModelIndex
BUTTON_WIDTH = 64
BUTTON_MARGIN = 3


class FinalVideoDelegate(QStyledItemDelegate):
    """Final-video cells get a painted Render button; other cells paint as usual."""

    render_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        if not index.data(IsFinalVideoRole):
            super().paint(painter, option, index)
            return
        button_rect = self.button_rect(option.rect)
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_rect = QRect(option.rect)
        text_rect.setRight(button_rect.left() - BUTTON_MARGIN)
        text_option.rect = text_rect
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(
            QStyle.ControlElement.CE_ItemViewItem, text_option, painter, option.widget
        )
        button = QStyleOptionButton()
        button.rect = button_rect
        live = index.data(LiveJobRole)
        busy = live is not None and (live.is_active and not live.is_parked)
        button.text = "Rendering" if busy else "Render"
        button.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Raised
        if busy:
            button.state = QStyle.StateFlag.State_None
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, option.widget)

    def editorEvent(
        self, event: QEvent, model: object, option: QStyleOptionViewItem, index: _Index
    ) -> bool:
        if (
            index.data(IsFinalVideoRole)
            and event.type() == QEvent.Type.MouseButtonRelease
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
            and self.button_rect(option.rect).contains(event.position().toPoint())
        ):
            live = index.data(LiveJobRole)
            if live is None or not live.is_active:
                self.render_clicked.emit(index.row())
            return True
        return super().editorEvent(event, model, option, index)  # type: ignore[arg-type]

    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        """Where the Render button sits inside a cell."""
        return QRect(
            cell.right() - BUTTON_WIDTH - BUTTON_MARGIN,
            cell.top() + BUTTON_MARGIN,
            BUTTON_WIDTH,
            max(0, cell.height() - 2 * BUTTON_MARGIN),
        )
