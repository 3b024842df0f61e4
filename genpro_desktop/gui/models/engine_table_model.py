"""Qt table model over one engine: rows x columns, the final-video column marked and live.

One model, no per-cell widgets, so a 200 x 8 engine scrolls as smoothly as a 4 x 6 one.
Thumbnails are asked for only when a cell is painted (the view asks for `DecorationRole` of
visible cells only), and the final-video cells show the state of the render running for them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPixmap

from genpro_desktop.core.browse import EngineGrid, GridCell, GridColumn, GridRow, build_grid
from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.core.render_progress import rendering_label, shows_render_clock
from genpro_desktop.core.renders import RenderTake, RowRenders, decimal_text, engine_renders
from genpro_desktop.gui.theme import STATE_LABELS

if TYPE_CHECKING:
    from genpro_desktop.core.api import Engine  # pydantic: not needed before the first paint
    from genpro_desktop.core.grid_snapshot import GridSnapshot

_Index = QModelIndex | QPersistentModelIndex

THUMBNAIL_SIZE = QSize(64, 64)
"""The size of the takes' thumbnails in the grid's cells."""
FINAL_VIDEO_TINT = QColor(255, 196, 0, 48)
CellIdRole = Qt.ItemDataRole.UserRole + 1
RowIdRole = Qt.ItemDataRole.UserRole + 2
IsFinalVideoRole = Qt.ItemDataRole.UserRole + 3
LiveJobRole = Qt.ItemDataRole.UserRole + 4
ThumbnailUrlRole = Qt.ItemDataRole.UserRole + 5
ChosenTakeRole = Qt.ItemDataRole.UserRole + 6

_SNAPSHOT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
TICK_MS = 1000
"""How often the running renders' "Rendering 0:42 of ~1:10" cells are repainted."""

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
        self._renders: dict[str, RowRenders] = {}  # row id -> its final video's takes
        self._chosen: dict[str, str] = {}  # final-video cell id -> the take the user picked
        self._layers: dict[str, list[str]] = {}  # video cell id -> its layers' names
        self._final_column = -1
        self._thumbnails = thumbnails
        self._now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._snapshot: GridSnapshot | None = None  # a saved copy shown until GEN answers
        self._typical_render: float | None = None  # seconds; None: GEN's documented range
        # Ticks once a second while a final-video cell shows a running render's clock; only
        # those cells are repainted, and the timer stops when none is running.
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self.tick)

    @property
    def snapshot(self) -> GridSnapshot | None:
        """The saved copy shown while the engine loads from GEN (None: live data, or empty)."""
        return self._snapshot

    def show_snapshot(self, snapshot: GridSnapshot) -> None:
        """Show a saved copy's texts until `set_engine` brings GEN's answer. That answer keeps
        the view's selection and scroll position when the rows and columns are the same."""
        columns = [GridColumn(c.column_id, c.title, c.type, c.role) for c in snapshot.columns]
        rows = [
            GridRow(
                row.row_id,
                [GridCell(cell.cell_id, None, None, None, None) for cell in row.cells],
                row.final_video_cell_id,
            )
            for row in snapshot.rows
        ]
        self.beginResetModel()
        self._snapshot = snapshot
        self._grid = EngineGrid(snapshot.engine_id, snapshot.title, columns, rows)
        self._thumbnail_urls, self._renders, self._layers = {}, {}, {}
        self._final_column = next((i for i, c in enumerate(columns) if c.is_final_video), -1)
        self.endResetModel()

    def snapshot_of(self, account: str, agent_id: str) -> GridSnapshot | None:
        """A copy of what the grid shows now, to draw at the next start (None: nothing live)."""
        build = self.snapshot_builder(account, agent_id)
        return build() if build is not None else None

    def snapshot_builder(self, account: str, agent_id: str) -> Callable[[], GridSnapshot] | None:
        """What `snapshot_of` returns, as a function safe to run on a worker thread: it works
        on this moment's grid, takes and jobs (immutable values, dicts copied here), never on
        the model (texts of 500 x 8 cells take tens of ms: not on the GUI thread)."""
        from genpro_desktop.core.grid_snapshot import (
            GridSnapshot,
            SnapshotCell,
            SnapshotColumn,
            SnapshotRow,
        )

        grid = self._grid
        engine_id = grid.engine_id
        if self._snapshot is not None or engine_id is None:
            return None
        renders, live_jobs, layers = dict(self._renders), dict(self._live_jobs), dict(self._layers)
        now, typical = self._now(), self._typical_render

        def build() -> GridSnapshot:
            rows: list[SnapshotRow] = []
            for row in grid.rows:
                takes = renders.get(row.row_id)
                cells: list[SnapshotCell] = []
                for cell, column in zip(row.cells, grid.columns, strict=True):
                    live = live_jobs.get(cell.cell_id) if cell.cell_id else None
                    shown = takes if column.is_final_video else None
                    words = (cell, column, shown, live, layers, now, typical)
                    text, tip = _cell_words(*words), _cell_words(*words, tooltip=True)
                    cells.append(SnapshotCell(cell.cell_id, text, tip))
                rows.append(SnapshotRow(row.row_id, row.final_video_cell_id, cells))
            return GridSnapshot(
                account=account,
                agent_id=agent_id,
                engine_id=engine_id,
                title=grid.title,
                saved_at=datetime.now(UTC),  # the real time, whatever clock labels the takes
                columns=[
                    SnapshotColumn(c.column_id, c.title, c.type, c.role) for c in grid.columns
                ],
                rows=rows,
            )

        return build

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

    def set_now(self, now: Callable[[], datetime]) -> None:
        """The clock "Rendered 2 h ago" is measured against (the simulator's in the demo)."""
        self._now = now

    def set_typical_render(self, seconds: float | None) -> None:
        """How long the user's renders typically take (from history; None: no history)."""
        if seconds == self._typical_render:
            return
        self._typical_render = seconds
        self.tick()

    @property
    def ticking(self) -> bool:
        """True while the once-a-second repaint of running renders is on."""
        return self._ticker.isActive()

    def running_rows(self) -> list[int]:
        """Rows whose final-video cell shows a running render's clock."""
        return [
            row
            for row, grid_row in enumerate(self._grid.rows)
            if grid_row.final_video_cell_id is not None
            and (job := self._live_jobs.get(grid_row.final_video_cell_id)) is not None
            and shows_render_clock(job)
        ]

    def tick(self) -> None:
        """Repaint the final-video cells of the running renders (nothing else); start or stop
        the timer to match whether any is running."""
        rows = self.running_rows() if self._final_column >= 0 else []
        for row in rows:
            index = self.index(row, self._final_column)
            self.dataChanged.emit(
                index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]
            )
        if rows and not self._ticker.isActive():
            self._ticker.start()
        elif not rows and self._ticker.isActive():
            self._ticker.stop()

    def row_renders(self, row: int) -> RowRenders | None:
        """GEN's takes of this row's final video, newest first (None when it has none)."""
        if not 0 <= row < len(self._grid.rows):
            return None
        return self._renders.get(self._grid.rows[row].row_id)

    def chosen_take(self, row: int) -> RenderTake | None:
        """The finished take Preview, Download and Publish use: the one the user picked, else
        the one GEN shows in the cell when it has a video, else the newest with a video."""
        renders = self.row_renders(row)
        if renders is None:
            return None
        picked = self._chosen.get(renders.cell_id or "")
        videos = [take for take in renders.takes if take.has_video]
        for take in videos:
            if take.generation_id == picked:
                return take
        current = renders.current
        if current is not None and current.has_video:
            return current
        return videos[0] if videos else None

    def render_state(self, row: int) -> str:
        """The row's render state for filtering and sorting: "rendering", "failed", "rendered"
        or "not rendered" (our running render first, else GEN's newest take)."""
        live = self.live_job(row)
        if live is not None and live.is_active:
            return "rendering"
        renders = self.row_renders(row)
        latest = renders.latest if renders is not None else None
        if latest is None:
            return "not rendered"
        status = latest.status.value
        if status in ("pending", "processing"):
            return "rendering"
        if status == "failed":
            return "failed"
        return "rendered" if renders is not None and renders.latest_video else "not rendered"

    def choose_take(self, row: int, generation_id: str) -> None:
        """The user picked which finished take of the row to preview, download or post."""
        renders = self.row_renders(row)
        if renders is None or renders.cell_id is None:
            return
        self._chosen[renders.cell_id] = generation_id
        if self._final_column >= 0:
            index = self.index(row, self._final_column)
            self.dataChanged.emit(index, index)

    def set_engine(self, engine: Engine | None) -> bool:
        """Show `engine`; returns True when the layout was kept (same rows and columns).

        A refresh of the same engine with the same rows and columns only emits `dataChanged`,
        so the view keeps its selection, current cell and scroll position by itself.
        """
        self._snapshot = None
        grid = build_grid(engine) if engine is not None else EngineGrid.empty()
        urls = _thumbnail_urls(engine) if engine is not None else {}
        renders = {r.row_id: r for r in engine_renders(engine)} if engine is not None else {}
        self._layers = _layer_names(engine) if engine is not None else {}
        same_layout = (
            grid.engine_id == self._grid.engine_id
            and [c.column_id for c in grid.columns] == [c.column_id for c in self._grid.columns]
            and [r.row_id for r in grid.rows] == [r.row_id for r in self._grid.rows]
        )
        if same_layout and grid.rows:
            self._grid, self._thumbnail_urls, self._renders = grid, urls, renders
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(grid.rows) - 1, len(grid.columns) - 1)
            )
            self.tick()  # a saved copy replaced in place: running renders start the clock
            return True
        self.beginResetModel()
        self._grid, self._thumbnail_urls, self._renders = grid, urls, renders
        self._final_column = next(
            (i for i, column in enumerate(grid.columns) if column.is_final_video), -1
        )
        self.endResetModel()
        self.tick()
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
        self.tick()

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
        if self._snapshot is not None and role in _SNAPSHOT_ROLES:
            saved = self._snapshot.rows[index.row()].cells[index.column()]
            return saved.text if role == Qt.ItemDataRole.DisplayRole else saved.tooltip
        live = self._live_jobs.get(cell.cell_id) if cell.cell_id else None
        renders = self._renders.get(grid_row.row_id) if column.is_final_video else None
        if role in _SNAPSHOT_ROLES:
            return _cell_words(
                cell,
                column,
                renders,
                live,
                self._layers,
                self._now(),
                self._typical_render,
                tooltip=role == Qt.ItemDataRole.ToolTipRole,
            )
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
        if role == ChosenTakeRole:
            return self.chosen_take(index.row()) if column.is_final_video else None
        return None


