"""The main window's first frame, painted before the rest of the app is imported.

`gui/app.py main()` imports PySide6's three modules and little else (this module, the palette,
the settings file, the app's folders, the starting window), applies the saved theme, shows the
`MainWindow` at its saved geometry on its "Starting…" page and lets Qt paint it. Only then does
it import asyncio, qasync, the widgets, the core and everything else, and `DesktopApp` builds the
rest into that same window. `tests/gui/test_startup_imports.py` keeps the slow modules out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from genpro_desktop.core.paths import AppPaths, app_paths
from genpro_desktop.gui.palette import apply_theme
from genpro_desktop.gui.settings_file import Theme, open_settings, saved_layout, saved_theme
from genpro_desktop.gui.startup_probe import StartupProbe
from genpro_desktop.gui.widgets.main_window import MainWindow

# How long start-up waits for the window's first paint before it loads the rest anyway (a
# window that is never exposed, e.g. started minimised, never paints).
FIRST_PAINT_WAIT_S = 1.0


class PaintWatch(QObject):
    """Notes the first paint of one widget and calls back.

    It filters that widget's events only: a Python filter on the whole application would see
    every event of every object and slow the very paint it waits for.
    """

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        self._widget = widget
        self._callbacks: list[Callable[[], None]] = []
        widget.installEventFilter(self)

    def on_paint(self, callback: Callable[[], None]) -> None:
        """Call `callback` at the first paint (at once if it was painted already)."""
        if self.painted:
            callback()
        else:
            self._callbacks.append(callback)

    def forget(self, callback: Callable[[], None]) -> None:
        """No longer call `callback`."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Note the first paint event; never consumes it."""
        if not self.painted and event.type() == QEvent.Type.Paint:
            self.painted = True
            self._widget.removeEventFilter(self)
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                callback()
        return False


class FirstFrame:
    """The starting main window, shown, and what was read to make it.

    `open()` makes it; `wait_for_paint()` lets Qt paint it (before an asyncio loop exists);
    `DesktopApp.start()` builds the rest of the app into `window`.
    """

    def __init__(
        self,
        window: MainWindow,
        paths: AppPaths,
        theme: Theme,
        probe: StartupProbe | None,
    ) -> None:
        self.window = window
        self.paths = paths
        self.theme = theme
        self.probe = probe
        self.paint = PaintWatch(window)
        # Closed before the app was there to hear it (the app then ends at once).
        self.closed_early = False
        window.closed.connect(self._on_closed)

    @classmethod
    def open(cls, environ: Mapping[str, str], *, demo: bool) -> FirstFrame:
        """Apply the saved theme and show the starting window at its saved geometry."""
        paths = app_paths(environ)  # nothing is created here (DesktopApp does, off this thread)
        settings = open_settings(paths.config_dir)
        theme = saved_theme(settings)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # The app decides when it ends (after closing its services), not Qt.
            app.setQuitOnLastWindowClosed(False)
            apply_theme(app, theme)
        window = MainWindow(demo=demo)
        window.restore_layout({"geometry": saved_layout(settings, "geometry")})
        frame = cls(window, paths, theme, StartupProbe.install(environ, window))
        window.show()
        return frame

    @property
    def painted(self) -> bool:
        """True once Qt has painted the window."""
        return self.paint.painted

    def wait_for_paint(self, timeout_s: float = FIRST_PAINT_WAIT_S) -> bool:
        """Run Qt's events until the window is painted or `timeout_s` has passed; True if it
        was painted. The user's input waits (it reaches the built window)."""
        if self.paint.painted:
            return True
        loop = QEventLoop()
        timer = QTimer(loop)
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self.paint.on_paint(loop.quit)
        timer.start(round(timeout_s * 1000))
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        timer.stop()
        self.paint.forget(loop.quit)
        return self.paint.painted

    def _on_closed(self) -> None:
        self.closed_early = True
