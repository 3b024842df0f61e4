"""Qt table model over one engine: rows x columns, the final-video column marked.

One model, no per-cell widgets, so a 200 x 8 engine scrolls as smoothly as a 4 x 6 one.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from genpro_desktop.core.api import Engine
from genpro_desktop.core.browse import EngineGrid, build_grid

_Index = QModelIndex | QPersistentModelIndex

FINAL_VIDEO_TINT = QColor(255, 196, 0, 48)


class EngineTableModel(QAbstractTableModel):
    """Rows x columns of an engine, with each cell's text and its current take's status."""

    def __init__(self) -> None:
        super().__init__()
        self._grid = EngineGrid.empty()

    @property
    def grid(self) -> EngineGrid:
        """The plain grid this model shows."""
        return self._grid

    def set_engine(self, engine: Engine | None) -> None:
        """Show `engine` (or nothing)."""
        self.beginResetModel()
        self._grid = build_grid(engine) if engine is not None else EngineGrid.empty()
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._grid.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._grid.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._grid.columns):
            column = self._grid.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{column.title}: {column.type} column, role {column.role or 'none'}"
            if role == Qt.ItemDataRole.FontRole and column.is_final_video:
                font = QFont()
                font.setBold(True)
                return font
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        try:
            cell = self._grid.rows[index.row()].cells[index.column()]
        except IndexError:
            return None
        column = self._grid.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell.display_text
        if role == Qt.ItemDataRole.ToolTipRole:
            return cell.tooltip
        if role == Qt.ItemDataRole.BackgroundRole and column.is_final_video:
            return QBrush(FINAL_VIDEO_TINT)
        return None
