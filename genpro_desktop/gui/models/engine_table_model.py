"""Qt table model over one engine: rows x columns, the final-video column marked and live.

One model, no per-cell widgets, so a 200 x 8 engine scrolls as smoothly as a 4 x 6 one.
Thumbnails are asked for only when a cell is painted (the view asks for `DecorationRole` of
visible cells only), and the final-video cells show the state of the render running for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap

from genpro_desktop.core.browse import EngineGrid, GridRow, build_grid
from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.gui.theme import STATE_LABELS

if TYPE_CHECKING:
    from genpro_desktop.core.api import Engine  # pydantic: not needed before the first paint

_Index = QModelIndex | QPersistentModelIndex

THUMBNAIL_SIZE = QSize(64, 36)
"""The size of the takes' thumbnails in the grid's cells."""
FINAL_VIDEO_TINT = QColor(255, 196, 0, 48)
CellIdRole = Qt.ItemDataRole.UserRole + 1
RowIdRole = Qt.ItemDataRole.UserRole + 2
IsFinalVideoRole = Qt.ItemDataRole.UserRole + 3
LiveJobRole = Qt.ItemDataRole.UserRole + 4
ThumbnailUrlRole = Qt.ItemDataRole.UserRole + 5

ThumbnailLookup = Callable[[str], QPixmap | None]
"""Returns a cached thumbnail for a URL, or None (and starts loading it in the background)."""


class EngineTableModel(QAbstractTableModel):
    """Rows x columns of an engine, each cell's text, its take's status and thumbnail."""

    def __init__(
        self, thumbnails: ThumbnailLookup | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._grid = EngineGrid.empty()
        self._thumbnail_urls: dict[str, str] = {}  # cell id -> its take's thumbnail URL
        self._live_jobs: dict[str, LocalJob] = {}  # final-video cell id -> latest local render
        self._final_column = -1
        self._thumbnails = thumbnails

    @property
    def grid(self) -> EngineGrid:
        """The plain grid this model shows."""
        return self._grid

    @property
    def final_video_column(self) -> int:
        """The final-video column's index, or -1."""
        return self._final_column

    def set_thumbnail_lookup(self, thumbnails: ThumbnailLookup | None) -> None:
        """Where thumbnails come from (the disk-cached loader)."""
        self._thumbnails = thumbnails

    def set_engine(self, engine: Engine | None) -> bool:
        """Show `engine`; returns True when the layout was kept (same rows and columns).

        A refresh of the same engine with the same rows and columns only emits `dataChanged`,
        so the view keeps its selection, current cell and scroll position by itself.
        """
        grid = build_grid(engine) if engine is not None else EngineGrid.empty()
        urls = _thumbnail_urls(engine) if engine is not None else {}
        same_layout = (
            grid.engine_id == self._grid.engine_id
            and [c.column_id for c in grid.columns] == [c.column_id for c in self._grid.columns]
            and [r.row_id for r in grid.rows] == [r.row_id for r in self._grid.rows]
        )
        if same_layout and grid.rows:
            self._grid, self._thumbnail_urls = grid, urls
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(grid.rows) - 1, len(grid.columns) - 1)
            )
            return True
        self.beginResetModel()
        self._grid, self._thumbnail_urls = grid, urls
        self._final_column = next(
            (i for i, column in enumerate(grid.columns) if column.is_final_video), -1
        )
        self.endResetModel()
        return False

    def row_for_id(self, row_id: str) -> int:
        """The row showing `row_id`, or -1."""
        return next((i for i, row in enumerate(self._grid.rows) if row.row_id == row_id), -1)

    def grid_row(self, row: int) -> GridRow:
        """The plain row at `row`."""
        return self._grid.rows[row]

    def show_job(self, job: LocalJob) -> None:
        """Show a local render's state on its row's final-video cell (newest job wins).

        Jobs are kept by cell id (GEN's cell ids are unique), so switching engines and back
        still shows each row's latest render.
        """
        if job.cell_id is None:
            return
        known = self._live_jobs.get(job.cell_id)
        if known is not None and known.id != job.id and known.created_at > job.created_at:
            return
        self._live_jobs[job.cell_id] = job
        row = next(
            (i for i, r in enumerate(self._grid.rows) if r.final_video_cell_id == job.cell_id), -1
        )
        if row >= 0 and self._final_column >= 0:
            index = self.index(row, self._final_column)
            self.dataChanged.emit(index, index)

    def live_job(self, row: int) -> LocalJob | None:
        """The latest local render of this row's final video, if any."""
        cell_id = self._grid.rows[row].final_video_cell_id
        return self._live_jobs.get(cell_id) if cell_id else None

    def thumbnail_ready(self, url: str, image: object = None) -> None:
        """A thumbnail finished loading: repaint the cells that show it (`image` is unused)."""
        del image
        for r, row in enumerate(self._grid.rows):
            for c, cell in enumerate(row.cells):
                if cell.cell_id is not None and self._thumbnail_urls.get(cell.cell_id) == url:
                    index = self.index(r, c)
                    self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

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
            grid_row = self._grid.rows[index.row()]
            cell = grid_row.cells[index.column()]
        except IndexError:
            return None
        column = self._grid.columns[index.column()]
        live = self._live_jobs.get(cell.cell_id) if cell.cell_id else None
        if role == Qt.ItemDataRole.DisplayRole:
            if column.is_final_video and live is not None:
                return _live_text(live, cell.display_text, cell.take_status_text)
            return cell.display_text
        if role == Qt.ItemDataRole.ToolTipRole:
            if live is not None and live.failed_reason:
                return f"{cell.tooltip}\nLast render failed: {live.failed_reason}"
            return cell.tooltip
        if role == Qt.ItemDataRole.BackgroundRole and column.is_final_video:
            return QBrush(FINAL_VIDEO_TINT)
        if role == Qt.ItemDataRole.DecorationRole:
            url = self._thumbnail_urls.get(cell.cell_id) if cell.cell_id else None
            if url is not None and self._thumbnails is not None:
                return self._thumbnails(url)
            return None
        if role == CellIdRole:
            return cell.cell_id
        if role == RowIdRole:
            return grid_row.row_id
        if role == IsFinalVideoRole:
            return column.is_final_video
        if role == LiveJobRole:
            return live
        if role == ThumbnailUrlRole:
            return self._thumbnail_urls.get(cell.cell_id) if cell.cell_id else None
        return None


def _live_text(job: LocalJob, take_text: str, take_status: str) -> str:
    """The final-video cell's text: the local render's state until the engine shows its take."""
    if job.is_terminal and take_status == job.state.value:
        return take_text
    return f"render {STATE_LABELS.get(job.state, job.state.value)}"


def _thumbnail_urls(engine: Engine) -> dict[str, str]:
    urls: dict[str, str] = {}
    for row in engine.spreadsheet_rows:
        for cell in row.spreadsheet_cells:
            take = cell.default_user_job
            if take is not None and take.thumbnail_url:
                urls[cell.id] = take.thumbnail_url
    return urls
