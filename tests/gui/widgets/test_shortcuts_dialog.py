"""Help > Keyboard shortcuts lists every shortcut of the window, read from its actions, so the
list cannot drift from what the keys do (issue 19)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence, QShortcut

from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.widgets.shortcuts_dialog import ANYWHERE, collect_shortcuts

MakeApp = Callable[..., Any]
NATIVE = QKeySequence.SequenceFormat.NativeText


async def test_every_shortcut_bearing_action_of_the_window_is_listed(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    window = app.window
    assert window is not None
    bearing: list[tuple[str, str]] = []
    for action in window.findChildren(QAction):
        bearing += [(key.toString(NATIVE), action.text()) for key in action.shortcuts()]
    for shortcut in window.findChildren(QShortcut):
        keys = shortcut.keys()
        bearing += [(key.toString(NATIVE), shortcut.whatsThis()) for key in keys]
    assert len(bearing) >= 25  # menus, Jobs panel, grid and preview all have some

    dialog = window.show_shortcuts()
    table = dialog.table
    shown: list[tuple[str, ...]] = []
    for row in range(table.rowCount()):
        items = [table.item(row, column) for column in range(3)]
        shown.append(tuple(item.text() if item is not None else "" for item in items))
    listed = {(keys, what) for keys, what, _where in shown}
    for keys, text in bearing:
        what = text.replace("&", "").rstrip("…").strip()
        assert (keys, what) in listed, f"{keys} ({what}) is missing from the shortcuts list"
    assert all(what and where for _keys, what, where in shown)  # each says what and where
    wanted = {
        ("Ctrl+R", "Render selected", ANYWHERE),
        ("Ctrl+Z", "Undo clear finished", ANYWHERE),
        ("Ctrl+H", "History", ANYWHERE),
        ("Ctrl+D", "Download", "Jobs panel"),
        ("Ctrl+D", "Download row's video", "Engine grid"),
        ("Space", "Play or pause", "Preview panel"),
    }
    assert wanted <= set(shown)
    dialog.close()


async def test_no_two_shortcuts_claim_the_same_keys_where_both_work(
    make_app: MakeApp, signed_in: object
) -> None:
    app: DesktopApp = await make_app()
    assert app.window is not None
    entries = collect_shortcuts(app.window)
    everywhere = Counter(e.keys for e in entries if e.where == ANYWHERE)
    per_pane = Counter((e.keys, e.where) for e in entries if e.where != ANYWHERE)
    assert [keys for keys, n in everywhere.items() if n > 1] == []
    assert [key for key, n in per_pane.items() if n > 1] == []
    assert [e for e in entries if e.where != ANYWHERE and e.keys in everywhere] == []
