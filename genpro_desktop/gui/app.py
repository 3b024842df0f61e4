"""`genpro-desktop`: builds the app (QApplication, qasync loop, services, window) and tears it down.

This is the desktop app's composition root. Qt owns the loop; asyncio runs on it through qasync.
Shutdown order: window closed -> GUI tasks cancelled and awaited -> core services closed ->
the demo simulator stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import qasync
from PySide6.QtWidgets import QApplication

from genpro_desktop import __version__
from genpro_desktop.core.api import DEFAULT_BASE_URL, GenError, Secret, UnsafeURLError
from genpro_desktop.core.credentials import CredentialError, KeyringCredentialStore, resolve_api_key
from genpro_desktop.core.services import AppServices, build_services
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.browser_presenter import BrowserPresenter
from genpro_desktop.gui.widgets.main_window import MainWindow
from genpro_desktop.simulator import DEMO_API_KEY, RealClock, Simulator

log = logging.getLogger(__name__)

DEMO_AGENT_ID = "4711"
# Renders take ~8 s of simulator time; the demo runs that clock at real speed so the status bars
# show pending and processing long enough to be seen.
DEMO_CLOCK_SPEED = 1.0


@dataclass
class LaunchOptions:
    """What the command line asked for."""

    demo: bool
    base_url: str
    agent_id: str | None
    smoke: bool


def parse_args(argv: Sequence[str]) -> LaunchOptions:
    """Parse `genpro-desktop` options."""
    parser = argparse.ArgumentParser(
        prog="genpro-desktop",
        description="Render, preview and publish GEN Auto Content Engine videos.",
    )
    parser.add_argument(
        "--demo", action="store_true", help="run on the built-in GEN simulator (no key, no credits)"
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("GEN_API_BASE_URL", DEFAULT_BASE_URL),
        help="GEN API base URL (https, or http on loopback only)",
    )
    parser.add_argument("--agent", default=os.environ.get("GEN_AGENT_ID"), help="agent id")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="start, load the engine list, print how many engines were found, and exit",
    )
    parser.add_argument("--version", action="version", version=f"genpro-desktop {__version__}")
    args = parser.parse_args(list(argv))
    return LaunchOptions(
        demo=args.demo, base_url=args.base_url, agent_id=args.agent, smoke=args.smoke
    )


class DesktopApp:
    """Owns one run of the desktop app: its services, window, tasks and (in demo) simulator."""

    def __init__(self, options: LaunchOptions) -> None:
        self.options = options
        self.simulator: Simulator | None = None
        self.services: AppServices | None = None
        self.tasks = TaskRegistry(on_error=self._on_task_error)
        self.window: MainWindow | None = None
        self.exit_code = 0
        self._closed = asyncio.Event()

    async def run(self) -> int:
        """Start, wait until the window closes (or the smoke check ends), then shut down."""
        try:
            await self._start()
            await self._closed.wait()
        finally:
            await self.aclose()
        return self.exit_code

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        demo = self.options.demo
        window = MainWindow(demo=demo)
        self.window = window
        window.closed.connect(self._closed.set)
        window.show()
        try:
            if demo:
                self.simulator = Simulator(clock=RealClock(speed=DEMO_CLOCK_SPEED))
                base_url = await loop.run_in_executor(None, self.simulator.start)
                api_key: str | Secret = DEMO_API_KEY
                agent_id: str | None = self.options.agent_id or DEMO_AGENT_ID
            else:
                base_url = self.options.base_url
                resolved = await loop.run_in_executor(
                    None, resolve_api_key, os.environ, KeyringCredentialStore()
                )
                if resolved is None:
                    window.show_account("Not signed in")
                    window.show_status(
                        "No API key found. Run `genpro login` (or set GEN_API_KEY), or start "
                        "with `genpro-desktop --demo` to try the built-in simulator.",
                        error=True,
                    )
                    self._finish_smoke(1)
                    return
                api_key = resolved.secret
                agent_id = self.options.agent_id
            self.services = build_services(api_key=api_key, base_url=base_url, agent_id=agent_id)
        except (GenError, CredentialError, UnsafeURLError) as exc:
            window.show_status(str(exc), error=True)
            self._finish_smoke(1)
            return
        presenter = BrowserPresenter(window, self.services, self.tasks)
        load = self.tasks.spawn(presenter.load(), name="load-engines")
        if self.options.smoke:
            await load
            count = window.engine_list_model.rowCount()
            print(f"genpro-desktop smoke: {count} engines listed")
            self._finish_smoke(0 if count > 0 else 1)

    def _finish_smoke(self, code: int) -> None:
        if self.options.smoke:
            self.exit_code = code
            self._closed.set()

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("background task failed", exc_info=exc)
        if self.window is not None:
            self.window.show_status(f"Something went wrong: {exc}", error=True)

    async def aclose(self) -> None:
        """Cancel GUI tasks, close the core services, stop the simulator; in that order."""
        await self.tasks.aclose()
        if self.services is not None:
            await self.services.aclose()
            self.services = None
        if self.simulator is not None:
            simulator, self.simulator = self.simulator, None
            await asyncio.get_running_loop().run_in_executor(None, simulator.stop)
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `genpro-desktop` gui-script and `python -m genpro_desktop`."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("GEN Desktop")
    app.setOrganizationName("genpro-desktop")
    app.setApplicationVersion(__version__)
    # The coroutine decides when the app ends, so it can close services before the loop stops.
    app.setQuitOnLastWindowClosed(False)
    desktop = DesktopApp(options)
    return qasync.run(desktop.run())


if __name__ == "__main__":
    raise SystemExit(main())