def _cell_words(
    cell: GridCell,
    column: GridColumn,
    renders: RowRenders | None,
    live: LocalJob | None,
    layers: dict[str, list[str]],
    now: datetime,
    typical_render: float | None = None,
    *,
    tooltip: bool = False,
) -> str:
    """A cell's shown text, or with `tooltip` its tooltip (`data`'s DisplayRole and ToolTipRole;
    the saved copy keeps both)."""
    if column.is_final_video:
        if tooltip:
            return final_video_tooltip(renders, live, now)
        return final_video_label(renders, live, now, typical_render)
    names = layers.get(cell.cell_id or "")
    if names and tooltip:
        return "Layers:\n" + "\n".join(f"• {name}" for name in names)
    if names:
        return f"{_count(len(names), 'layer')}: {', '.join(names)}"
    return (_cell_tooltip if tooltip else _cell_text)(cell.value, cell.media_type)


def ago(moment: datetime | None, now: datetime) -> str:
    """ "2 h ago", "5 min ago", "just now", "3 d ago" (a date beyond a month)."""
    if moment is None:
        return "some time ago"
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    if seconds < 30 * 86400:
        return f"{int(seconds // 86400)} d ago"
    return f"on {moment.astimezone().date().isoformat()}"


def _credits(take: RenderTake) -> str:
    text = decimal_text(take.execution_cost)
    return f" · {text} credits" if text is not None else ""


