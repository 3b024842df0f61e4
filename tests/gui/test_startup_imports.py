"""The window is painted before the slow modules are imported (issues #6 and #20,
`bench/startup.py`).

The app is started the way `genpro-desktop --demo` starts it (`gui/app.py main()`), in a fresh
interpreter, and is stopped right after the main window's first paint. Whatever it had imported
by then is what every start-up waits for, so the modules the first frame does not need must not
be among them: asyncio and qasync, the window's contents (the widgets and models), the core's
jobs, the API client (httpx, pydantic, tenacity), the keyring, the demo simulator (aiohttp), Qt
Multimedia and the package metadata (read for `__version__`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NOT_BEFORE_FIRST_PAINT = (
    "aiohttp",
    "asyncio",
    "concurrent.futures",
    "genpro_desktop.core.api",
    "genpro_desktop.core.jobs",
    "genpro_desktop.gui.desktop_app",
    "genpro_desktop.gui.models",
    "genpro_desktop.gui.preferences",
    "genpro_desktop.gui.theme",
    "genpro_desktop.gui.widgets.engine_browser",
    "genpro_desktop.gui.widgets.jobs_panel",
    "genpro_desktop.gui.widgets.welcome_page",
    "genpro_desktop.simulator",
    "httpx",
    "importlib.metadata",
    "keyring",
    "pydantic",
    "PySide6.QtMultimedia",
    "qasync",
    "tenacity",
)

# Runs the real start-up and reports, at the first paint, the imported modules and the window
# that was painted, then exits.
STOP_AT_FIRST_PAINT = """
import json, os, sys
from genpro_desktop.gui import first_frame

wait_for_paint = first_frame.FirstFrame.wait_for_paint

def report_and_exit(self, timeout_s):
    painted = wait_for_paint(self, timeout_s)
    from PySide6.QtWidgets import QApplication
    window = self.window
    report = {
        "painted": painted,
        "modules": sorted(sys.modules),
        "window": type(window).__name__,
        "built": window.built,
        "title": window.windowTitle(),
        "top_level_windows": sum(w.isVisible() for w in QApplication.topLevelWidgets()),
    }
    print(json.dumps(report), flush=True)
    os._exit(0)

first_frame.FirstFrame.wait_for_paint = report_and_exit
from genpro_desktop.gui.app import main
main(["--demo"])
"""


def _first_paint_report(tmp_path: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEN_", "GENPRO_"))}
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "GENPRO_DATA_DIR": str(tmp_path / "app"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", STOP_AT_FIRST_PAINT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_first_paint_comes_before_asyncio_qasync_the_widgets_and_the_core(
    tmp_path: Path,
) -> None:
    report = _first_paint_report(tmp_path)
    assert report["painted"] is True
    # The window painted is the main window that stays, not yet built, and the only one.
    assert report["window"] == "MainWindow"
    assert report["built"] is False
    assert report["title"] == "GEN Desktop — demo"
    assert report["top_level_windows"] == 1
    modules = report["modules"]
    assert isinstance(modules, list)
    assert "genpro_desktop.gui.widgets.main_window" in modules
    loaded_too_early = sorted(
        name
        for name in modules
        if any(name == slow or name.startswith(slow + ".") for slow in NOT_BEFORE_FIRST_PAINT)
    )
    assert loaded_too_early == []
    qt_modules = sorted(name for name in modules if name.startswith("PySide6.Qt"))
    assert qt_modules == ["PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"]
