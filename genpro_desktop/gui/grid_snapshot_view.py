"""Start-up: the last engine's grid drawn from its saved copy (core.grid_snapshot) right after the
window's first paint, long before the session can ask GEN for it.

Whose copy: the account the session is about to open (the API base URL, or the demo's) and the
agent it will choose (the command line's or environment's, else the one remembered). The copy is
marked in the grid's heading as a saved copy being refreshed, Render and the take actions wait
for GEN's answer, and the browser presenter replaces it with that answer (keeping the selection),
or drops it when the session chooses another agent or engine or does not open.

Light on purpose: this runs before the core services are imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractItemView

from genpro_desktop.core.paths import DATA_DIR_ENV, app_paths

if TYPE_CHECKING:
    from genpro_desktop.core.grid_snapshot import GridSnapshot
    from genpro_desktop.gui.preferences import LastView
    from genpro_desktop.gui.widgets.engine_browser import EngineBrowser

DEMO_DATA_DIR_ENV = "GENPRO_DEMO_DATA_DIR"
"""The demo's kept data folder (a benchmark knob, see account_flow.DemoSetup): the demo's
saved grid lives there; a throwaway demo has none."""


def snapshot_note(snapshot: GridSnapshot, *, refreshing: bool) -> str:
    """The heading's note while a saved copy is shown: it is never passed off as GEN's answer."""
    when = snapshot.saved_at.astimezone().strftime("%Y-%m-%d %H:%M")
    state = "refreshing from GEN…" if refreshing else "could not refresh from GEN"
    return f"saved copy from {when}; {state}"


def load_start_snapshot(
    cache_dir: Path,
    environ: Mapping[str, str],
    *,
    demo: bool,
    base_url: str,
    agent_id: str | None,
) -> GridSnapshot | None:
    """The saved grid for the session about to open, or None (blocking: run it in a thread).

    The demo's copy is kept in its data folder, only when that folder is kept
    (GENPRO_DEMO_DATA_DIR); any agent of the demo. Otherwise `agent_id`'s copy for `base_url`,
    and none when no agent is known yet (another agent's copy is never shown)."""
    from genpro_desktop.core.grid_snapshot import GridSnapshotStore, snapshot_account

    if demo:
        kept = environ.get(DEMO_DATA_DIR_ENV, "").strip()
        if not kept:
            return None
        cache_dir = app_paths({DATA_DIR_ENV: kept}).cache_dir
        agent_id = None
    elif agent_id is None:
        return None
    account = snapshot_account(base_url, demo=demo)
    return GridSnapshotStore(cache_dir).load(account, agent_id)


def show_saved_grid(browser: EngineBrowser, snapshot: GridSnapshot, view: LastView) -> None:
    """Draw the saved copy, marked as one, scrolled and selected as at the last close."""
    model = browser.engine_table_model
    model.show_snapshot(snapshot)
    title = snapshot.title or f"Engine {snapshot.engine_id}"
    browser.show_engine_title(
        title, len(snapshot.rows), note=snapshot_note(snapshot, refreshing=True)
    )
    if view.engine_id != snapshot.engine_id or view.agent_id != snapshot.agent_id:
        return
    table = browser.engine_table_view
    top = model.row_for_id(view.top_row_id) if view.top_row_id else -1
    if top >= 0:
        table.scrollTo(model.index(top, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    selected = model.row_for_id(view.selected_row_id) if view.selected_row_id else -1
    if selected >= 0:
        browser.select_rows([selected])
