"""Qt list model over the engines the signed-in agent can reach."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from genpro_desktop.core.browse import EngineEntry

EngineIdRole = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex


class EngineListModel(QAbstractListModel):
    """One row per engine: its title for display, its id under `EngineIdRole`."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[EngineEntry] = []

    def set_entries(self, entries: list[EngineEntry]) -> None:
        """Replace the whole list (a fresh load from the server)."""
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry(self, row: int) -> EngineEntry:
        """The engine shown in `row`."""
        return self._entries[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Engine {entry.engine_id} ({entry.source_label})"
        if role == EngineIdRole:
            return entry.engine_id
        return None
