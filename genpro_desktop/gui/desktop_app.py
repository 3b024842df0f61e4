"""The desktop app (`DesktopApp`): builds the window's contents, the account flow and its
session into the starting window, and tears them down.

This is the desktop app's composition root (`gui/app.py main()` paints the starting window,
then imports this module and runs it). Qt owns the loop; asyncio runs on it through qasync.
Shutdown order: window closed -> layout saved -> app tasks cancelled and awaited -> the session
closed (its tasks, then the core services in reverse order) -> the demo simulator stopped.
Tests build a `DesktopApp` with a memory credential store, a fake clock and fake prompts; it then
opens and paints the starting window itself.

Start-up order: the starting window painted (`gui/first_frame.py`: before this module is even
imported), then the pages, docks and menus built into it, the last engine's grid drawn from its
saved copy, and only then the account flow, the core services, the keyring, the demo simulator
and Qt Multimedia imported and built (`bench/startup.py` measures it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from PySide6.QtCore import QSocketNotifier, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QWidget

import genpro_desktop
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.session_config import (
    DemoTarget,
    Resolved,
    SessionTarget,
    resolve_base_url,
    resolve_session,
)
from genpro_desktop.gui.asyncqt import TaskRegistry, run_dialog
from genpro_desktop.gui.first_frame import FIRST_PAINT_WAIT_S, FirstFrame, PaintWatch
from genpro_desktop.gui.job_actions import JobActionDispatcher
from genpro_desktop.gui.launch import LaunchOptions
from genpro_desktop.gui.main_thread_gc import MainThreadGarbageCollector
from genpro_desktop.gui.models.engine_list_model import EngineListModel
from genpro_desktop.gui.models.engine_table_model import EngineTableModel
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.notifications import Notifier
from genpro_desktop.gui.preferences import LastView, Preferences, PreferenceStore
from genpro_desktop.gui.prompts import DialogPrompts, Prompts
from genpro_desktop.gui.theme import apply_theme
from genpro_desktop.gui.widgets.main_window import MainWindow

if TYPE_CHECKING:
    from genpro_desktop.core.clock import Clock
    from genpro_desktop.core.credentials import CredentialStore
    from genpro_desktop.core.grid_snapshot import GridSnapshot
    from genpro_desktop.core.jobs import LocalJob
    from genpro_desktop.gui.account_flow import AccountFlow
    from genpro_desktop.gui.calendar.presenter import CalendarPresenter
    from genpro_desktop.gui.history import HistoryPresenter
    from genpro_desktop.gui.jobs_presenter import UrlOpener
    from genpro_desktop.gui.preview.presenter import PreviewPresenter, PreviewViews
    from genpro_desktop.gui.preview.video_preview import VideoPreview

log = logging.getLogger(__name__)

__all__ = ["FIRST_PAINT_WAIT_S", "LAYOUT_KEYS", "DesktopApp", "FirstPaint", "TerminationWatch"]

LAYOUT_KEYS = ("geometry", "window_state", "browser_splitter")


class DesktopApp:
    """Owns one run of the desktop app: window, preferences, account flow and its session."""

    def __init__(
        self,
        options: LaunchOptions,
        *,
        credentials: CredentialStore | None = None,
        clock: Clock | None = None,
        prompts: Prompts | None = None,
        open_url: UrlOpener = QDesktopServices.openUrl,
        environ: Mapping[str, str] | None = None,
        first_frame: FirstFrame | None = None,
    ) -> None:
        """`first_frame`: the starting window `main()` has shown (else `start()` shows one)."""
        self.options = options
        # None until start() has painted the window: then the OS keyring (importing it is slow).
        self.credentials: CredentialStore | None = credentials
        self.tasks = TaskRegistry(on_error=self._on_task_error)
        self.exit_code = 0
        self.window: MainWindow | None = None
        self.flow: AccountFlow | None = None
        self.prefs_store: PreferenceStore | None = None
        self.preferences: Preferences | None = None
        self.notifier: Notifier | None = None
        self.preview: PreviewPresenter | None = None
        self.calendar: CalendarPresenter | None = None
        self.job_actions: JobActionDispatcher | None = None
        self.history: HistoryPresenter | None = None  # Jobs > History…, while open
        self.started = asyncio.Event()
        self._clock = clock
        self._prompts = prompts
        self._open_url = open_url
        self._environ = os.environ if environ is None else environ
        self._first_frame = first_frame
        self._window_connected = False
        self._closed = asyncio.Event()
        self._shut_down = False
        self._garbage_collector = MainThreadGarbageCollector()

    async def run(self) -> int:
        """Start, wait until the window closes (or the smoke check ends), then shut down.

        SIGTERM (a logout, `kill`, a service manager) ends it the same way, so the session is
        closed and the demo's throwaway folder removed.
        """
        watch = TerminationWatch.install(self.request_quit)
        try:
            await self.start()
            await self._closed.wait()
        finally:
            try:
                await self.aclose()
            finally:
                if watch is not None:
                    watch.close()
        return self.exit_code

    def request_quit(self) -> None:
        """End `run()` as if the window had been closed."""
        self._closed.set()

    async def start(self) -> None:
        """Paint the window, build its contents, then sign in (demo, saved key) or show the
        welcome page.

        The starting window (title, menu bar, "Starting…") is painted first, by `main()` before
        this module was imported or here; its pages and docks are built into it right after;
        the preview, the keyring and the account flow (with the core services and the demo
        simulator) are imported and built after the last engine's saved grid is on screen.
        """
        self._garbage_collector.start()
        frame = self._first_frame
        if frame is None:
            frame = self._first_frame = FirstFrame.open(self._environ, demo=self.options.demo)
        window = frame.window
        window.closed.connect(self._closed.set)
        self._window_connected = True
        if frame.closed_early:  # closed while it was being painted: end as if closed now
            self._closed.set()
        if not frame.painted:
            await FirstPaint(window).wait(FIRST_PAINT_WAIT_S)
        paths = frame.paths
        self.prefs_store = PreferenceStore(paths)
        self.preferences = self.prefs_store.load()
        # The last grid's saved copy is read while the window is built (a worker thread), once
        # the app's folders exist.
        saved_grid = self._read_saved_grid(paths)
        app = QApplication.instance()
        if isinstance(app, QApplication) and self.preferences.theme != frame.theme:
            apply_theme(app, self.preferences.theme)  # changed since the first frame read it
        # The models are made here and handed to the views and, later, to the presenters.
        jobs, engines, grid = JobListModel(), EngineListModel(), EngineTableModel()
        window.build(jobs, engines, grid)
        self.window = window  # built: its pages, docks and menus are there
        # Every action on a job (Jobs panel buttons and shortcuts, the preview's Publish) goes
        # through this one dispatcher to the presenter that does it.
        job_actions = JobActionDispatcher(jobs)
        self.job_actions = job_actions
        window.jobs_panel.action_requested.connect(job_actions.dispatch)
        # The geometry was restored with the first frame: now the docks and the splitter.
        window.restore_layout({key: self.prefs_store.layout(key) for key in LAYOUT_KEYS[1:]})
        self._restore_jobs_view(window, self.prefs_store)
        window.ask_before_closing = lambda: bool(self.running_renders())
        window.close_requested.connect(self._on_close_requested)
        window.settings_requested.connect(self._on_settings_requested)
        window.history_action.triggered.connect(self._on_history_requested)
        prompts = self._prompts or DialogPrompts(window)
        self._prompts = prompts
        probe = frame.probe
        if probe is not None:
            probe.on_done = self.request_quit
            probe.watch_grid()
        self.notifier = Notifier(window.toasts, window)
        await self._show_saved_grid(window, saved_grid)
        # Everything below may import slow modules (about a second with the GUI thread busy):
        # paint the built window now, or the screen shows it empty until they are done.
        window.repaint()
        if isinstance(app, QApplication):
            app.setApplicationVersion(genpro_desktop.__version__)
        from genpro_desktop.core.credentials import KeyringCredentialStore
        from genpro_desktop.gui.account_flow import AccountFlow, AccountViews, DemoSetup
        from genpro_desktop.gui.browser_presenter import BrowserViews
        from genpro_desktop.gui.jobs_presenter import JobsViews
        from genpro_desktop.gui.preview.presenter import PreviewViews
        from genpro_desktop.gui.session import SessionContext
        from genpro_desktop.gui.thumbnail_cache import ThumbnailFeed

        thumbnails = ThumbnailFeed(window)
        thumbnails.thumbnail_ready.connect(grid.thumbnail_ready)
        self._build_preview(
            PreviewViews(
                preview=self._make_preview_pane(window, paths),
                panel=window.jobs_panel,
                jobs=jobs,
                grid=grid,
                actions=job_actions,
                thumbnails=thumbnails,
                status=window,
                dialog_parent=window,
            ),
            prompts,
        )
        self._build_calendar(window, prompts)
        if self.credentials is None:
            self.credentials = KeyringCredentialStore()
        ctx = SessionContext(
            browser_views=BrowserViews(
                window.account_bar,
                window.browser,
                engines,
                grid,
                window,
                panel=window.jobs_panel,
                actions=job_actions,
            ),
            jobs_views=JobsViews(
                window.jobs_panel,
                jobs,
                job_actions,
                window,
                undo_action=window.undo_clear_action,
                toasts=window.toasts,
            ),
            thumbnail_feed=thumbnails,
            prefs_store=self.prefs_store,
            preferences=self._current_preferences,
            prompts=prompts,
            notifier=self.notifier,
            on_auth_lost=self._on_auth_lost,
            open_url=self._open_url,
            clock=self._clock,
        )
        self.flow = AccountFlow(
            ctx,
            AccountViews(window, window.welcome_page, jobs, engines, grid),
            self.tasks,
            credentials=self.credentials,
            paths=paths,
            target=self._session_target,
            demo_setup=DemoSetup.from_environ(self._environ),
            on_session_closing=self._close_history,
        )
        try:
            opened = await (
                self.flow.start_demo() if self.options.demo else self.flow.start_with_saved_key()
            )
        finally:
            if window.on_starting_page:  # the flow shows a page; never stay on "Starting…"
                window.show_welcome()
        if not opened and grid.snapshot is not None:
            grid.set_engine(None)  # no session: the saved copy goes with the browser page
            window.browser.show_engine_title("", 0)
        # What start-up built lives as long as the app: full collections need not walk it.
        self._garbage_collector.freeze_survivors()
        self.started.set()
        if probe is not None:
            probe.session_started(opened)
        if self.options.smoke:
            self._report_smoke(window, opened)
            self._closed.set()

    def _read_saved_grid(self, paths: AppPaths) -> asyncio.Future[GridSnapshot | None]:
        """Make the app's folders, then read the saved copy of the grid the session is about to
        open (on a worker thread)."""
        from genpro_desktop.gui.grid_snapshot_view import load_start_snapshot

        assert self.prefs_store is not None
        demo = self.options.demo
        base_url, agent_id = "", None
        if not demo:
            target = self._session_target()
            base_url = target.base_url.value
            agent_id = target.agent_id.value or self.prefs_store.last_agent()[1]
        environ = self._environ

        def read() -> GridSnapshot | None:
            paths.ensure()  # its errors end the start, as before
            try:
                return load_start_snapshot(
                    paths.cache_dir, environ, demo=demo, base_url=base_url, agent_id=agent_id
                )
            except Exception:  # a cache: the app starts as if there were none
                log.warning("could not read the saved grid", exc_info=True)
                return None

        # Handed to a worker thread now (`to_thread` would start it only at the next await,
        # after the window is built): it reads while the window is built.
        return asyncio.get_running_loop().run_in_executor(None, read)

    async def _show_saved_grid(
        self, window: MainWindow, reading: asyncio.Future[GridSnapshot | None]
    ) -> None:
        """The last engine's grid from its saved copy (marked as one), painted before the slow
        imports and the session; the session replaces it with GEN's answer."""
        from genpro_desktop.gui.grid_snapshot_view import show_saved_grid

        assert self.prefs_store is not None
        snapshot = await reading
        if snapshot is None:
            return
        view = LastView() if self.options.demo else self.prefs_store.last_view()
        show_saved_grid(window.browser, snapshot, view)
        window.show_browser()
        await FirstPaint(window.browser.engine_table_view.viewport()).wait(FIRST_PAINT_WAIT_S)

    def _report_smoke(self, window: MainWindow, opened: bool) -> None:
        """`--smoke`: the engine count, and when it failed, why (on stderr), exit 1."""
        count = window.browser.engine_list_model.rowCount()
        print(f"genpro-desktop smoke: {count} engines listed")
        self.exit_code = 0 if opened and count > 0 else 1
        if self.exit_code == 0:
            return
        if not opened:
            reason = window.welcome_page.notice_label.text().strip() or (
                "the session did not open (no saved API key? try --demo)"
            )
            why = f"could not sign in: {reason}"
        else:
            shown = window.statusBar().currentMessage().strip()
            note = window.browser.engines_note.text().strip()
            why = "no engines were listed" + (f": {shown or note}" if shown or note else "")
        print(f"genpro-desktop smoke: FAILED, {why}", file=sys.stderr)

    def _make_preview_pane(self, window: MainWindow, paths: AppPaths) -> VideoPreview:
        """The preview pane, put in its dock (a placeholder when Qt Multimedia cannot play)."""
        from genpro_desktop.gui.player import PreviewPlayer, multimedia_availability
        from genpro_desktop.gui.preview.video_preview import VideoPreview

        availability = multimedia_availability()
        player = PreviewPlayer(window) if availability.ok else None
        preview = VideoPreview(
            player, availability, cover_dir=paths.cache_dir / "covers", open_url=self._open_url
        )
        window.set_preview(preview)
        return preview

    def _build_preview(self, views: PreviewViews, prompts: Prompts) -> None:
        """The presenter that feeds the preview pane and opens the publish dialog."""
        from genpro_desktop.gui.preview.presenter import PreviewPresenter

        self.preview = PreviewPresenter(
            views,
            self.tasks,
            prompts,
            session=lambda: self.flow.session if self.flow is not None else None,
        )

    def _build_calendar(self, window: MainWindow, prompts: Prompts) -> None:
        """The posts calendar tab (issue 17) and its presenter (bound to each session)."""
        from genpro_desktop.gui.calendar.presenter import CalendarPresenter, CalendarViews
        from genpro_desktop.gui.calendar.view import PostsCalendarView
        from genpro_desktop.gui.preview.presenter import system_zone

        view = PostsCalendarView()
        window.set_calendar(view)
        self.calendar = CalendarPresenter(
            CalendarViews(view, window, window),
            prompts,
            session=lambda: self.flow.session if self.flow is not None else None,
            zone=system_zone,
            open_url=self._open_url,
        )

    def _current_preferences(self) -> Preferences:
        assert self.preferences is not None
        return self.preferences

    def _session_target(self, demo: DemoTarget | None = None) -> SessionTarget:
        """Where a session talks to (core.session_config): the demo; else the command line,
        then the GEN_* variables, then Settings. A set but empty value is skipped."""
        return resolve_session(
            self._environ,
            base_url_option=self.options.base_url,
            base_url_setting=self._current_preferences().base_url,
            agent_option=self.options.agent_id,
            demo=demo,
            strict=False,
        )

    def _on_auth_lost(self, reason: str) -> None:
        if self.flow is not None:
            self.flow.on_auth_lost(reason)

    def _on_settings_requested(self) -> None:
        if not self.tasks.closed:
            self.tasks.spawn(self.edit_settings(), name="settings")

    async def edit_settings(self) -> Preferences | None:
        """Show the Settings dialog; apply and save what the user accepted."""
        assert self.window is not None
        assert self.prefs_store is not None
        from genpro_desktop.gui.dialogs.settings_dialog import SettingsDialog

        flow = self.flow
        demo = flow.demo_target if flow is not None else None

        def effective_url(setting: str) -> Resolved[str]:
            return resolve_base_url(
                self._environ,
                option=self.options.base_url,
                setting=setting,
                demo_url=demo.base_url if demo is not None else None,
                strict=False,
            )

        dialog = SettingsDialog(
            self._current_preferences(), self.window, effective_url=effective_url
        )
        try:
            accepted = await run_dialog(dialog) == SettingsDialog.DialogCode.Accepted
            prefs = dialog.preferences()
        finally:
            dialog.deleteLater()
        if not accepted:
            return None
        self.apply_preferences(prefs)
        return prefs

    def apply_preferences(self, prefs: Preferences) -> None:
        """Save `prefs` and apply what takes effect at once (theme, downloads)."""
        assert self.prefs_store is not None
        self.prefs_store.save(prefs)
        self.preferences = prefs
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, prefs.theme)
        if self.flow is not None and self.flow.session is not None:
            self.flow.session.apply_preferences(prefs)

    def running_renders(self) -> list[LocalJob]:
        """Renders GEN is still working on for this account (none in the demo, which stops)."""
        from genpro_desktop.core.jobs import JobKind

        flow, window = self.flow, self.window
        if flow is None or flow.session is None or flow.demo or window is None:
            return []
        jobs = window.jobs_panel.model.jobs()
        return [job for job in jobs if job.kind is JobKind.RENDER and job.is_active]

    def _on_close_requested(self) -> None:
        if not self.tasks.closed:
            self.tasks.spawn(self.confirm_quit(), name="confirm-quit")

    async def confirm_quit(self) -> bool:
        """Quitting with renders running: say they go on at GEN and are picked up next time."""
        count = len(self.running_renders())
        if self._prompts is None or self.window is None:
            return False
        renders = "1 render is" if count == 1 else f"{count} renders are"
        quit_now = await self._prompts.confirm(
            "Quit GEN Desktop",
            f"{renders} still running on GEN.",
            accept="Quit",
            details=(
                "They continue on GEN while the app is closed (nothing is cancelled or charged "
                "again). The app picks them up at the next start and finishes tracking and "
                "downloading them then."
            ),
        )
        if quit_now and self.window is not None:
            self.window.close_confirmed()
        return quit_now

    def _on_history_requested(self) -> None:
        self.open_history()

    def open_history(self) -> HistoryPresenter | None:
        """Jobs > History…: every job of this account's store, with search (one window)."""
        from genpro_desktop.gui.history import HistoryDialog, HistoryModel, HistoryPresenter

        window, flow = self.window, self.flow
        session = flow.session if flow is not None else None
        if window is None:
            return None
        if session is None:
            window.show_status("Sign in to see the job history", error=True)
            return None
        if self.history is not None:
            if self.history.session is session:
                self.history.dialog.raise_()
                self.history.dialog.activateWindow()
                return self.history
            self.history.dialog.close()
        dialog = HistoryDialog(HistoryModel(), window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        presenter = HistoryPresenter(
            dialog,
            session.services.store,
            session.tasks,
            window,
            open_url=self._open_url,
            preview=self._preview_file,
            publish=self._publish_render,
        )
        presenter.session = session
        self.history = presenter
        dialog.finished.connect(lambda _result: self._history_closed(presenter))
        dialog.show()
        presenter.start()
        return presenter

    def _close_history(self) -> None:
        """The session the history reads is closing: close the window with it."""
        history, self.history = self.history, None
        if history is not None:
            history.dialog.close()

    def _history_closed(self, presenter: HistoryPresenter) -> None:
        if self.history is presenter:
            self.history = None

    def _preview_file(self, render: LocalJob | None, path: Path) -> None:
        if self.preview is None or self.window is None:
            return
        self.window.preview_dock.setVisible(True)
        self.window.preview_dock.raise_()
        self.preview.show_file(render, path)

    def _publish_render(self, render: LocalJob) -> None:
        if self.preview is not None:
            self.preview.request_publish(render)

    def _on_task_error(self, exc: BaseException) -> None:
        log.error("background task failed", exc_info=exc)
        if self.window is not None:
            self.window.show_error(f"Something went wrong: {exc}", repr(exc))

    async def aclose(self) -> None:
        """Save the layout, cancel app tasks, close the session and the demo; in that order."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.window is not None and self.prefs_store is not None:
            self._remember_view(self.window, self.prefs_store)
            for key, state in self.window.layout_state().items():
                self.prefs_store.save_layout(key, state)
            self.prefs_store.sync()
        self._close_history()
        await self.tasks.aclose()
        if self.flow is not None:
            await self.flow.aclose()
        if self.notifier is not None:
            self.notifier.close()
        window = self.window or (self._first_frame.window if self._first_frame else None)
        if window is not None:  # built, or only painted when the start failed
            if self._window_connected:
                window.closed.disconnect(self._closed.set)
            window.close_confirmed()
            window.deleteLater()
            self.window = None
            self._first_frame = None
        self._garbage_collector.stop()

    @staticmethod
    def _restore_jobs_view(window: MainWindow, store: PreferenceStore) -> None:
        """The Jobs queue's filter and row mode as last time; kept whenever they change."""
        panel = window.jobs_panel
        panel.restore_view_state(store.jobs_view())
        panel.view_state_changed.connect(lambda: store.remember_jobs_view(panel.view_state()))

    def _remember_view(self, window: MainWindow, store: PreferenceStore) -> None:
        """Keep the engine, the grid's position and the selected job for the next start."""
        flow = self.flow
        session = flow.session if flow is not None else None
        if flow is None or session is None or flow.demo:
            return
        browser = window.browser
        grid, view = browser.engine_table_model, browser.engine_table_view
        top, selected = view.rowAt(0), browser.selected_rows()
        job = window.jobs_panel.current_job()
        store.remember_view(
            LastView(
                agent_id=session.services.client.agent_id,
                engine_id=browser.current_engine_id(),
                top_row_id=grid.grid_row(top).row_id if top >= 0 else None,
                selected_row_id=grid.grid_row(selected[0]).row_id if selected else None,
                job_id=job.id if job is not None else None,
            )
        )


class FirstPaint:
    """Awaits the first paint of a widget (a window, or a widget in it)."""

    def __init__(self, widget: QWidget) -> None:
        self._painted = asyncio.get_running_loop().create_future()
        self._watch = PaintWatch(widget)
        self._watch.on_paint(self._on_paint)

    async def wait(self, timeout_s: float) -> bool:
        """True once the widget has been painted; False after `timeout_s` without a paint."""
        try:
            await asyncio.wait_for(asyncio.shield(self._painted), timeout_s)
        except TimeoutError:
            return False
        finally:
            self._watch.forget(self._on_paint)
        return True

    def _on_paint(self) -> None:
        if not self._painted.done():
            self._painted.set_result(None)


class TerminationWatch:
    """Turns SIGTERM into a call on the Qt event loop.

    Python runs signal handlers only when it gets control, which an idle Qt loop may not give
    it for a long time; the signal's wake-up byte on a socket pair (watched by a
    QSocketNotifier) makes the loop run Python at once.
    """

    def __init__(self, on_term: Callable[[], None]) -> None:
        self._on_term = on_term
        self._fired = False
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._old_handler = signal.signal(signal.SIGTERM, self._on_signal)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)

    @classmethod
    def install(cls, on_term: Callable[[], None]) -> TerminationWatch | None:
        """Watch for SIGTERM; None where that is impossible (not the main thread)."""
        try:
            return cls(on_term)
        except (ValueError, OSError, AttributeError):
            return None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del signum, frame
        self._fired = True

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            while self._reader.recv(512):
                pass
        if self._fired:
            self._fired = False
            log.info("SIGTERM: shutting down")
            self._on_term()

    def close(self) -> None:
        """Give SIGTERM and the wake-up descriptor back to what they were."""
        self._notifier.setEnabled(False)
        self._notifier.activated.disconnect(self._drain)
        with contextlib.suppress(ValueError, OSError):
            signal.signal(signal.SIGTERM, self._old_handler)
            signal.set_wakeup_fd(self._old_fd)
        self._reader.close()
        self._writer.close()
