"""A hidden start-up probe for `bench/startup.py`, switched on by GENPRO_STARTUP_PROBE=<file>.

When the variable is set the app notes `time.perf_counter()` at these moments (on Linux, macOS
and Windows that clock is system-wide, so the benchmark compares it with its own readings):

- `first_paint`: the first paint event of the main window (the top-level window, painted before
  its children; the one that stays: start-up paints it before building its contents);
- `snapshot_populated` / `snapshot_painted`: the grid filled from the last engine's saved copy
  (`gui.grid_snapshot_view`), and its first paint after that (absent without a saved copy);
- `engine_asked`: the first engine selected in the engine list;
- `engine_populated`: the grid model showing that engine's rows from GEN (reset, or the saved
  copy's rows updated in place);
- `engine_painted`: the grid's first paint after that;
- `session_started`: the session is open (history loaded, engines listed).

It then writes them as one JSON object to <file>, with a few facts (the Qt modules imported at
first paint, the window size, the grid's rows and columns, how many jobs the panel shows) and
ends the app. When the variable is unset nothing here runs.

The probe filters the events of the window and of the grid's viewport only: a Python filter on
the whole application would itself slow the first paint (every event of every object, Qt's
internal animations included, would cross into Python and make PySide wrap their types).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer

if TYPE_CHECKING:
    from genpro_desktop.gui.widgets.main_window import MainWindow

PROBE_ENV = "GENPRO_STARTUP_PROBE"


class StartupProbe(QObject):
    """Notes when the window and the first engine's grid are painted; writes them; quits."""

    def __init__(self, path: Path, window: MainWindow) -> None:
        super().__init__(window)
        self._path = path
        self._window = window
        # What ends the app once the report is written (the app sets it when it runs).
        self.on_done: Callable[[], None] | None = None
        self._grid_viewport: QObject | None = None
        self.marks: dict[str, float] = {}
        self.facts: dict[str, Any] = {}
        self._engine_id: str | None = None
        self._session_opened: bool | None = None
        self._finished = False
        window.installEventFilter(self)

    @classmethod
    def install(cls, environ: Mapping[str, str], window: MainWindow) -> StartupProbe | None:
        """A probe on `window` (before it is shown) when GENPRO_STARTUP_PROBE is set, else None."""
        target = environ.get(PROBE_ENV, "").strip()
        return cls(Path(target), window) if target else None

    def watch_grid(self) -> None:
        """The window is built: time the engine's grid (its model and its viewport's paints)."""
        browser = self._window.browser
        browser.engine_selected.connect(self._on_engine_selected)
        browser.engine_table_model.modelReset.connect(self._on_grid_reset)
        browser.engine_table_model.dataChanged.connect(self._on_grid_reset)
        self._grid_viewport = browser.engine_table_view.viewport()
        self._grid_viewport.installEventFilter(self)

    def session_started(self, opened: bool) -> None:
        """The account flow finished starting; `opened` says whether a session is open."""
        self.marks["session_started"] = time.perf_counter()
        self._session_opened = opened
        self._finish_when_done()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note the first paints; never consumes the event."""
        if event.type() != QEvent.Type.Paint:
            return False
        now = time.perf_counter()
        if "first_paint" not in self.marks and watched is self._window:
            self.marks["first_paint"] = now
            self.facts["qt_modules"] = sorted(
                name.split(".")[1] for name in sys.modules if name.startswith("PySide6.Qt")
            )
            self.facts["modules_at_first_paint"] = len(sys.modules)
            self.facts["window_size"] = [self._window.width(), self._window.height()]
            self._window.removeEventFilter(self)
        elif (
            watched is self._grid_viewport
            and "snapshot_populated" in self.marks
            and "snapshot_painted" not in self.marks
        ):
            self.marks["snapshot_painted"] = now
        elif (
            watched is self._grid_viewport
            and "engine_populated" in self.marks
            and "engine_painted" not in self.marks
        ):
            self.marks["engine_painted"] = now
            self._finish_when_done()
        return False

    def _on_engine_selected(self, engine_id: str) -> None:
        if self._engine_id is None:
            self._engine_id = engine_id
            self.marks["engine_asked"] = time.perf_counter()

    def _on_grid_reset(self, *_changed: object) -> None:
        model = self._window.browser.engine_table_model
        if model.snapshot is not None:
            self.marks.setdefault("snapshot_populated", time.perf_counter())
            return
        if (
            "engine_populated" not in self.marks
            and self._engine_id is not None
            and model.grid.engine_id == self._engine_id
        ):
            self.marks["engine_populated"] = time.perf_counter()
            self.facts["engine_id"] = self._engine_id
            self.facts["grid"] = [model.rowCount(), model.columnCount()]

    def _finish_when_done(self) -> None:
        if self._finished or self._session_opened is None:
            return
        waiting_for_grid = self._session_opened and self._engine_id is not None
        if waiting_for_grid and "engine_painted" not in self.marks:
            return
        self._finished = True
        if self._grid_viewport is not None:
            self._grid_viewport.removeEventFilter(self)
        self.facts["session_opened"] = self._session_opened
        self.facts["jobs_shown"] = self._window.jobs_panel.model.rowCount()
        self.facts.update(_memory())
        import json  # after the first paint

        self._path.write_text(json.dumps({"marks": self.marks, **self.facts}), encoding="utf-8")
        if self.on_done is not None:
            QTimer.singleShot(0, self.on_done)


def _memory() -> dict[str, float]:
    """Resident memory now and at its peak so far, in MiB (Linux: /proc; else what is known)."""
    facts: dict[str, float] = {}
    try:
        import resource

        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # KiB on Linux, bytes on macOS.
        facts["rss_peak_mib"] = round(
            peak_kib / (1024 * 1024 if sys.platform == "darwin" else 1024), 1
        )
    except ImportError:  # Windows
        pass
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return facts
    import os

    facts["rss_mib"] = round(pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024), 1)
    return facts
