"""Runs Python's cyclic garbage collector on the GUI thread only.

The app has worker threads (keyring calls, the store's writer, file checks, the demo
simulator). Python's automatic GC runs in whichever thread happens to allocate, so a QObject
caught in a reference cycle could be destroyed from a worker thread; Qt then cannot unregister
its timers, and a later timer event hits freed memory (a segfault). pyqtgraph solves this the
same way: switch automatic collection off and collect from a timer on the GUI thread. That part
is for correctness, not for a benchmark number.

The tuning (a full pass at most every 5 minutes, start-up survivors frozen out of the collector)
is still measured to matter (issue 15, 2026-12-06, the `--demo` app once signed in, loaded
2-core machine): one full pass over its ~96,000 objects took 116-157 ms (median of 5, three
runs), a visible freeze of the window; after `freeze_survivors` it took under 0.01 ms.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

# Often enough that each young-generation pass stays short (a few ms on the GUI thread).
CHECK_INTERVAL_MS = 100
# A full pass walks every live object (~150k: 100+ ms). CPython itself runs one rarely (only when
# many objects were promoted since the last); collecting it at every 10th middle pass, as a plain
# threshold check would, froze the window every few seconds under load.
FULL_COLLECTION_MIN_INTERVAL_S = 300.0


class MainThreadGarbageCollector(QObject):
    """While started, garbage is collected by a GUI-thread timer at the GC's own thresholds."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._was_enabled: bool | None = None
        self._last_full = time.monotonic()

    def start(self) -> None:
        """Turn automatic collection off and start the timer."""
        if self._was_enabled is None:
            self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def freeze_survivors(self) -> None:
        """Move every object alive now (modules, classes, Qt wrappers built at start-up) out of
        the collector's reach, so later full passes walk only what was made since (gc.freeze)."""
        gc.freeze()

    def stop(self) -> None:
        """Collect once more and give collection back to Python as it was before `start`."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self._was_enabled = None

    def collect_if_due(self) -> None:
        """Collect the oldest generation past its threshold (as Python would); a full
        collection at most every `FULL_COLLECTION_MIN_INTERVAL_S`, else the middle one."""
        threshold = gc.get_threshold()
        counts = gc.get_count()
        full_allowed = time.monotonic() - self._last_full >= FULL_COLLECTION_MIN_INTERVAL_S
        for generation in (2, 1, 0):
            if generation == 2 and not full_allowed:
                continue
            if counts[generation] > threshold[generation]:
                gc.collect(generation)
                if generation == 2:
                    self._last_full = time.monotonic()
                return
