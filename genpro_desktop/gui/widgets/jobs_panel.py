"""The Jobs dock: every render, download and publish, live, with the actions each one allows.

The panel shows what the job model holds and turns clicks and shortcuts into
`action_requested(action, job_id)`, which the app hands to its `JobActionDispatcher`. Which
actions are enabled comes from the job's own `can_*` predicates, re-checked whenever the current
job changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QItemSelection,
    QLocale,
    QPoint,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import (
    JobAction,
    allowed_actions,
    job_explanation,
    job_title,
    local_file,
)
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.theme import STATE_LABELS
from genpro_desktop.gui.widgets.job_delegate import JobDelegate, format_cost

ANIMATION_INTERVAL_MS = 60
SWEEP_SECONDS = 1.6


def platform_label(name: str) -> str:
    """TikTok for tiktok (the publishing core is imported on first use, not at start-up)."""
    from genpro_desktop.core.publishing.platforms import LABELS

    return LABELS.get(name, name)


def post_links(job: LocalJob) -> list[tuple[str, str]]:
    """(platform, link) of each platform a post is published on, in the post's order."""
    return [(p.platform, p.post_url) for p in job.post_platforms if p.post_url]


def failed_platforms(job: LocalJob) -> list[str]:
    """The platforms of a settled post that failed (they can be posted again on their own)."""
    if job.kind is not JobKind.POST or not all(p.is_terminal for p in job.post_platforms):
        return []
    return [p.platform for p in job.post_platforms if p.status == "failed"]


def post_lines(job: LocalJob, zone: tzinfo | None = None) -> list[str]:
    """A post's per-platform progress as HTML lines (links, GEN's reason and failed step)."""
    lines: list[str] = []
    when = job.scheduled_utc
    if when is not None and not any(p.is_terminal for p in job.post_platforms):
        local = when.astimezone(zone)
        shown = QLocale.system().toString(
            QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)),
            QLocale.FormatType.ShortFormat,
        )
        lines.append(f"Scheduled for {html.escape(shown)} {html.escape(local.tzname() or '')}")
    for p in job.post_platforms:
        label = html.escape(platform_label(p.platform))
        if p.status == "published" and p.post_url:
            url = html.escape(p.post_url, quote=True)
            lines.append(f"{label}: published · <a href='{url}'>Open on {label}</a>")
        elif p.status == "failed":
            reason = html.escape(p.error or p.error_code or "GEN gave no reason")
            step = f" (failed at {html.escape(p.failed_step)})" if p.failed_step else ""
            lines.append(f"<span style='color:#d64545'>{label}: failed: {reason}{step}</span>")
        else:
            lines.append(f"{label}: {html.escape(p.status)}")
    return lines


_ACTION_SPECS: tuple[tuple[JobAction, str, str, str], ...] = (
    (JobAction.STOP, "Stop", "Ctrl+.", "Stop this render on GEN, or cancel this download"),
    (JobAction.RETRY, "Retry…", "Ctrl+Shift+R", "Send again with the same idempotency key"),
    (JobAction.DOWNLOAD, "Download", "Ctrl+D", "Download the video to your download folder"),
    (JobAction.PUBLISH, "Publish…", "Ctrl+P", "Post the video to TikTok, now or later"),
    (JobAction.COPY_POST_ID, "Copy post id", "", "Copy the TikTok post id GEN returned"),
    (JobAction.OPEN_POST_LINK, "Open post", "", "Open the published post in the browser"),
    (JobAction.COPY_POST_LINK, "Copy link", "", "Copy the published post's link"),
    (
        JobAction.RETRY_FAILED_PLATFORMS,
        "Post failed platforms again…",
        "",
        "A new post of the same video to just the platforms that failed",
    ),
    (JobAction.OPEN, "Open", "Ctrl+O", "Open the downloaded video"),
    (JobAction.SHOW_IN_FOLDER, "Show in folder", "Ctrl+Shift+O", "Open the folder holding it"),
    (JobAction.COPY_URL, "Copy video URL", "Ctrl+Shift+C", "Copy the video's link"),
    (JobAction.KEEP_WAITING, "Keep waiting", "", "Poll GEN again for this job"),
    (JobAction.REMOVE, "Remove from list", "Delete", "Take it off the list (history keeps it)"),
)


