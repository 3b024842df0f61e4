"""The main window: a shell that lays out the pages, the Jobs dock, menus and toasts.

Welcome page (signed out) or browser page (account bar, banner, engine browser); the Jobs dock;
File, View, Jobs, Render and Help menus. No HTTP, no polling, no settings I/O here: the app makes
the models and hands them in, presenters feed the views (`account_bar`, `browser`, `jobs_panel`,
the preview) and the window reports what the user asked for through signals.

The window is made in two steps so that it can be painted before the rest of the app is imported
(`gui/first_frame.py`): `MainWindow(demo=...)` is the cheap part (title, icon, menu bar, size and
a "Starting…" page; this module imports nothing but Qt and the palette at module level), and
`build(models...)` adds the pages, docks and menu items into that same window, which stays on the
starting page until the app shows the welcome or the browser page. `MainWindow(models...)` does
both at once and shows the welcome page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from genpro_desktop.gui.palette import app_icon, error_style

# Only what the starting window uses is imported here: PySide6 sets each class up on first use
# (~1 ms each, QCloseEvent 4 ms), so what `build()` and the menus need is imported there.
if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QAction, QCloseEvent
    from PySide6.QtWidgets import QDockWidget, QFrame, QPushButton, QStackedWidget, QTabWidget

    from genpro_desktop.gui.models.engine_list_model import EngineListModel
    from genpro_desktop.gui.models.engine_table_model import EngineTableModel
    from genpro_desktop.gui.models.job_list_model import JobListModel
    from genpro_desktop.gui.widgets.about_dialog import AboutDialog
    from genpro_desktop.gui.widgets.account_bar import AccountBar
    from genpro_desktop.gui.widgets.engine_browser import EngineBrowser
    from genpro_desktop.gui.widgets.jobs_panel import JobsPanel
    from genpro_desktop.gui.widgets.shortcuts_dialog import ShortcutsDialog
    from genpro_desktop.gui.widgets.toast import ToastArea
    from genpro_desktop.gui.widgets.welcome_page import WelcomePage

DEFAULT_SIZE = (1280, 820)
JOBS_DOCK_HEIGHT = 220  # leaves the grid room for five rows at 1280x800
# The engine list's first width: narrow enough that, at 1280x800, the grid shows its final-video
# column beside the preview.
ENGINE_LIST_WIDTH = 170
PREVIEW_DOCK_WIDTH = 300
SETTLE_PASSES = 3  # re-layouts a grown window may need before its minimum stops changing
FRAME_ALLOWANCE = 8  # px a window manager's frame may add to the window's width
WELCOME_PAGE = 0
BROWSER_PAGE = 1
STARTING_PAGE = 2
STARTING_TEXT = "Starting…"


class StartingPage(QWidget):
    """What the window shows until the app knows which page to show: icon, name, "Starting…".

    Built from Qt alone, with no alignment flags (PySide6 builds the `Qt` namespace's enum
    classes on first use, ~20 ms): stretches centre it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("startingPage")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(56, 56))
        title = QLabel("GEN Desktop")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        self.status_label = QLabel(STARTING_TEXT)
        self.status_label.setObjectName("startingStatus")
        column = QVBoxLayout(self)
        column.addStretch(1)
        for widget in (icon, title, self.status_label):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(widget)
            row.addStretch(1)
            column.addLayout(row)
        column.addStretch(2)


