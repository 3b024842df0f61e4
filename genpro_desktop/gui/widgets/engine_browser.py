"""The browser: the engine list (filter, "add engine") beside the engine grid (Render actions).

The final-video column is pinned: a second view of the same model (sharing its selection and
vertical scrolling) shows only that column at the grid's right edge, so each row's video and its
actions stay in sight whatever the window width and however many columns the engine has.

Layout and user intent only: it emits what the user asked for and shows what it is given.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QItemSelection, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.renders import RenderTake
from genpro_desktop.gui.models.engine_list_model import EngineIdRole, EngineListModel
from genpro_desktop.gui.models.engine_table_model import THUMBNAIL_SIZE, EngineTableModel
from genpro_desktop.gui.widgets.final_video_delegate import BUTTONS_WIDTH, FinalVideoDelegate

FINAL_VIDEO_COLUMN_WIDTH = THUMBNAIL_SIZE.width() + 180 + BUTTONS_WIDTH
ROW_HEIGHT = THUMBNAIL_SIZE.height() + 8
RENDER_STATES = ("rendering", "failed", "rendered", "not rendered")
"""`EngineTableModel.render_state` values, in the order "Sort by state" puts them."""


class EngineBrowser(QWidget):
    """Engine list + engine grid; emits `engine_selected`, `render_requested` and friends."""

    engine_selected = Signal(str)
    add_engine_requested = Signal(str)
    refresh_requested = Signal()
    render_requested = Signal(list)  # row indexes of the grid
    take_action_requested = Signal(int, str)  # row, "preview" / "download" / "publish"
    row_activated = Signal(int)  # the current row changed (its video goes to the preview)

    def __init__(
        self,
        engine_list_model: EngineListModel,
        engine_table_model: EngineTableModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The app makes the models; they are parented to the widget so the views never outlive
        # them (Qt owns both).
        engine_list_model.setParent(self)
        engine_table_model.setParent(self)
        self.engine_list_model = engine_list_model
        self.engine_table_model = engine_table_model

        self._filter_model = QSortFilterProxyModel(self)
        self._filter_model.setSourceModel(self.engine_list_model)
        self._filter_model.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("engineFilter")
        self.filter_edit.setPlaceholderText("Filter engines")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_model.setFilterFixedString)

        self.engine_list_view = QListView()
        self.engine_list_view.setObjectName("engineList")
        self.engine_list_view.setModel(self._filter_model)
        self.engine_list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.engine_list_view.selectionModel().selectionChanged.connect(self._on_list_selection)

        self.add_engine_edit = QLineEdit()
        self.add_engine_edit.setObjectName("addEngineEdit")
        self.add_engine_edit.setPlaceholderText("Add engine by ID or gen.pro URL")
        self.add_engine_edit.returnPressed.connect(self._on_add_engine)
        add_button = QToolButton()
        add_button.setText("Add")
        add_button.setToolTip("Save this engine for the current agent")
        add_button.clicked.connect(self._on_add_engine)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_engine_edit, 1)
        add_row.addWidget(add_button)

        self.engines_note = QLabel()
        self.engines_note.setObjectName("enginesNote")
        self.engines_note.setWordWrap(True)
        self.engines_note.setVisible(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.engine_list_view, 1)
        left_layout.addLayout(add_row)
        left_layout.addWidget(self.engines_note)

        self.engine_title = QLabel()
        self.engine_title.setObjectName("engineTitle")
        # A long engine name is cut (full text in the tooltip) rather than widening the
        # window's minimum when a grid loads, which would move the splitter under the user.
        self.engine_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setToolTip("Reload the engine from GEN (F5)")
        self.refresh_action.triggered.connect(self.refresh_requested)
        self.render_selected_action = QAction("Render selected", self)
        self.render_selected_action.setObjectName("renderSelectedAction")
        self.render_selected_action.setShortcut(QKeySequence("Ctrl+R"))
        self.render_selected_action.setToolTip("Render the final video of every selected row")
        self.render_selected_action.setEnabled(False)
        self.render_selected_action.triggered.connect(self._on_render_selected)
        self.addActions([self.refresh_action, self.render_selected_action])
        self.row_take_actions = self._make_row_take_actions()
        self.select_all_rows_action = QAction("Select all rows", self)
        self.select_all_rows_action.setObjectName("selectAllRowsAction")
        self.select_all_rows_action.setShortcut(QKeySequence.StandardKey.SelectAll)
        self.select_all_rows_action.setShortcutContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.select_all_rows_action.setToolTip("Select every row shown (then Render selected)")
        self.select_all_rows_action.triggered.connect(self._on_select_all_rows)
        self.addAction(self.select_all_rows_action)
        refresh_button = QToolButton()
        refresh_button.setDefaultAction(self.refresh_action)
        self.render_selected_button = QPushButton("Render selected")
        self.render_selected_button.setObjectName("renderSelectedButton")
        self.render_selected_button.setEnabled(False)
        self.render_selected_button.clicked.connect(self._on_render_selected)
        grid_header = QHBoxLayout()
        grid_header.addWidget(self.engine_title, 1)
        grid_header.addWidget(refresh_button)
        grid_header.addWidget(self.render_selected_button)

        self.engine_table_view = QTableView()
        self.engine_table_view.setObjectName("engineTable")
        self.engine_table_view.setModel(self.engine_table_model)
        self.final_video_view = QTableView()
        self.final_video_view.setObjectName("finalVideoTable")
        self.final_video_view.setModel(self.engine_table_model)
        self.final_video_view.setSelectionModel(self.engine_table_view.selectionModel())
        for view in (self.engine_table_view, self.final_video_view):
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
            view.setIconSize(THUMBNAIL_SIZE)
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda position, v=view: self._on_grid_context_menu(v, position)
            )
            view.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
            view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
            view.horizontalHeader().setFixedHeight(view.fontMetrics().height() + 12)
        self.engine_table_view.setWordWrap(False)
        self.final_video_view.setWordWrap(True)
        header = self.engine_table_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(150)
        # One vertical scroll bar (the pinned view's, at the right edge) moves both views.
        self.engine_table_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.final_video_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.final_video_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.final_video_view.verticalHeader().hide()
        self.final_video_view.horizontalHeader().setStretchLastSection(True)
        main_bar = self.engine_table_view.verticalScrollBar()
        pinned_bar = self.final_video_view.verticalScrollBar()
        main_bar.valueChanged.connect(pinned_bar.setValue)
        pinned_bar.valueChanged.connect(main_bar.setValue)
        self.final_video_delegate = FinalVideoDelegate(self.final_video_view)
        self.final_video_delegate.render_clicked.connect(self._on_render_clicked)
        self.final_video_delegate.action_clicked.connect(self._on_action_clicked)
        self.final_video_view.setItemDelegate(self.final_video_delegate)
        self._reserve_final_video_column()
        self.engine_table_view.selectionModel().selectionChanged.connect(
            self._on_grid_selection_changed
        )
        self.engine_table_view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.engine_table_model.modelReset.connect(self._on_grid_selection_changed)
        self.engine_table_model.modelReset.connect(self._on_grid_reset)
        self._on_grid_reset()

        # The current row's full texts and layers (cells show one line each).
        self.row_detail = QTextBrowser()
        self.row_detail.setObjectName("rowDetail")
        self.row_detail.setVisible(False)
        self.row_detail_button = QToolButton()
        self.row_detail_button.setObjectName("rowDetailButton")
        self.row_detail_button.setText("Row details")
        self.row_detail_button.setCheckable(True)
        self.row_detail_button.setToolTip("Show the selected row's full texts and layers")
        self.row_detail_button.toggled.connect(self._on_row_detail_toggled)
        grid_header.insertWidget(1, self.row_detail_button)
        # Show only rows in one render state; sort rows by render state.
        self.state_filter = QComboBox()
        self.state_filter.setObjectName("renderStateFilter")
        self.state_filter.addItem("All rows", "")
        for state in RENDER_STATES:
            self.state_filter.addItem(state.capitalize(), state)
        self.state_filter.setToolTip("Show only the rows in this render state")
        self.state_filter.currentIndexChanged.connect(self.apply_row_filter)
        self.state_sort = QCheckBox("Sort by state")
        self.state_sort.setObjectName("renderStateSort")
        self.state_sort.toggled.connect(self.apply_row_filter)
        grid_header.insertWidget(2, self.state_filter)
        grid_header.insertWidget(3, self.state_sort)
        self.engine_table_model.modelReset.connect(self.apply_row_filter)
        self.engine_table_model.dataChanged.connect(self._on_grid_data_changed)
        # The column chooser: right-click a column header.
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._on_header_menu)

        grid_views = QHBoxLayout()
        grid_views.setSpacing(0)
        grid_views.addWidget(self.engine_table_view, 1)
        grid_views.addWidget(self.final_video_view)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(grid_header)
        right_layout.addLayout(grid_views, 1)
        right_layout.addWidget(self.row_detail)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("browserSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([260, 900])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter, 1)

    def show_engines_note(self, text: str | None) -> None:
        """Explain where the engine list came from, or hide the note."""
        self.engines_note.setText(text or "")
        self.engines_note.setVisible(bool(text))

    def show_engine_title(self, title: str, rows: int, *, note: str | None = None) -> None:
        """The heading above the grid, with a note in italics (e.g. "saved copy…") if given."""
        text = f"<b>{html.escape(title)}</b> — {rows} rows" if title else ""
        self.engine_title.setText(text + (f" <i>({html.escape(note)})</i>" if note else ""))
        # Cut when the grid is narrow (it never widens the window): the tooltip has it whole.
        tip = f"{title} — {rows} rows" if title else ""
        self.engine_title.setToolTip(tip + (f" ({note})" if note else ""))

    def select_engine(self, engine_id: str | None) -> None:
        """Select `engine_id` in the list (the first engine when it is not listed)."""
        for row in range(self._filter_model.rowCount()):
            index = self._filter_model.index(row, 0)
            if engine_id is None or index.data(EngineIdRole) == engine_id:
                self.engine_list_view.setCurrentIndex(index)
                return
        if engine_id is not None:
            self.select_engine(None)

    def current_engine_id(self) -> str | None:
        """The engine selected in the list."""
        value = self.engine_list_view.currentIndex().data(EngineIdRole)
        return value if isinstance(value, str) else None

    def selected_rows(self) -> list[int]:
        """Grid rows the user selected, top to bottom."""
        selection = self.engine_table_view.selectionModel()
        return sorted({index.row() for index in selection.selectedRows()})

    def select_rows(self, rows: list[int]) -> None:
        """Select whole grid rows (used to keep the selection across a reload)."""
        selection = QItemSelection()
        last = self.engine_table_model.columnCount() - 1
        for row in rows:
            selection.select(
                self.engine_table_model.index(row, 0), self.engine_table_model.index(row, last)
            )
        self.engine_table_view.selectionModel().select(
            selection, self.engine_table_view.selectionModel().SelectionFlag.ClearAndSelect
        )

    def _on_list_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            engine_id = indexes[0].data(EngineIdRole)
            if isinstance(engine_id, str):
                self.engine_selected.emit(engine_id)

    def _make_row_take_actions(self) -> dict[str, QAction]:
        """Preview, Download and Publish of the selected row's video (the take the grid shows);
        their shortcuts work while the grid has focus (the Jobs panel's work on jobs)."""
        actions: dict[str, QAction] = {}
        for name, text, key, tip in (
            ("preview", "Preview row's video", "Ctrl+Shift+V", "Play the row's video here"),
            ("download", "Download row's video", "Ctrl+D", "Download the row's video"),
            ("publish", "Publish row's video…", "Ctrl+P", "Post the row's video"),
        ):
            action = QAction(text, self)
            action.setObjectName(f"row_{name}")
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({key})")
            action.setEnabled(False)
            action.triggered.connect(lambda _checked=False, n=name: self._on_row_take_action(n))
            self.addAction(action)
            actions[name] = action
        return actions

    def _row_with_take(self) -> int | None:
        """The one selected row, when it has a video to preview, download or publish."""
        rows = self.selected_rows()
        if len(rows) != 1 or self.engine_table_model.chosen_take(rows[0]) is None:
            return None
        return rows[0]

    def _on_row_take_action(self, name: str) -> None:
        row = self._row_with_take()
        if row is not None:
            self.take_action_requested.emit(row, name)

    def _sync_row_take_actions(self) -> None:
        enabled = self._row_with_take() is not None
        for action in self.row_take_actions.values():
            action.setEnabled(enabled)

    def _on_select_all_rows(self) -> None:
        self.engine_table_view.setFocus()
        self.engine_table_view.selectAll()

    def _on_add_engine(self) -> None:
        text = self.add_engine_edit.text().strip()
        if text:
            self.add_engine_requested.emit(text)

    def _on_render_clicked(self, row: int) -> None:
        self.render_requested.emit([row])

    def _on_render_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            self.render_requested.emit(rows)

    def _on_grid_selection_changed(self, *_args: object) -> None:
        count = len(self.selected_rows())
        enabled = count > 0 and self.engine_table_model.final_video_column >= 0
        self.render_selected_action.setEnabled(enabled)
        self.render_selected_button.setEnabled(enabled)
        self.render_selected_button.setText(
            f"Render selected ({count})" if count > 1 else "Render selected"
        )
        self._sync_row_take_actions()

    def apply_row_filter(self, *_args: object) -> None:
        """Hide the rows outside the chosen render state; order rows by state when asked."""
        model = self.engine_table_model
        wanted = self.state_filter.currentData()
        states = [model.render_state(row) for row in range(model.rowCount())]
        order = list(range(len(states)))
        if self.state_sort.isChecked():
            order.sort(key=lambda row: (RENDER_STATES.index(states[row]), row))
        for view in (self.engine_table_view, self.final_video_view):
            header = view.verticalHeader()
            for visual, row in enumerate(order):
                header.moveSection(header.visualIndex(row), visual)
            for row, state in enumerate(states):
                view.setRowHidden(row, bool(wanted) and state != wanted)

    def _on_grid_data_changed(self, *_args: object) -> None:
        self._sync_row_take_actions()
        if self.state_filter.currentData() or self.state_sort.isChecked():
            self.apply_row_filter()

    def show_row_detail(self, row: int) -> None:
        """Fill the detail pane with the row's full texts, layers and takes."""
        model = self.engine_table_model
        if not 0 <= row < model.rowCount():
            self.row_detail.clear()
            return
        parts = [f"<h3>Row {row + 1}</h3>"]
        for column in range(model.columnCount()):
            title = html.escape(str(model.headerData(column, Qt.Orientation.Horizontal) or ""))
            text = model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) or ""
            body = html.escape(str(text)).replace("\n", "<br>")
            parts.append(f"<p><b>{title}</b><br>{body}</p>")
        self.row_detail.setHtml("".join(parts))

    def _on_row_detail_toggled(self, shown: bool) -> None:
        self.row_detail.setVisible(shown)
        if shown:
            self.show_row_detail(self.engine_table_view.currentIndex().row())

    def _on_header_menu(self, position: object) -> None:
        """Show or hide columns (the final video is pinned and always shown)."""
        model = self.engine_table_model
        menu = QMenu(self)
        menu.setObjectName("columnChooser")
        for column in range(model.columnCount()):
            if column == model.final_video_column:
                continue
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or f"#{column + 1}")
            item = menu.addAction(title)
            item.setCheckable(True)
            item.setChecked(not self.engine_table_view.isColumnHidden(column))
            item.toggled.connect(
                lambda shown, c=column: self.engine_table_view.setColumnHidden(c, not shown)
            )
        header = self.engine_table_view.horizontalHeader()
        menu.popup(header.mapToGlobal(position))  # type: ignore[arg-type]

    def _on_action_clicked(self, row: int, action: str) -> None:
        if action != "render":
            self.take_action_requested.emit(row, action)

    def _on_current_row(self, current: object, _previous: object) -> None:
        row = current.row() if isinstance(current, QModelIndex) else -1
        if row >= 0:
            self.row_activated.emit(row)

    def _on_grid_reset(self) -> None:
        """Pin the final-video column: only it in the pinned view, everything else beside."""
        model = self.engine_table_model
        final = model.final_video_column
        for column in range(model.columnCount()):
            self.engine_table_view.setColumnHidden(column, column == final)
            self.final_video_view.setColumnHidden(column, column != final)
        self.final_video_view.setVisible(final >= 0)
        if final >= 0:
            self.final_video_view.setColumnWidth(final, FINAL_VIDEO_COLUMN_WIDTH)

    def _reserve_final_video_column(self) -> None:
        """The pinned column's width is taken from the start, shown or not.

        Its arriving with the first grid would raise the window's minimum width after the
        window is laid out: the window would grow and the splitter move under the user.
        """
        frame = 2 * self.final_video_view.frameWidth()
        bar = self.final_video_view.verticalScrollBar().sizeHint().width()
        self.final_video_view.setFixedWidth(FINAL_VIDEO_COLUMN_WIDTH + bar + frame)
        policy = self.final_video_view.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.final_video_view.setSizePolicy(policy)

    def _on_grid_context_menu(self, view: QTableView, position: object) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        menu = QMenu(self)
        label = f"Render {len(rows)} rows" if len(rows) > 1 else "Render this row"
        menu.addAction(label, lambda: self.render_requested.emit(rows))
        if len(rows) == 1:
            self._add_take_actions(menu, rows[0])
        menu.addAction(self.refresh_action)
        menu.popup(view.viewport().mapToGlobal(position))  # type: ignore[arg-type]

    def _add_take_actions(self, menu: QMenu, row: int) -> None:
        """Preview, Download, Publish of the chosen take, and which finished take that is."""
        model = self.engine_table_model
        chosen = model.chosen_take(row)
        if chosen is None:
            return
        self._sync_row_take_actions()
        menu.addActions(list(self.row_take_actions.values()))  # with their shortcuts
        renders = model.row_renders(row)
        videos = [t for t in renders.takes if t.has_video] if renders is not None else []
        if len(videos) > 1:
            takes_menu = menu.addMenu("Use take")
            takes_menu.setObjectName("takesMenu")
            for number, take in enumerate(videos):
                text = take_menu_text(take, len(videos) - number)
                item = takes_menu.addAction(
                    text, lambda g=take.generation_id: model.choose_take(row, g)
                )
                item.setCheckable(True)
                item.setChecked(take.generation_id == chosen.generation_id)


def take_menu_text(take: RenderTake, number: int) -> str:
    """A take in the "Use take" menu: its number, when, and what it cost."""
    when = take.created_at.astimezone().strftime("%Y-%m-%d %H:%M") if take.created_at else ""
    cost = f" · {take.execution_cost} credits" if take.execution_cost is not None else ""
    shown = " (shown in GEN)" if take.is_current else ""
    return f"Take {number}: {when}{cost}{shown}".replace(":  ·", ": ·")
