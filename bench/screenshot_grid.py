"""Stage the README's grid screenshot: the real window in demo mode with a render running.

Run under Xvfb at 1280x800 (see docs/desktop.md), then grab the screen while it waits:

    Xvfb :99 -screen 0 1280x800x24 &
    GENPRO_DATA_DIR=$(mktemp -d) DISPLAY=:99 QT_QPA_PLATFORM=xcb \\
        uv run python bench/screenshot_grid.py
    # it grabs the screen itself with --grab docs/screenshot.png (ImageMagick's import), or
    # when it prints "ready": DISPLAY=:99 import -window root docs/screenshot.png

It renders rows 3-5 of the demo's first engine for real (the simulator scripted to take about
70 s, so the local history has a typical duration), then renders row 3 again with a long
render and waits until its cell says "Rendering 0:42 of ~1:10". Nothing is faked: the label is
what the app shows. It stays open for `--hold` seconds for the grab, then quits.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

import qasync
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.gui.app import DesktopApp
from genpro_desktop.gui.launch import LaunchOptions

ENGINE_ROW_HISTORY = (2, 3, 4)  # rows rendered first (0-based), ~70 s each
HISTORY_SECONDS = (64.0, 66.0, 68.0)  # plus GEN's 2 s pending and the polls: ~1:07-1:10


class Yes:
    """Answers every confirmation (the cost question) with yes."""

    async def confirm(self, title: str, text: str, *, accept: str, details: str = "") -> bool:
        print(f"asked: {title}: {text}", flush=True)
        return True

    async def choose(self, title: str, text: str, choices: object, *, details: str = "") -> int:
        return 0


async def _until(check: Callable[[], bool], seconds: float) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the staged scene did not come about in time")
        await asyncio.sleep(0.25)


async def stage(hold: float, grab: str | None) -> int:
    app = DesktopApp(LaunchOptions(demo=True), prompts=Yes())
    await app.start()
    assert app.window is not None
    assert app.flow is not None
    await _until(lambda: app.flow is not None and app.flow.session is not None, 30)
    session = app.flow.session
    simulator = app.flow.simulator
    assert session is not None
    assert simulator is not None
    window = app.window
    window.resize(1280, 800)
    window.move(0, 0)
    await session.tasks.wait_idle()
    model = window.browser.engine_table_model
    await _until(lambda: model.rowCount() > 0, 30)

    def renders() -> list[object]:
        return [j for j in window.jobs_panel.model.jobs() if j.kind is JobKind.RENDER]

    for done_s in HISTORY_SECONDS:
        simulator.state.script_render(pending_s=2.0, done_s=done_s)
    await session.browser.render_rows(list(ENGINE_ROW_HISTORY))
    print("history renders started", flush=True)
    await _until(
        lambda: (
            sum(
                1
                for j in window.jobs_panel.model.jobs()
                if j.kind is JobKind.RENDER and j.state is JobState.COMPLETED
            )
            >= len(ENGINE_ROW_HISTORY)
        ),
        240,
    )
    await session.tasks.wait_idle()
    await session.browser.refresh_typical_render()
    simulator.state.script_render(pending_s=2.0, done_s=900.0)
    await session.browser.render_rows([2])
    row = 2
    index = model.index(row, model.final_video_column)
    await _until(lambda: str(index.data()).startswith("Rendering 0:42"), 120)
    print(f"ready: {index.data()}", flush=True)
    if grab:
        await asyncio.sleep(0.2)  # let the tick paint
        shot = await asyncio.create_subprocess_exec("import", "-window", "root", grab)
        await shot.wait()
        print(f"grabbed {grab}: {index.data()}", flush=True)
    await asyncio.sleep(hold)
    app.request_quit()
    await app.aclose()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Stage the README's grid screenshot.")
    parser.add_argument("--hold", type=float, default=6.0, help="seconds to stay for the grab")
    parser.add_argument("--grab", default=None, help="grab the screen into this PNG when ready")
    args = parser.parse_args()
    qt = QApplication.instance() or QApplication(sys.argv[:1])
    qt.setApplicationName("GEN Desktop")
    return qasync.run(stage(args.hold, args.grab))


if __name__ == "__main__":
    raise SystemExit(main())
