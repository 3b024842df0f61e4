"""Jobs > History…: every job ever tracked, hidden and old ones too, with search.

The store reads the history a page at a time (`Store.history_page`, keyset-paged on the
created_at index), so the view stays quick with 100,000 jobs: the first page on opening or on a
new search, the next one when the table is scrolled near its end. From a row, an earlier
download can be opened, played in the app's preview, shown in its folder, or its render
published (the composer). A file that is no longer on disk is said so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import tzinfo
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import KIND_NOUN, job_title
from genpro_desktop.core.store import HistoryEntry, Store, StoreError
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.status import StatusLine
from genpro_desktop.gui.theme import STATE_LABELS

PAGE_SIZE = 200
SEARCH_DELAY_MS = 250  # typing pauses this long before the search runs
COLUMNS = ("Started", "Job", "Kind", "State", "File")

_Index = QModelIndex | QPersistentModelIndex
UrlOpener = Callable[[QUrl], object]
PreviewFile = Callable[[LocalJob | None, Path], None]
PublishRender = Callable[[LocalJob], None]


class HistoryModel(QAbstractTableModel):
    """The pages read so far; asks for the next one (`more_wanted`) when the view nears the end."""

    more_wanted = Signal()

    def __init__(self, zone: tzinfo | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[HistoryEntry] = []
        self._zone = zone
        self.has_more = False
        self.loading = False

    def reset(self) -> None:
        """Forget every row (a new search)."""
        self.beginResetModel()
        self._entries = []
        self.has_more = False
        self.endResetModel()

    def append(self, page: list[HistoryEntry], *, has_more: bool) -> None:
        """Add the next page."""
        if page:
            first = len(self._entries)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._entries.extend(page)
            self.endInsertRows()
        self.has_more = has_more

    def entry(self, row: int) -> HistoryEntry | None:
        """The entry on `row`, if any."""
        return self._entries[row] if 0 <= row < len(self._entries) else None

    @property
    def last_id(self) -> str | None:
        """The id of the oldest job read so far (where the next page starts)."""
        return self._entries[-1].job.id if self._entries else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        job = entry.job
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return job.target_path or job_title(job)
        if role == Qt.ItemDataRole.UserRole:
            return job
        return None

    def _text(self, entry: HistoryEntry, column: int) -> str:
        job = entry.job
        if column == 0:
            return job.created_at.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")
        if column == 1:
            return job_title(job)
        if column == 2:
            return KIND_NOUN[job.kind]
        if column == 3:
            state = STATE_LABELS.get(job.state, job.state.value)
            return f"{state} · removed from the list" if entry.hidden else state
        return Path(job.target_path).name if job.target_path else ""

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self.has_more and not self.loading

    def fetchMore(self, parent: _Index) -> None:
        if self.canFetchMore(parent):
            self.more_wanted.emit()


class HistoryDialog(QDialog):
    """The history table with its search and the actions on the selected job."""

    search_changed = Signal(str)
    action_requested = Signal(str)  # "open", "preview", "show_in_folder", "publish"

    ACTIONS = (
        ("open", "Open"),
        ("preview", "Preview"),
        ("show_in_folder", "Show in folder"),
        ("publish", "Publish…"),
    )

    def __init__(self, model: HistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyDialog")
        self.setWindowTitle("Job history")
        self.model = model
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("historySearch")
        self.search_edit.setPlaceholderText("Search engine, row text, platform, file name or id")
        self.search_edit.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._emit_search)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._emit_search)
        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((120, 300, 80, 190)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(self._on_current)
        self.table.doubleClicked.connect(lambda _index: self.action_requested.emit("preview"))
        self.note_label = QLabel()
        self.note_label.setObjectName("historyNote")
        self.note_label.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for name, text in self.ACTIONS:
            button = QPushButton(text)
            button.setObjectName(f"history_{name}")
            button.setEnabled(False)
            button.clicked.connect(lambda _checked=False, n=name: self.action_requested.emit(n))
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.note_label)
        layout.addLayout(row)
        self.resize(900, 560)

    def current_job(self) -> LocalJob | None:
        """The selected job, if any."""
        entry = self.model.entry(self.table.currentIndex().row())
        return entry.job if entry is not None else None

    def show_note(self, text: str, *, error: bool = False) -> None:
        """A line under the table (how many are shown, or what went wrong)."""
        self.note_label.setText(text)
        self.note_label.setStyleSheet("color: #d64545;" if error else "")

    def _emit_search(self) -> None:
        self._search_timer.stop()
        self.search_changed.emit(self.search_edit.text().strip())

    def _on_current(self, *_args: object) -> None:
        job = self.current_job()
        has_file = job is not None and _may_have_file(job)
        for name in ("open", "preview", "show_in_folder"):
            self.buttons[name].setEnabled(has_file)
        self.buttons["publish"].setEnabled(job is not None and _may_publish(job))


def _may_have_file(job: LocalJob) -> bool:
    if job.kind is JobKind.DOWNLOAD:
        return job.state is JobState.DOWNLOADED and bool(job.target_path)
    if job.kind is JobKind.RENDER:
        return job.state is JobState.COMPLETED
    return job.parent_id is not None


def _may_publish(job: LocalJob) -> bool:
    if job.kind is JobKind.RENDER:
        return job.can_publish()
    return job.parent_id is not None


class HistoryPresenter(QObject):
    """Reads pages from the store into the dialog and runs its actions."""

    def __init__(
        self,
        dialog: HistoryDialog,
        store: Store,
        tasks: TaskRegistry,
        status: StatusLine,
        *,
        open_url: UrlOpener,
        preview: PreviewFile,
        publish: PublishRender,
    ) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self._model = dialog.model
        self._store = store
        self._tasks = tasks
        self._status = status
        self._open_url = open_url
        self._preview = preview
        self._publish = publish
        self.session: object = None  # the session whose store this reads (set by the app)
        self._search = ""
        self._generation = 0  # a page read for an older search is dropped
        dialog.search_changed.connect(self._on_search)
        dialog.action_requested.connect(self._on_action)
        self._model.more_wanted.connect(self._on_more)

    def start(self) -> None:
        """Read the first page."""
        self._on_search("")

    def _spawn(self, work: Any, name: str) -> None:
        if self._tasks.closed:
            work.close()
            self.dialog.show_note("The session has ended: close History and open it again.")
            return
        self._tasks.spawn(work, name=name)

    def _on_search(self, text: str) -> None:
        self._search = text
        self._generation += 1
        self._model.reset()
        self._spawn(self.load_page(), "history-page")

    def _on_more(self) -> None:
        self._spawn(self.load_page(), "history-page")

    async def load_page(self) -> int:
        """Read the next page of the current search; how many jobs it added."""
        generation = self._generation
        self._model.loading = True
        self.dialog.show_note("Searching…" if self._search else "Loading…")
        try:
            page = await self._store.history_page(
                self._search, limit=PAGE_SIZE + 1, older_than=self._model.last_id
            )
        except StoreError as exc:
            self.dialog.show_note(f"The history could not be read: {exc}", error=True)
            return 0
        finally:
            if generation == self._generation:
                self._model.loading = False
        if generation != self._generation:
            return 0
        more = len(page) > PAGE_SIZE
        self._model.append(page[:PAGE_SIZE], has_more=more)
        shown = self._model.rowCount()
        if shown == 0:
            self.dialog.show_note(
                f"No job matches “{self._search}”." if self._search else "No jobs yet."
            )
        else:
            tail = " · scroll down for older ones" if more else ""
            self.dialog.show_note(f"{shown} job{'s' if shown != 1 else ''} shown{tail}")
        return len(page[:PAGE_SIZE])

    # -- actions ---------------------------------------------------------------------------

    def _on_action(self, name: str) -> None:
        job = self.dialog.current_job()
        if job is not None:
            self._spawn(self.run_action(name, job), f"history-{name}")

    async def run_action(self, name: str, job: LocalJob) -> None:
        """Open, preview, show in folder or publish the selected job's video."""
        try:
            if name == "publish":
                await self._publish_job(job)
                return
            path = await self.file_of(job)
            if path is None:
                self._say(f"“{job_title(job)}” has no downloaded file.", error=True)
                return
            if not await asyncio.to_thread(path.exists):
                self._say(f"The file is no longer there: {path}", error=True)
                return
            if name == "open":
                self._open_url(QUrl.fromLocalFile(str(path)))
            elif name == "show_in_folder":
                self._open_url(QUrl.fromLocalFile(str(path.parent)))
            elif name == "preview":
                self._preview(await self.render_of(job), path)
                self._say(f"Playing {path.name} in the preview")
        except StoreError as exc:
            self._say(f"The history could not be read: {exc}", error=True)

    async def _publish_job(self, job: LocalJob) -> None:
        render = await self.render_of(job)
        if render is None or not render.can_publish():
            self._say("Only a finished render with a video on GEN can be published.", error=True)
            return
        self._publish(render)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.dialog.show_note(text, error=error)
        self._status.show_status(text, error=error)

    async def render_of(self, job: LocalJob) -> LocalJob | None:
        """The render behind a job (itself, or a download's or post's parent)."""
        if job.kind is JobKind.RENDER:
            return job
        return await self._store.get_job(job.parent_id) if job.parent_id else None

    async def file_of(self, job: LocalJob) -> Path | None:
        """The downloaded file of a download, or of the render behind a job (its newest)."""
        if job.kind is JobKind.DOWNLOAD:
            if job.state is JobState.DOWNLOADED and job.target_path:
                return Path(job.target_path)
            return None
        render = await self.render_of(job)
        if render is None:
            return None
        for child in await self._store.children_of(render.id):
            done = child.kind is JobKind.DOWNLOAD and child.state is JobState.DOWNLOADED
            if done and child.target_path:
                return Path(child.target_path)
        return None
