"""The main window's layout: engine list beside the engine grid. No HTTP, no polling here."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.gui.models.engine_list_model import EngineIdRole, EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel

DEMO_BADGE_STYLE = (
    "QLabel { background: #ffb300; color: #1d1d1d; font-weight: bold;"
    " border-radius: 4px; padding: 2px 8px; }"
)


class MainWindow(QMainWindow):
    """Lays out the browser; tells the presenter what the user picked; shows what it is given."""

    engine_selected = Signal(str)
    closed = Signal()

    def __init__(self, *, demo: bool) -> None:
        super().__init__()
        self.setWindowTitle("GEN Desktop" + (" (demo)" if demo else ""))
        self.setObjectName("MainWindow")
        self.engine_list_model = EngineListModel()
        self.engine_table_model = EngineTableModel()

        self._filter_model = QSortFilterProxyModel(self)
        self._filter_model.setSourceModel(self.engine_list_model)
        self._filter_model.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.account_label = QLabel("Connecting…")
        self.account_label.setObjectName("accountLabel")
        self.demo_badge = QLabel("DEMO")
        self.demo_badge.setObjectName("demoBadge")
        self.demo_badge.setStyleSheet(DEMO_BADGE_STYLE)
        self.demo_badge.setToolTip("Running on the built-in GEN simulator: no credits, no posts.")
        self.demo_badge.setVisible(demo)

        header = QHBoxLayout()
        header.addWidget(self.account_label, 1)
        header.addWidget(self.demo_badge)

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter engines")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter_model.setFilterFixedString)

        self.engine_list_view = QListView()
        self.engine_list_view.setModel(self._filter_model)
        self.engine_list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.engine_list_view.selectionModel().selectionChanged.connect(self._on_list_selection)

        self.engines_note = QLabel()
        self.engines_note.setWordWrap(True)
        self.engines_note.setVisible(False)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.filter_edit)
        left_layout.addWidget(self.engine_list_view, 1)
        left_layout.addWidget(self.engines_note)

        self.engine_title = QLabel()
        self.engine_title.setObjectName("engineTitle")
        self.engine_table_view = QTableView()
        self.engine_table_view.setModel(self.engine_table_model)
        self.engine_table_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.engine_table_view.setWordWrap(False)
        self.engine_table_view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.engine_table_view.horizontalHeader().setDefaultSectionSize(160)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.engine_title)
        right_layout.addWidget(self.engine_table_view, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([260, 900])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(header)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.resize(1200, 720)

    def show_account(self, text: str) -> None:
        """Show who is signed in (and the balance, when known)."""
        self.account_label.setText(text)

    def show_engines_note(self, text: str | None) -> None:
        """Explain where the engine list came from, or hide the note."""
        self.engines_note.setText(text or "")
        self.engines_note.setVisible(bool(text))

    def show_status(self, text: str, *, error: bool = False) -> None:
        """A one-line message in the status bar; errors stay until replaced."""
        self.statusBar().setStyleSheet("color: #c62828;" if error else "")
        self.statusBar().showMessage(text, 0 if error else 5000)

    def select_first_engine(self) -> None:
        """Select the first engine in the list, if any."""
        if self._filter_model.rowCount() > 0:
            self.engine_list_view.setCurrentIndex(self._filter_model.index(0, 0))

    def _on_list_selection(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            engine_id = indexes[0].data(EngineIdRole)
            if isinstance(engine_id, str):
                self.engine_selected.emit(engine_id)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)