def _take_text(take: RenderTake, now: datetime) -> str:
    status = take.status.value
    if take.has_video:
        return f"Rendered {ago(take.created_at, now)}{_credits(take)}"
    if status == "failed":
        reason = take.failed_reason or "no reason given"
        return f"Render failed {ago(take.created_at, now)}: {reason}"
    if status in ("pending", "processing"):
        return f"Rendering (started {ago(take.created_at, now)})"
    if status == "completed":
        return f"Rendered {ago(take.created_at, now)}, but GEN sent no video"
    return f"Render {take.status_text} ({ago(take.created_at, now)})"


def final_video_label(
    renders: RowRenders | None,
    live: LocalJob | None,
    now: datetime,
    typical_render: float | None = None,
) -> str:
    """The final-video cell's words: what a person needs, not GEN's raw tags. A running render
    of ours (or one started elsewhere that we track) counts its time against the typical one
    (`typical_render` seconds; None: GEN's documented range)."""
    takes = renders.takes if renders is not None else []
    # Our own render wins while GEN's engine does not list its take yet (or while it runs).
    if live is not None and (
        not live.is_terminal or all(t.generation_id != live.remote_id for t in takes)
    ):
        if shows_render_clock(live):
            line = rendering_label(live, now, typical_render, takes)
        else:
            line = f"Render {STATE_LABELS.get(live.state, live.state.value)}"
        if live.failed_reason and not live.is_active:
            line += f": {live.failed_reason}"
    elif takes:
        current = renders.current if renders is not None else None
        line = _take_text(current or takes[0], now)
    else:
        return "Not rendered yet"
    if len(takes) > 1:
        line += f"\n{len(takes)} takes"
    return line


