"""Feeds the main window from the core: who is signed in, the engine list, the selected engine."""

from __future__ import annotations

from genpro_desktop.core.api import GenError
from genpro_desktop.core.browse import list_engines
from genpro_desktop.core.services import AppServices
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.widgets.main_window import MainWindow


class BrowserPresenter:
    """Loads data through the core services and hands it to the window's models."""

    def __init__(self, window: MainWindow, services: AppServices, tasks: TaskRegistry) -> None:
        self._window = window
        self._services = services
        self._tasks = tasks
        self._wanted_engine: str | None = None
        window.engine_selected.connect(self._on_window_engine_selected)

    async def load(self) -> None:
        """Show the signed-in user and the agent's engines; errors go to the status bar."""
        client = self._services.client
        self._window.show_status("Loading engines…")
        try:
            me = await client.me.get()
            who = me.name or me.email or me.username or f"user {me.id}"
            self._window.show_account(f"Signed in as {who}")
            listing = await list_engines(client)
        except GenError as exc:
            self._window.show_status(str(exc), error=True)
            return
        self._window.engine_list_model.set_entries(listing.entries)
        if listing.server_lists_engines:
            self._window.show_engines_note(None)
        else:
            self._window.show_engines_note(
                "GEN has no engine list for this server; showing the agent's setup engine"
                " and engines you saved."
            )
        self._window.show_status(f"{len(listing.entries)} engines")
        self._window.select_first_engine()

    async def open_engine(self, engine_id: str) -> None:
        """Load one engine into the grid; a slower, older request never overwrites a newer one."""
        self._wanted_engine = engine_id
        self._window.show_status(f"Loading engine {engine_id}…")
        try:
            engine = await self._services.client.engines.get(engine_id)
        except GenError as exc:
            if self._wanted_engine == engine_id:
                self._window.show_status(str(exc), error=True)
            return
        if self._wanted_engine != engine_id:
            return
        self._window.engine_table_model.set_engine(engine)
        grid = self._window.engine_table_model.grid
        self._window.engine_title.setText(
            f"<b>{grid.title or 'Engine ' + engine_id}</b> — {len(grid.rows)} rows"
        )
        self._window.show_status(f"Engine {engine_id} loaded")

    def _on_window_engine_selected(self, engine_id: str) -> None:
        self._tasks.spawn(self.open_engine(engine_id), name=f"open-engine-{engine_id}")
