"""`genpro-desktop`: paints the main window first, then imports and runs the desktop app.

`main()` (the `genpro-desktop` gui-script and `python -m genpro_desktop`) creates the
QApplication, shows the starting main window (`gui/first_frame.py`: the saved theme and geometry,
the title, the menu bar and "Starting…") and lets Qt paint it before anything slow is imported:
this module and the ones it imports at the top use PySide6's QtCore, QtGui and QtWidgets and a
few small modules of this package only. asyncio, qasync, the widgets, the core and the rest of
the app (`gui/desktop_app.py`, `DesktopApp`) are imported once the window is on screen, and build
the rest into that same window (`bench/startup.py` measures it;
`tests/gui/test_startup_imports.py` keeps the slow modules out of the first frame).

`DesktopApp`, `FirstPaint` and `TerminationWatch` are still importable from here (loaded on first
use).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from genpro_desktop.gui.first_frame import FIRST_PAINT_WAIT_S, FirstFrame
from genpro_desktop.gui.launch import LaunchOptions, parse_args
from genpro_desktop.gui.palette import new_application

if TYPE_CHECKING:
    from genpro_desktop.gui.desktop_app import DesktopApp, FirstPaint, TerminationWatch

__all__ = [
    "DesktopApp",
    "FirstPaint",
    "LaunchOptions",
    "TerminationWatch",
    "main",
    "parse_args",
]

_DESKTOP_APP_NAMES = ("DesktopApp", "FirstPaint", "TerminationWatch")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `genpro-desktop` gui-script and `python -m genpro_desktop`."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    if options.self_test:
        from genpro_desktop.gui.desktop_app import DesktopApp
        from genpro_desktop.gui.self_test import run_self_test

        return run_self_test(options, DesktopApp)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else new_application(sys.argv[0])
    app.setApplicationName("GEN Desktop")
    app.setOrganizationName("genpro-desktop")
    app.setDesktopFileName("genpro-desktop")
    frame = FirstFrame.open(os.environ, demo=options.demo)
    frame.wait_for_paint(FIRST_PAINT_WAIT_S)
    # The window is on screen: now the slow part (asyncio, qasync, widgets, core).
    import qasync

    from genpro_desktop.gui.desktop_app import DesktopApp

    desktop = DesktopApp(options, first_frame=frame)
    return qasync.run(desktop.run())


def __getattr__(name: str) -> object:
    """`DesktopApp`, `FirstPaint`, `TerminationWatch`: imported on first use (they are slow)."""
    if name not in _DESKTOP_APP_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from genpro_desktop.gui import desktop_app

    value = getattr(desktop_app, name)
    globals()[name] = value
    return value


if __name__ == "__main__":
    raise SystemExit(main())