def final_video_tooltip(renders: RowRenders | None, live: LocalJob | None, now: datetime) -> str:
    """Every take of the row, newest first, and which one GEN shows."""
    lines: list[str] = []
    if live is not None and live.failed_reason:
        lines.append(f"Last render failed: {live.failed_reason}")
    takes = renders.takes if renders is not None else []
    if not takes:
        lines.append("GEN has no render of this row yet.")
    for number, take in enumerate(takes, start=1):
        mark = " (shown in GEN)" if take.is_current else ""
        lines.append(f"Take {len(takes) - number + 1}{mark}: {_take_text(take, now)}")
    return "\n".join(lines)


_MEDIA_WORDS = {"video": "Video", "image": "Image", "audio": "Audio"}


def _cell_text(value: str | None, media_type: str | None) -> str:
    if not value:
        return ""
    if media_type is not None:
        return _MEDIA_WORDS.get(media_type, media_type.capitalize())
    first = value.splitlines()[0]
    return first if len(first) <= 80 else first[:77] + "…"


def _cell_tooltip(value: str | None, media_type: str | None) -> str:
    if not value:
        return "(empty)"
    if media_type is not None:
        return f"{_MEDIA_WORDS.get(media_type, media_type)}: {value}"
    return value


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _layer_names(engine: Engine) -> dict[str, list[str]]:
    """A video cell's layers (clip, voice-over, hook text, captions), in timeline order."""
    names: dict[str, list[str]] = {}
    for row in engine.spreadsheet_rows:
        for cell in row.spreadsheet_cells:
            layers = sorted(
                cell.video_layers, key=lambda layer: (layer.position is None, layer.position or 0)
            )
            if layers:
                names[cell.id] = [layer.name or layer.type or "layer" for layer in layers]
    return names


def _thumbnail_urls(engine: Engine) -> dict[str, str]:
    urls: dict[str, str] = {}
    for row in engine.spreadsheet_rows:
        for cell in row.spreadsheet_cells:
            take = cell.default_user_job
            if take is not None and take.thumbnail_url:
                urls[cell.id] = take.thumbnail_url
    return urls