class MainWindow(QMainWindow):
    """Lays out the app; tells presenters what the user picked; shows what it is given."""

    closed = Signal()
    # The user closed the window while `ask_before_closing()` said to ask first (renders run).
    close_requested = Signal()
    settings_requested = Signal()
    sign_out_requested = Signal()
    sign_in_again_requested = Signal()

    # Made by `build()`:
    welcome_page: WelcomePage
    account_bar: AccountBar
    browser: EngineBrowser
    banner: QFrame
    banner_label: QLabel
    banner_button: QPushButton
    browser_tabs: QTabWidget
    pages: QStackedWidget
    jobs_panel: JobsPanel
    preview_dock: QDockWidget
    toasts: ToastArea
    settings_action: QAction
    sign_out_action: QAction
    calendar_action: QAction
    about_action: QAction
    shortcuts_action: QAction
    clear_finished_action: QAction
    undo_clear_action: QAction
    history_action: QAction

    def __init__(
        self,
        jobs_model: JobListModel | None = None,
        engine_list_model: EngineListModel | None = None,
        engine_table_model: EngineTableModel | None = None,
        *,
        demo: bool = False,
    ) -> None:
        """With the models: the whole window on the welcome page. Without: the starting window
        (title, icon, menu bar, size, "Starting…"), to `build()` once painted."""
        super().__init__()
        self.setObjectName("MainWindow")
        self.ask_before_closing: Callable[[], bool] = lambda: False
        self._close_confirmed = False
        self._layout_restored = False
        self._geometry_restored = False
        self._built = False
        self._demo = demo
        self.calendar_view: QWidget | None = None
        self.setWindowIcon(app_icon())
        self.setWindowTitle(_title(demo))
        self.starting_page = StartingPage()
        self.setCentralWidget(self.starting_page)
        # The menus are there from the first frame (filled by `build()`), so the page below
        # them does not move when the window is built.
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.view_menu = bar.addMenu("&View")
        self.jobs_menu = bar.addMenu("&Jobs")
        self.jobs_menu.setObjectName("jobsMenu")
        self.render_menu = bar.addMenu("&Render")
        self.render_menu.setObjectName("renderMenu")
        self.help_menu = bar.addMenu("&Help")
        self.resize(*self._first_size())
        models = (jobs_model, engine_list_model, engine_table_model)
        if any(model is not None for model in models):
            if jobs_model is None or engine_list_model is None or engine_table_model is None:
                raise TypeError("MainWindow needs all three models, or none (then build())")
            self.build(jobs_model, engine_list_model, engine_table_model)
            self.show_welcome()

    @property
    def built(self) -> bool:
        """True once `build()` has made the pages, docks and menu items."""
        return self._built

    def build(
        self,
        jobs_model: JobListModel,
        engine_list_model: EngineListModel,
        engine_table_model: EngineTableModel,
    ) -> None:
        """Make the pages, docks, toasts and menu items in this window, which stays on the
        starting page (docks hidden) until `show_welcome()` or `show_browser()`."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QDockWidget, QFrame, QPushButton, QStackedWidget, QTabWidget

        from genpro_desktop.gui.widgets.account_bar import AccountBar
        from genpro_desktop.gui.widgets.engine_browser import EngineBrowser
        from genpro_desktop.gui.widgets.jobs_panel import JobsPanel
        from genpro_desktop.gui.widgets.toast import ToastArea
        from genpro_desktop.gui.widgets.welcome_page import WelcomePage

        if self._built:
            raise RuntimeError("the main window is already built")
        demo = self._demo
        jobs_model.setParent(self)  # the panel's view must never outlive its model
        self.welcome_page = WelcomePage()
        self.account_bar = AccountBar(demo=demo)
        self.account_bar.sign_out_requested.connect(self.sign_out_requested)
        self.browser = EngineBrowser(engine_list_model, engine_table_model)

        self.banner = QFrame()
        self.banner.setObjectName("authBanner")
        self.banner.setStyleSheet(
            "QFrame#authBanner { background: #fff4e0; border: 1px solid #e08e0b;"
            " border-radius: 6px; } QFrame#authBanner QLabel { color: #5a3b00; }"
        )
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_button = QPushButton("Sign in again…")
        self.banner_button.setObjectName("signInAgainButton")
        self.banner_button.clicked.connect(self.sign_in_again_requested)
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.banner_button)
        self.banner.setVisible(False)

        browser_page = QWidget()
        browser_layout = QVBoxLayout(browser_page)
        browser_layout.addWidget(self.account_bar)
        browser_layout.addWidget(self.banner)
        # Engines and, once the app adds it, the posts calendar (`set_calendar`).
        self.browser_tabs = QTabWidget()
        self.browser_tabs.setObjectName("browserTabs")
        self.browser_tabs.setDocumentMode(True)
        self.browser_tabs.addTab(self.browser, "Engines")
        browser_layout.addWidget(self.browser_tabs, 1)

        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome_page)
        self.pages.addWidget(browser_page)
        # The page painted in the first frame moves into the stack, still shown.
        self.takeCentralWidget()
        self.pages.addWidget(self.starting_page)
        self.pages.setCurrentIndex(STARTING_PAGE)
        self.setCentralWidget(self.pages)

        self.jobs_panel = JobsPanel(jobs_model, self)
        self.jobs_panel.setAllowedAreas(
            Qt.DockWidgetArea.BottomDockWidgetArea | Qt.DockWidgetArea.RightDockWidgetArea
        )
        # The preview owns the right edge down to the bottom; the Jobs dock sits under the grid.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.jobs_panel)
        self.resizeDocks([self.jobs_panel], [JOBS_DOCK_HEIGHT], Qt.Orientation.Vertical)
        # The video preview; the app puts the player in (`set_preview`). Floatable = detachable.
        self.preview_dock = QDockWidget("Preview", self)
        self.preview_dock.setObjectName("previewDock")
        self.preview_dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.preview_dock)
        self.preview_dock.setVisible(False)
        self.toasts = ToastArea(self)
        self.toasts.avoid(self.jobs_panel)  # toasts never cover the queue
        self.toasts.avoid(self.preview_dock)  # nor the preview's picture and its controls
        self._build_menus()
        self._build_queue_menus()
        self._built = True
        self.set_demo(demo)
        self._fit_contents()
        # Until the app shows a page: no docks, and nothing to sign out of.
        self.jobs_panel.setVisible(False)
        self.sign_out_action.setEnabled(False)

    def set_preview(self, preview: QWidget) -> None:
        """Put the preview pane in its dock (shown with the browser page)."""
        from PySide6.QtCore import Qt

        self.preview_dock.setWidget(preview)
        if not self._layout_restored:  # first run: leave the grid room for its final column
            self.resizeDocks([self.preview_dock], [PREVIEW_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self.preview_dock.setVisible(self.on_browser_page)

    def set_calendar(self, calendar: QWidget) -> None:
        """Add the posts calendar as the browser page's second tab (View > Posts calendar)."""
        self.calendar_view = calendar
        self.browser_tabs.addTab(calendar, "Posts calendar")

    def show_calendar(self) -> None:
        """Bring the posts calendar to the front (signed in only)."""
        if self.calendar_view is not None and self.on_browser_page:
            self.browser_tabs.setCurrentWidget(self.calendar_view)

    # -- pages ---------------------------------------------------------------------------

    def show_welcome(self, notice: str | None = None) -> None:
        """The signed-out page; the Jobs dock hides until someone signs in."""
        self.pages.setCurrentIndex(WELCOME_PAGE)
        self.welcome_page.show_notice(notice)
        self.welcome_page.form.set_busy(False)
        self.jobs_panel.setVisible(False)
        self.preview_dock.setVisible(False)
        self.sign_out_action.setEnabled(False)
        self.show_auth_problem(None)

    def show_browser(self) -> None:
        """The signed-in page with the Jobs dock."""
        self.pages.setCurrentIndex(BROWSER_PAGE)
        self.jobs_panel.setVisible(True)
        self.preview_dock.setVisible(self.preview_dock.widget() is not None)
        self.sign_out_action.setEnabled(True)
        self._settle_layout()

    def _settle_layout(self) -> None:
        """Lay the browser page out now, at its final size.

        Showing the docks and the (loaded) grid raises the window's minimum width above its
        first size; left alone, Qt grows the window to it later, when the window system gets
        round to it, and the splitter is re-laid out then: a handle placed (or a splitter
        state restored) before that moment ends somewhere else than where it was put.
        """
        from PySide6.QtCore import QCoreApplication, QEvent

        for _ in range(SETTLE_PASSES):
            # Every widget's pending re-layout now (the docks', the pages'), not on later turns.
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            minimum = self.minimumSizeHint()
            if self.width() >= minimum.width() and self.height() >= minimum.height():
                break
            self.resize(self.size().expandedTo(minimum))

    @property
    def on_welcome_page(self) -> bool:
        """True while the welcome page is shown."""
        return self._built and self.pages.currentIndex() == WELCOME_PAGE

    @property
    def on_browser_page(self) -> bool:
        """True while the browser page (account bar, engines, calendar) is shown."""
        return self._built and self.pages.currentIndex() == BROWSER_PAGE

    @property
    def on_starting_page(self) -> bool:
        """True until the app shows the welcome or the browser page."""
        return not self._built or self.pages.currentIndex() == STARTING_PAGE

    def set_demo(self, demo: bool) -> None:
        """Title and badge for demo mode."""
        self._demo = demo
        self.setWindowTitle(_title(demo))
        self.account_bar.set_demo(demo)
        self.sign_out_action.setText("Leave demo" if demo else "Sign out")

    def show_auth_problem(self, text: str | None) -> None:
        """The banner asking to sign in again (or hide it)."""
        self.banner_label.setText(text or "")
        self.banner.setVisible(bool(text))

    def show_status(self, text: str, *, error: bool = False) -> None:
        """A one-line message in the status bar; errors stay until replaced."""
        self.statusBar().setStyleSheet(error_style() if error else "")
        self.statusBar().showMessage(text, 0 if error else 5000)

    def show_error(self, text: str, details: str | None = None) -> None:
        """A non-modal error toast (with Details) plus the status bar line."""
        self.show_status(text, error=True)
        self.toasts.show_toast(text, severity="error", details=details)

    # -- layout persistence ----------------------------------------------------------------

    def layout_state(self) -> dict[str, QByteArray]:
        """Geometry, dock/toolbar state and the browser splitter, to save."""
        return {
            "geometry": self.saveGeometry(),
            "window_state": self.saveState(),
            "browser_splitter": self.browser.splitter.saveState(),
        }

    def restore_layout(self, saved: dict[str, QByteArray | None]) -> None:
        """Restore what `layout_state` saved (missing parts keep their defaults)."""
        geometry = saved.get("geometry")
        if geometry is not None:
            self._geometry_restored = self.restoreGeometry(geometry)
        if not self._built:  # the starting window: its geometry only (the rest once built)
            return
        window_state = saved.get("window_state")
        if window_state is not None:
            self._layout_restored = self.restoreState(window_state)
        splitter = saved.get("browser_splitter")
        if splitter is not None:
            self.browser.splitter.restoreState(splitter)
        if not self.on_browser_page:
            self.jobs_panel.setVisible(False)
            self.preview_dock.setVisible(False)

    def _first_size(self) -> tuple[int, int]:
        """A first-run size that fits the screen (a saved geometry replaces it)."""
        available = self.screen().availableGeometry()
        # The full width (less the frame) of a 1280 px screen: the grid then shows its
        # final-video column beside the preview.
        width = min(DEFAULT_SIZE[0], available.width() - FRAME_ALLOWANCE)
        height = min(DEFAULT_SIZE[1], int(available.height() * 0.94))
        return width, height

    def _fit_contents(self) -> None:
        """Built: at least as wide as the pages need (unless a saved geometry was restored);
        the engine list at its first width. The starting window's first size fits any screen
        wider than ~820 px, so it only grows here on smaller ones."""
        width, height = self._first_size()
        if not self._geometry_restored and self.width() < self.minimumSizeHint().width():
            self.resize(self.minimumSizeHint().width(), max(height, self.height()))
        self.browser.splitter.setSizes([ENGINE_LIST_WIDTH, width - ENGINE_LIST_WIDTH])

    # -- menus ---------------------------------------------------------------------------

    def _build_menus(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        file_menu = self.file_menu
        self.settings_action = QAction("Settings…", self)
        self.settings_action.setObjectName("settingsAction")
        # The platform's Preferences key where it has one (macOS: Cmd+,), else Ctrl+,.
        preferences = QKeySequence(QKeySequence.StandardKey.Preferences)
        self.settings_action.setShortcut(
            preferences if not preferences.isEmpty() else QKeySequence("Ctrl+,")
        )
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.settings_requested)
        file_menu.addAction(self.settings_action)
        self.sign_out_action = QAction("Sign out", self)
        self.sign_out_action.triggered.connect(self.sign_out_requested)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        quit_action = QAction("Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = self.view_menu
        jobs_toggle = self.jobs_panel.toggleViewAction()
        jobs_toggle.setText("Jobs panel")
        jobs_toggle.setShortcut(QKeySequence("Ctrl+J"))
        view_menu.addAction(jobs_toggle)
        view_menu.addAction(self.jobs_panel.compact_action)
        preview_toggle = self.preview_dock.toggleViewAction()
        preview_toggle.setText("Preview")
        preview_toggle.setShortcut(QKeySequence("Ctrl+Shift+P"))
        view_menu.addAction(preview_toggle)
        self.calendar_action = QAction("Posts calendar", self)
        self.calendar_action.setObjectName("calendarAction")
        self.calendar_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.calendar_action.triggered.connect(self.show_calendar)
        view_menu.addAction(self.calendar_action)
        help_menu = self.help_menu
        self.about_action = QAction("About GEN Desktop", self)
        self.about_action.setObjectName("aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        self.shortcuts_action = QAction("Keyboard shortcuts", self)
        self.shortcuts_action.setObjectName("shortcutsAction")
        help_keys = QKeySequence(QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.setShortcut(help_keys if not help_keys.isEmpty() else "F1")
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.insertAction(self.about_action, self.shortcuts_action)

    def _build_queue_menus(self) -> None:
        """Jobs (the selected job's actions, clear and undo, history) and Render (the grid's
        actions), before Help. The items are the panel's and the grid's own actions, so their
        enabled states and shortcuts are the ones those views use."""
        from PySide6.QtGui import QAction, QKeySequence

        from genpro_desktop.core.jobs.view import JobAction
        from genpro_desktop.gui.widgets.job_menu import MENU_GROUPS

        jobs_menu = self.jobs_menu
        panel = self.jobs_panel
        for group in MENU_GROUPS:
            jobs_menu.addActions(
                [panel.actions_by_name[a] for a in group if a in panel.actions_by_name]
            )
            separator = jobs_menu.addSeparator()
            if JobAction.COPY_POST_LINK in group:
                self._post_links_end = separator
        self._post_link_items: list[QAction] = []
        jobs_menu.aboutToShow.connect(self._sync_post_link_items)
        self.clear_finished_action = QAction("Clear finished", self)
        self.clear_finished_action.setObjectName("clearFinishedAction")
        self.clear_finished_action.setShortcut(QKeySequence("Ctrl+Shift+Del"))
        self.clear_finished_action.setToolTip(
            "Take finished jobs off the list (Undo brings them back)"
        )
        self.clear_finished_action.triggered.connect(panel.clear_finished_requested)
        self.undo_clear_action = QAction("Undo clear finished", self)
        self.undo_clear_action.setObjectName("undoClearAction")
        self.undo_clear_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_clear_action.setEnabled(False)
        self.history_action = QAction("History…", self)
        self.history_action.setObjectName("historyAction")
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.setToolTip("Every job, hidden and old ones too, with search")
        jobs_menu.addActions([self.clear_finished_action, self.undo_clear_action])
        jobs_menu.addSeparator()
        jobs_menu.addActions([panel.older_action, self.history_action])
        panel.history_requested.connect(self.history_action.trigger)
        render_menu = self.render_menu
        browser = self.browser
        render_menu.addActions([browser.render_selected_action, browser.select_all_rows_action])
        render_menu.addSeparator()
        render_menu.addActions(list(browser.row_take_actions.values()))
        render_menu.addSeparator()
        render_menu.addAction(browser.refresh_action)

    def _sync_post_link_items(self) -> None:
        """The Jobs menu offers Open and Copy for each platform the selected post is on."""
        from genpro_desktop.core.jobs.view import JobAction, post_links

        panel, menu = self.jobs_panel, self.jobs_menu
        generic = [
            panel.actions_by_name[a] for a in (JobAction.OPEN_POST_LINK, JobAction.COPY_POST_LINK)
        ]
        for item in self._post_link_items:
            menu.removeAction(item)
            item.deleteLater()
        self._post_link_items = []
        job = panel.current_job()
        if job is None or len(post_links(job)) <= 1:
            if generic[0] not in menu.actions():
                menu.insertActions(self._post_links_end, generic)
            return
        for action in generic:
            menu.removeAction(action)
        opens, copies = panel.post_link_actions(job, menu)
        self._post_link_items = [*opens, *copies]
        menu.insertActions(self._post_links_end, self._post_link_items)

    def show_shortcuts(self) -> ShortcutsDialog:
        """Help > Keyboard shortcuts: every shortcut of the window, read from its actions."""
        from PySide6.QtCore import Qt

        from genpro_desktop.gui.widgets.shortcuts_dialog import ShortcutsDialog, collect_shortcuts

        dialog = ShortcutsDialog(collect_shortcuts(self), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def show_about(self) -> AboutDialog:
        """Help > About: versions and folders, copyable (non-modal; deleted when closed)."""
        from PySide6.QtCore import Qt

        from genpro_desktop.gui.widgets.about_dialog import AboutDialog, collect_about_info

        dialog = AboutDialog(collect_about_info(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def close_confirmed(self) -> None:
        """Close without asking (the user confirmed, or the app is shutting down)."""
        self._close_confirmed = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._close_confirmed and self.ask_before_closing():
            event.ignore()
            self.close_requested.emit()
            return
        self.closed.emit()
        super().closeEvent(event)


def _title(demo: bool) -> str:
    return "GEN Desktop" + (" — demo" if demo else "")
