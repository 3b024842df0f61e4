"""Regression guard for the PySide6 pin (>=6.11.3,<6.12).

PySide6 6.12.0 aborts CPython 3.11 with "Fatal Python error: none_dealloc" after many Qt calls;
100k `processEvents()` calls reproduce it. The pin keeps us off that release, this test proves the
installed build survives the reproducer, and fails loudly if the pin is ever relaxed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version


def _parse(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:3])


def test_installed_pyside6_is_inside_the_pin() -> None:
    for dist in ("PySide6-Essentials", "PySide6-Addons"):
        installed = _parse(version(dist))
        assert (6, 11, 3) <= installed < (6, 12, 0), f"{dist} {installed} is outside the pin"


def test_many_process_events_calls_do_not_abort_the_interpreter() -> None:
    code = (
        "from PySide6.QtCore import QCoreApplication\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "for _ in range(100_000):\n"
        "    QCoreApplication.processEvents()\n"
        "print('survived')\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "none_dealloc" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "survived"
