"""The window is painted before the slow modules are imported (issue #6, `bench/startup.py`).

The app is started the way `genpro-desktop --demo` starts it, in a fresh interpreter, and is
stopped at the main window's first paint. Whatever it had imported by then is what every start-up
waits for, so the modules the first frame does not need must not be among them: the API client
(httpx, pydantic, tenacity), the keyring, the demo simulator (aiohttp), Qt Multimedia and the
package metadata (read for `__version__`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

NOT_BEFORE_FIRST_PAINT = (
    "aiohttp",
    "genpro_desktop.core.api.client",
    "genpro_desktop.core.jobs.tracker",
    "genpro_desktop.simulator",
    "httpx",
    "importlib.metadata",
    "keyring",
    "pydantic",
    "PySide6.QtMultimedia",
    "tenacity",
)

# Runs the real start-up and reports the imported modules at the first paint, then exits.
STOP_AT_FIRST_PAINT = """
import json, os, sys
from genpro_desktop.gui import app

wait_for_first_paint = app.FirstPaint.wait

async def report_and_exit(self, timeout_s):
    painted = await wait_for_first_paint(self, timeout_s)
    print(json.dumps({"painted": painted, "modules": sorted(sys.modules)}), flush=True)
    os._exit(0)

app.FirstPaint.wait = report_and_exit
app.main(["--demo"])
"""


def _modules_at_first_paint(tmp_path: Path) -> dict[str, object]:
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


def test_the_first_paint_comes_before_the_client_keyring_simulator_and_multimedia(
    tmp_path: Path,
) -> None:
    report = _modules_at_first_paint(tmp_path)
    assert report["painted"] is True
    modules = report["modules"]
    assert isinstance(modules, list)
    assert "genpro_desktop.gui.widgets.main_window" in modules
    loaded_too_early = sorted(
        name
        for name in modules
        if any(name == slow or name.startswith(slow + ".") for slow in NOT_BEFORE_FIRST_PAINT)
    )
    assert loaded_too_early == []
