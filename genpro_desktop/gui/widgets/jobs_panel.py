"""The Jobs dock: a queue of every render, download and post, live, with the actions each
one allows.

The panel shows what the job model holds, through a filter (state group, kind, engine, search
words) and in full or compact rows, and turns clicks and shortcuts into
`action_requested(action, job_id)`, which the app hands to its `JobActionDispatcher`. Which
actions are enabled comes from the job's own `can_*` predicates, re-checked whenever the current
job changes. `view_state_changed` tells the app to remember the filter and the row mode.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import tzinfo

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence, QPaintEvent, QRegion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
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
    JobFilter,
    KindFilter,
    StatusFilter,
    allowed_actions,
    credit_facts,
    job_explanation,
    job_title,
    local_file,
    post_links,
)
from genpro_desktop.core.jobs.view import failed_platforms as failed_platforms
from genpro_desktop.core.jobs.view import platform_label as platform_label
from genpro_desktop.gui.models.job_list_model import BatchIdRole, JobFilterProxy, JobListModel
from genpro_desktop.gui.preferences import JobsViewState
from genpro_desktop.gui.theme import STATE_LABELS
from genpro_desktop.gui.widgets.job_delegate import (
    JobDelegate,
    format_cost,
    local_time_text,
)

ANIMATION_INTERVAL_MS = 60
# Every fourth frame (about 4 a second) repaints the rows whole, so running times stay current;
# the others repaint only the moving bars.
WHOLE_FRAME_EVERY = 4
SWEEP_SECONDS = 1.6
SEARCH_DELAY_MS = 200
NO_JOBS_TEXT = "No jobs yet. Render a row and it shows up here."
NO_MATCH_TEXT = "No job matches the filters. <a href='#clear'>Show all jobs</a>"
HISTORY_LINK = "<a href='#history'>Jobs → History…</a>"
UNDO_LINK = "<a href='#undo'>Undo</a>"


def cleared_text(count: int, *, can_undo: bool) -> str:
    """The empty list's text after "Clear finished" took the last jobs off it."""
    if count == 1:
        text = f"The finished job was cleared: it is in {HISTORY_LINK}"
    else:
        text = f"{count} finished jobs were cleared: they are in {HISTORY_LINK}"
    return f"{text} · {UNDO_LINK}" if can_undo else text


STATUS_CHOICES: tuple[tuple[StatusFilter, str], ...] = (
    (StatusFilter.ALL, "All jobs"),
    (StatusFilter.ACTIVE, "Active"),
    (StatusFilter.ATTENTION, "Needs attention"),
    (StatusFilter.FINISHED, "Finished"),
)
KIND_CHOICES: tuple[tuple[KindFilter, str], ...] = (
    (KindFilter.ALL, "All kinds"),
    (KindFilter.RENDER, "Renders"),
    (KindFilter.DOWNLOAD, "Downloads"),
    (KindFilter.POST, "Posts"),
)


def post_lines(job: LocalJob, zone: tzinfo | None = None) -> list[str]:
    """A post's per-platform progress as HTML lines (links, GEN's reason and failed step)."""
    lines: list[str] = []
    when = job.scheduled_utc
    if when is not None and not any(p.is_terminal for p in job.post_platforms):
        lines.append(f"Scheduled for {html.escape(local_time_text(when, zone))}")
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


# Roles whose change can change a row's height (a batch's first row carries its header).
_SIZE_ROLES = frozenset({int(BatchIdRole), int(Qt.ItemDataRole.SizeHintRole)})
# Changed rows up to this many are re-measured one by one; a longer range is laid out again.
_MEASURED_ROWS = 4