_POST_ONLY = frozenset(
    {JobAction.OPEN_POST_LINK, JobAction.COPY_POST_LINK, JobAction.RETRY_FAILED_PLATFORMS}
)


class JobsPanel(QDockWidget):
    """Dock with the job list, an action bar and the selected job's details."""

    action_requested = Signal(str, str)  # JobAction value, job id
    clear_finished_requested = Signal()
    older_requested = Signal()  # show jobs older than the history loaded so far

    def __init__(self, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__("Jobs", parent)
        self.setObjectName("jobsDock")
        self.model = model
        self.list_view = QListView()
        self.list_view.setObjectName("jobList")
        self.list_view.setModel(model)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.delegate = JobDelegate(self.list_view)
        self.list_view.setItemDelegate(self.delegate)
        self.list_view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._on_context_menu)
        model.job_changed.connect(self._on_model_job_changed)
        model.rowsInserted.connect(self._on_rows_changed)
        model.rowsRemoved.connect(self._on_rows_changed)
        model.modelReset.connect(self._on_rows_changed)

        self.actions_by_name: dict[JobAction, QAction] = {}
        toolbar = QToolBar()
        toolbar.setObjectName("jobActions")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action_id, text, shortcut, tip in _ACTION_SPECS:
            action = QAction(text, self)
            action.setObjectName(f"job_{action_id.value}")
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
            action.setEnabled(False)
            action.triggered.connect(self._trigger(action_id))
            self.actions_by_name[action_id] = action
            self.addAction(action)
            if action_id is not JobAction.KEEP_WAITING:
                toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction("Clear finished", self.clear_finished_requested.emit)
        self.older_action = toolbar.addAction("Show older", self.older_requested.emit)

        self.status_label = QLabel()
        self.status_label.setObjectName("jobsStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setVisible(False)

        self.detail_label = QLabel()
        self.detail_label.setObjectName("jobDetail")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.detail_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.choice_buttons: dict[JobAction, QPushButton] = {}
        choices = QHBoxLayout()
        for action_id in (JobAction.RETRY, JobAction.KEEP_WAITING, JobAction.REMOVE):
            button = QPushButton(self.actions_by_name[action_id].text())
            button.setObjectName(f"choice_{action_id.value}")
            button.clicked.connect(self._trigger(action_id))
            button.setVisible(False)
            self.choice_buttons[action_id] = button
            choices.addWidget(button)
        choices.addStretch(1)

        self.empty_label = QLabel("No jobs yet. Render a row and it shows up here.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setObjectName("jobsEmpty")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(toolbar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.detail_label)
        layout.addLayout(choices)
        self.setWidget(body)

        self._animation = QTimer(self)
        self._animation.setInterval(ANIMATION_INTERVAL_MS)
        self._animation.timeout.connect(self._on_animation_tick)
        self._ticks = 0
        self._on_rows_changed()

    def current_job(self) -> LocalJob | None:
        """The selected job, if any."""
        index = self.list_view.currentIndex()
        return self.model.job(index.row()) if index.isValid() else None

    def select_job(self, job_id: str) -> None:
        """Make `job_id` the current row."""
        row = self.model.row_of(job_id)
        if row >= 0:
            self.list_view.setCurrentIndex(self.model.index(row))

    def show_tracking_status(self, text: str | None) -> None:
        """A line above the list while tracking is paused (signed out, offline, rate-limited)."""
        self.status_label.setText(text or "")
        self.status_label.setVisible(bool(text))
        self.status_label.setStyleSheet("color: #e08e0b; font-weight: bold;" if text else "")

    def refresh_actions(self) -> None:
        """Re-check which actions the current job allows and redraw its details."""
        job = self.current_job()
        allowed = allowed_actions(job, self.model) if job is not None else set()
        for action_id, action in self.actions_by_name.items():
            action.setEnabled(action_id in allowed)
            if action_id in _POST_ONLY:
                action.setVisible(action_id in allowed)
        links = post_links(job) if job is not None else []
        if links:
            label = platform_label(links[0][0])
            self.actions_by_name[JobAction.OPEN_POST_LINK].setText(f"Open on {label}")
        for action_id, button in self.choice_buttons.items():
            button.setVisible(job is not None and job.is_parked and action_id in allowed)
        remove = self.actions_by_name[JobAction.REMOVE]
        remove.setText("Dismiss" if job is not None and job.is_parked else "Remove from list")
        self.choice_buttons[JobAction.REMOVE].setText("Dismiss")
        self.detail_label.setText(self._details(job) if job is not None else "")
        self.detail_label.setVisible(job is not None)

    def _details(self, job: LocalJob) -> str:
        lines = [f"<b>{html.escape(job_title(job))}</b>"]
        state = STATE_LABELS.get(job.state, job.state.value)
        facts = [state]
        if job.execution_cost is not None:
            facts.append(format_cost(job.execution_cost))
        if job.remote_id:
            facts.append(f"GEN id {html.escape(job.remote_id)}")
        lines.append(" · ".join(facts))
        explanation = job_explanation(job)
        if explanation:
            colour = "#e08e0b" if job.is_parked else "#d64545"
            lines.append(f"<span style='color:{colour}'>{html.escape(explanation)}</span>")
        if job.kind is JobKind.POST:
            lines.extend(post_lines(job))
        if job.post_id:
            lines.append(f"Posted: post id <b>{html.escape(job.post_id)}</b> (Copy post id)")
        if job.kind is JobKind.PUBLISH and job.state is JobState.OUTCOME_UNKNOWN:
            lines.append(
                "<b>Check the TikTok account before retrying</b>: the video may already be up."
            )
        path = local_file(job, self.model)
        if path is not None:
            lines.append(f"Saved to {html.escape(str(path))}")
        return "<br>".join(lines)

    def _trigger(self, action_id: JobAction) -> Callable[[], None]:
        def trigger() -> None:
            job = self.current_job()
            if job is not None and action_id in allowed_actions(job, self.model):
                self.action_requested.emit(action_id.value, job.id)

        return trigger

    def context_menu_at(self, position: QPoint) -> QMenu | None:
        """The menu of the job under `position` (in the list's viewport), made current first."""
        from genpro_desktop.gui.widgets.job_menu import job_context_menu

        index = self.list_view.indexAt(position)
        if not index.isValid():
            return None
        self.list_view.setCurrentIndex(index)
        job = self.current_job()
        return job_context_menu(job, self) if job is not None else None

    def _on_context_menu(self, position: QPoint) -> None:
        menu = self.context_menu_at(position)
        if menu is not None:
            menu.aboutToHide.connect(menu.deleteLater)
            menu.popup(self.list_view.viewport().mapToGlobal(position))

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: object) -> None:
        self.refresh_actions()

    def _on_model_job_changed(self, job_id: str) -> None:
        current = self.current_job()
        if current is not None and (current.id == job_id or current.id == self._parent_of(job_id)):
            self.refresh_actions()
        self._sync_animation()

    def _parent_of(self, job_id: str) -> str | None:
        job = self.model.find(job_id)
        return job.parent_id if job is not None else None

    def _on_rows_changed(self, *_args: object) -> None:
        has_jobs = self.model.rowCount() > 0
        self.empty_label.setVisible(not has_jobs)
        self.list_view.setVisible(has_jobs)
        if not self.list_view.currentIndex().isValid():
            self.refresh_actions()
        self._sync_animation()

    def _sync_animation(self) -> None:
        running = self.model.has_active_jobs()
        if running and not self._animation.isActive():
            self._animation.start()
        elif not running and self._animation.isActive():
            self._animation.stop()
            self.list_view.viewport().update()

    def _on_animation_tick(self) -> None:
        self._ticks += 1
        steps = SWEEP_SECONDS * 1000 / ANIMATION_INTERVAL_MS
        self.delegate.phase = (self._ticks % steps) / steps
        self.list_view.viewport().update()
