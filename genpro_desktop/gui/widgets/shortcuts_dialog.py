"""Help > Keyboard shortcuts: every shortcut of the window, read from its actions.

The list is generated from the `QAction`s and `QShortcut`s that exist in the window when it is
opened (menus, the Jobs panel, the grid, the preview), so it cannot drift from what the keys do.
Each shortcut says where it works: anywhere in the window, or while a pane has the focus.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

ANYWHERE = "Anywhere"


@dataclass(frozen=True, order=True)
class ShortcutEntry:
    """One shortcut: where it works, what it does, and its keys as this platform writes them."""

    where: str
    what: str
    keys: str


def _scope_name(widget: QWidget | None) -> str:
    """The pane a widget belongs to, as the user knows it (its dock's title, or the grid)."""
    from genpro_desktop.gui.widgets.engine_browser import EngineBrowser

    while widget is not None:
        if isinstance(widget, EngineBrowser):
            return "Engine grid"
        if isinstance(widget, QDockWidget) and widget.windowTitle():
            return f"{widget.windowTitle()} panel"
        widget = widget.parentWidget()
    return ANYWHERE


def _where(owner: QObject | None, context: Qt.ShortcutContext) -> str:
    if context in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut):
        return ANYWHERE
    return _scope_name(owner if isinstance(owner, QWidget) else None)


def _clean(text: str) -> str:
    """An action's text without its mnemonic ampersand or trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def collect_shortcuts(window: QWidget) -> list[ShortcutEntry]:
    """Every action and shortcut under `window` that has keys, sorted by where, then what."""
    entries: set[ShortcutEntry] = set()
    for action in window.findChildren(QAction):
        keys = action.shortcuts()
        if not keys or action.isSeparator():
            continue
        what = _clean(action.text()) or action.objectName()
        where = _where(action.parent(), action.shortcutContext())
        for key in keys:
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            entries.add(ShortcutEntry(where, what, text))
    for shortcut in window.findChildren(QShortcut):
        keys = shortcut.keys()
        if not keys:
            continue
        what = shortcut.whatsThis() or shortcut.objectName()
        where = _where(shortcut.parent(), shortcut.context())
        for key in keys:
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            entries.add(ShortcutEntry(where, what, text))
    return sorted(entries, key=lambda e: (e.where != ANYWHERE, e.where, e.what.lower(), e.keys))


class ShortcutsDialog(QDialog):
    """A table of `ShortcutEntry`s: keys, what they do, where they work."""

    def __init__(self, entries: list[ShortcutEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.entries = entries
        note = QLabel(
            "A shortcut marked with a panel or the engine grid works while that part of the "
            "window has the focus (click in it first); the others work anywhere in the window."
        )
        note.setWordWrap(True)
        self.table = QTableWidget(len(entries), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Where"])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        for row, entry in enumerate(entries):
            for column, text in enumerate((entry.keys, entry.what, entry.where)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(560, 520)