class JobListView(QListView):
    """The job list. Rows differ in height, and for such a list `QListView.dataChanged` lays out
    every row again (a `sizeHint` per row: ~13 ms for 500 jobs, on each download progress
    tick). A job's change never changes a row's height (only rows coming, going or moving do,
    and those lay the list out anyway), so a change repaints its rows, and the list is laid out
    again only when a changed row (or the one after it, which may start a batch) no longer has
    the height it was laid out with. A range of rows (a batch's header) repaints what is
    visible.

    While bars animate (16 frames a second), a frame repaints only the bars of the rows on
    screen (`animate_bars`); a paint whose region is only those bars tells the delegate, which
    then draws just the bar over the row's cached picture (no text, no batch header)."""

    def __init__(self) -> None:
        super().__init__()
        # Where the animated bars were drawn on screen, as recorded by the last paints.
        self._bars = QRegion()

    def animate_bars(self) -> None:
        """Repaint the animated status bars on screen (an animation frame); where they are
        comes from the paints that drew them."""
        if not self._bars.isEmpty():
            self.viewport().update(self._bars)

    def paintEvent(self, e: QPaintEvent) -> None:
        delegate = self.itemDelegate()
        if not isinstance(delegate, JobDelegate):
            super().paintEvent(e)
            return
        region = e.region()
        bars_only = not self._bars.isEmpty() and region.subtracted(self._bars).isEmpty()
        drawn: list[QRect] = []
        delegate.bars_only = bars_only
        delegate.animated_bars = None if bars_only else drawn
        try:
            super().paintEvent(e)
        finally:
            delegate.bars_only = False
            delegate.animated_bars = None
        if not bars_only:
            # The bars inside the repainted region are exactly the ones just drawn.
            bars = self._bars.subtracted(region)
            for rect in drawn:
                bars += rect.adjusted(-1, -1, 1, 1).intersected(region.boundingRect())
            self._bars = bars

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        # The viewport's pixels move, and the bars with them; what scrolls in is painted anew.
        self._bars.translate(dx, dy)
        super().scrollContentsBy(dx, dy)

    def dataChanged(
        self,
        topLeft: QModelIndex | QPersistentModelIndex,
        bottomRight: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        roles = list(roles)
        if not self._heights_hold(topLeft, bottomRight, roles):
            super().dataChanged(topLeft, bottomRight, roles)
        elif topLeft.row() == bottomRight.row():
            QAbstractItemView.dataChanged(self, topLeft, bottomRight, roles)
        else:
            # A range (a batch's header): the base class would place every row in it (a
            # `sizeHint` each) to find the part to repaint; the visible part is repainted.
            self.viewport().update()

    def _heights_hold(
        self,
        top: QModelIndex | QPersistentModelIndex,
        bottom: QModelIndex | QPersistentModelIndex,
        roles: list[int],
    ) -> bool:
        if roles and not _SIZE_ROLES.intersection(int(role) for role in roles):
            return True
        model = self.model()
        if model is None or not top.isValid() or not bottom.isValid():
            return False
        first, last = top.row(), min(bottom.row() + 1, model.rowCount() - 1)
        if last - first >= _MEASURED_ROWS:
            return False
        for row in range(first, last + 1):
            index = model.index(row, 0)
            if self.visualRect(index).height() != self.sizeHintForIndex(index).height():
                return False
        return True


class JobsPanel(QDockWidget):
    """Dock with the job list, an action bar and the selected job's details."""

    action_requested = Signal(str, str)  # JobAction value, job id
    clear_finished_requested = Signal()
    older_requested = Signal()  # show jobs older than the history loaded so far
    link_activated = Signal(str)  # a published platform's chip was clicked: its post link
    view_state_changed = Signal()  # the filter or the row mode changed: remember `view_state()`
    history_requested = Signal()  # the empty list's "Jobs → History…" link
    undo_clear_requested = Signal()  # the empty list's "Undo" link after "Clear finished"
    post_link_copy_requested = Signal(str, str)  # platform label, its post link: to the clipboard

    def __init__(self, model: JobListModel, parent: QWidget | None = None) -> None:
        super().__init__("Jobs", parent)
        self.setObjectName("jobsDock")
        self.model = model
        self.proxy = JobFilterProxy(model, self)
        self.list_view = JobListView()
        self.list_view.setObjectName("jobList")
        self.list_view.setModel(self.proxy)
        # Rows differ in height (a batch's first row carries its header); each size is O(1).
        self.list_view.setUniformItemSizes(False)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setMouseTracking(True)
        self.delegate = JobDelegate(self.list_view)
        self.delegate.link_activated.connect(self.link_activated)
        self.list_view.setItemDelegate(self.delegate)
        self.list_view.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.list_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list_view.customContextMenuRequested.connect(self._on_context_menu)
        model.job_changed.connect(self._on_model_job_changed)
        self.proxy.rowsInserted.connect(self._on_rows_changed)
        self.proxy.rowsRemoved.connect(self._on_rows_changed)
        self.proxy.modelReset.connect(self._on_rows_changed)
        self.proxy.layoutChanged.connect(self._on_rows_changed)
        self._engines_dirty = True
        model.rowsInserted.connect(self._engines_changed)
        model.modelReset.connect(self._engines_changed)

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

        self.compact_action = QAction("Compact job rows", self)
        self.compact_action.setObjectName("jobsCompact")
        self.compact_action.setCheckable(True)
        self.compact_action.setToolTip("One line per job, so many more fit")
        self.compact_action.toggled.connect(self._on_compact_toggled)

        filters = self._build_filter_bar()

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

        self.empty_label = QLabel(NO_JOBS_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setObjectName("jobsEmpty")
        self.empty_label.setTextFormat(Qt.TextFormat.RichText)
        self.empty_label.linkActivated.connect(self._on_empty_link)
        # Set by "Clear finished" (how many it hid, whether Undo can bring them back) until a
        # job is on the list again.
        self._cleared: tuple[int, bool] | None = None

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(toolbar)
        layout.addLayout(filters)
        layout.addWidget(self.status_label)
        layout.addWidget(self.empty_label, 1)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.detail_label)
        layout.addLayout(choices)
        self.setWidget(body)

        self._animation = QTimer(self)
        self._animation.setInterval(ANIMATION_INTERVAL_MS)
        self._animation.timeout.connect(self._on_animation_tick)
        self._ticks = 0
        self._on_rows_changed()

    # -- the filter bar and row mode --------------------------------------------------------

    def _build_filter_bar(self) -> QHBoxLayout:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("jobsSearch")
        self.search_edit.setPlaceholderText("Search engine, row text, platform, id")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setAccessibleName("Search jobs")
        self.status_combo = QComboBox()
        self.status_combo.setObjectName("jobsStatusFilter")
        self.status_combo.setAccessibleName("Show jobs in state")
        for value, text in STATUS_CHOICES:
            self.status_combo.addItem(text, value.value)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("jobsKindFilter")
        self.kind_combo.setAccessibleName("Show jobs of kind")
        for value, text in KIND_CHOICES:
            self.kind_combo.addItem(text, value.value)
        self.engine_combo = QComboBox()
        self.engine_combo.setObjectName("jobsEngineFilter")
        self.engine_combo.setAccessibleName("Show jobs of engine")
        self.engine_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.engine_combo.addItem("All engines", None)
        self.shown_label = QLabel()
        self.shown_label.setObjectName("jobsShown")
        self.shown_label.setTextFormat(Qt.TextFormat.RichText)
        self.shown_label.linkActivated.connect(lambda _link: self.clear_filters())
        # Typing filters after a short pause, so a long history is not re-filtered per key.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_filter)
        self.search_edit.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.status_combo, self.kind_combo, self.engine_combo):
            combo.currentIndexChanged.connect(self._apply_filter)
        self._engine_timer = QTimer(self)
        self._engine_timer.setSingleShot(True)
        self._engine_timer.setInterval(0)
        self._engine_timer.timeout.connect(self._refresh_engines)
        bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 2)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.kind_combo)
        bar.addWidget(self.engine_combo)
        bar.addWidget(self.shown_label, 1)
        return bar

    def job_filter(self) -> JobFilter:
        """The filter the controls show."""
        engine = self.engine_combo.currentData()
        return JobFilter(
            status=StatusFilter(self.status_combo.currentData() or StatusFilter.ALL.value),
            kind=KindFilter(self.kind_combo.currentData() or KindFilter.ALL.value),
            engine_id=engine if isinstance(engine, str) else None,
            text=self.search_edit.text().strip(),
        )

    def view_state(self) -> JobsViewState:
        """The filter and row mode, to remember."""
        return JobsViewState(self.job_filter(), self.compact_action.isChecked())

    def restore_view_state(self, state: JobsViewState) -> None:
        """Show the queue as it was last time (filter, row mode)."""
        f = state.job_filter
        self._set_combo(self.status_combo, f.status.value)
        self._set_combo(self.kind_combo, f.kind.value)
        if f.engine_id is not None and self.engine_combo.findData(f.engine_id) < 0:
            self.engine_combo.addItem(f"Engine {f.engine_id}", f.engine_id)
        self._set_combo(self.engine_combo, f.engine_id)
        self.search_edit.setText(f.text)
        self.compact_action.setChecked(state.compact)
        self._apply_filter()

    def show_cleared(self, count: int, *, can_undo: bool) -> None:
        """Say in the empty list that "Clear finished" emptied it (count 0: forget that)."""
        self._cleared = (count, can_undo) if count else None
        self._on_rows_changed()

    def set_undo_available(self, available: bool) -> None:
        """Whether the empty list may still offer Undo for the last clear."""
        if self._cleared is not None:
            self.show_cleared(self._cleared[0], can_undo=available)

    def _on_empty_link(self, link: str) -> None:
        if link == "#history":
            self.history_requested.emit()
        elif link == "#undo":
            self.undo_clear_requested.emit()
        else:
            self.clear_filters()

    def clear_filters(self) -> None:
        """Show every job again."""
        self.search_edit.clear()
        for combo in (self.status_combo, self.kind_combo, self.engine_combo):
            combo.setCurrentIndex(0)
        self._apply_filter()

    @staticmethod
    def _set_combo(combo: QComboBox, data: object) -> None:
        found = combo.findData(data)
        combo.setCurrentIndex(max(0, found))

    def _apply_filter(self) -> None:
        self._search_timer.stop()
        new = self.job_filter()
        if new != self.proxy.job_filter:
            self.proxy.set_filter(new)
            self.view_state_changed.emit()
        self._on_rows_changed()

    def _on_compact_toggled(self, compact: bool) -> None:
        self.delegate.set_compact(compact)
        self.list_view.doItemsLayout()
        self.list_view.viewport().update()
        self.view_state_changed.emit()

    def _engines_changed(self, *_args: object) -> None:
        self._engine_timer.start()  # once per burst of new rows

    def _refresh_engines(self) -> None:
        current = self.engine_combo.currentData()
        engines = self.model.engines()
        known = [self.engine_combo.itemData(i) for i in range(1, self.engine_combo.count())]
        if known == [engine_id for engine_id, _title in engines]:
            return
        self.engine_combo.blockSignals(True)
        try:
            while self.engine_combo.count() > 1:
                self.engine_combo.removeItem(1)
            for engine_id, title in engines:
                self.engine_combo.addItem(title, engine_id)
            if isinstance(current, str) and self.engine_combo.findData(current) < 0:
                self.engine_combo.addItem(f"Engine {current}", current)
            self._set_combo(self.engine_combo, current)
        finally:
            self.engine_combo.blockSignals(False)

    # -- the current job ---------------------------------------------------------------------

    def current_job(self) -> LocalJob | None:
        """The selected job, if any."""
        return self.proxy.job_at(self.list_view.currentIndex())

    def job_at(self, index: QModelIndex) -> LocalJob | None:
        """The job shown at a list view index (e.g. under the mouse)."""
        return self.proxy.job_at(index)

    def select_job(self, job_id: str) -> None:
        """Make `job_id` the current row (the filter is cleared when it hides that job)."""
        index = self.proxy.index_of(job_id)
        if not index.isValid() and self.model.row_of(job_id) >= 0:
            self.clear_filters()
            index = self.proxy.index_of(job_id)
        if index.isValid():
            self.list_view.setCurrentIndex(index)

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
        lines = [f"<b>{html.escape(job_title(job, self.model))}</b>"]
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
        credits = credit_facts(job)
        if credits is not None:  # GEN's reservation and how it was settled (or refunded)
            lines.append(f"Credits: {html.escape(credits.note)}")
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

    def post_link_actions(
        self, job: LocalJob, parent: QObject
    ) -> tuple[list[QAction], list[QAction]]:
        """("Open on X" items, "Copy X link" items): one of each per platform `job` is
        published on, owned by `parent` (the menu showing them)."""
        opens: list[QAction] = []
        copies: list[QAction] = []
        for platform, url in post_links(job):
            label = platform_label(platform)
            open_item = QAction(f"Open on {label}", parent)
            open_item.setObjectName(f"job_open_post_link:{platform}")
            open_item.setToolTip(url)
            open_item.triggered.connect(lambda _checked=False, u=url: self.link_activated.emit(u))
            copy_item = QAction(f"Copy {label} link", parent)
            copy_item.setObjectName(f"job_copy_post_link:{platform}")
            copy_item.setToolTip(url)
            copy_item.triggered.connect(
                lambda _checked=False, name=label, u=url: self.post_link_copy_requested.emit(
                    name, u
                )
            )
            opens.append(open_item)
            copies.append(copy_item)
        return opens, copies

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
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if total:
            self._cleared = None  # jobs again: the note about the clear is history
            self.empty_label.setText(NO_MATCH_TEXT)
        elif self._cleared is not None:
            count, can_undo = self._cleared
            self.empty_label.setText(cleared_text(count, can_undo=can_undo))
        else:
            self.empty_label.setText(NO_JOBS_TEXT)
        self.empty_label.setVisible(shown == 0)
        self.list_view.setVisible(shown > 0)
        filtered = not self.proxy.job_filter.is_empty
        self.shown_label.setText(
            f"{shown} of {total} shown · <a href='#clear'>Show all</a>" if filtered else ""
        )
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
        if self._ticks % WHOLE_FRAME_EVERY == 0:
            # The rows' running times ("1:07 · typically 1:10") move on with the clock.
            self.list_view.viewport().update()
        else:
            self.list_view.animate_bars()
