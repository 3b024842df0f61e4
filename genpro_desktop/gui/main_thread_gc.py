"""Runs Python's cyclic garbage collector on the GUI thread only.

The app has worker threads (keyring calls, the store's writer, file checks, the demo
simulator). Python's automatic GC runs in whichever thread happens to allocate, so a QObject
caught in a reference cycle could be destroyed from a worker thread; Qt then cannot unregister
its timers, and a later timer event hits freed memory (a segfault). pyqtgraph solves this the
same way: switch automatic collection off and collect from a timer on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 500


class MainThreadGarbageCollector(QObject):
    """While started, garbage is collected by a GUI-thread timer at the GC's own thresholds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled: bool | None = None

    def start(self) -> None:
        """Turn automatic collection off and start the timer."""
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self) -> None:
        """Collect once more and give collection back to Python as it was before `start`."""
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None

    def collect_if_due(self) -> None:
        """Collect the youngest generation that has passed its threshold (as Python would)."""
        threshold = gc.get_threshold()
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > threshold[generation]:
                gc.collect(generation)
                return
