"""Adapts the tracker to the Jobs panel: history, live events, and the actions on a job.

Events from the core's `EventHub` arrive on the event loop (the GUI thread under qasync) and
go straight into the job model, which repaints one row. Actions call the tracker; decisions
(retry a charged request, dismiss a job whose outcome is unknown) are confirmed first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication

from genpro_desktop.core.api import GenError
from genpro_desktop.core.api.schedule_types import SchedulePostRequest
from genpro_desktop.core.jobs import DuplicateRiskError, JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.view import (
    failed_platforms,
    job_title,
    local_file,
    post_links,
    video_url,
)
from genpro_desktop.core.publishing import PublishError
from genpro_desktop.core.publishing.platforms import LABELS as PLATFORM_LABELS
from genpro_desktop.core.services import AppServices
from genpro_desktop.core.store import StoreError
from genpro_desktop.gui.asyncqt import TaskRegistry
from genpro_desktop.gui.job_actions import JobAction, JobActionDispatcher
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.notifications import Notifier
from genpro_desktop.gui.preferences import Preferences
from genpro_desktop.gui.prompts import Prompts
from genpro_desktop.gui.status import StatusLine
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel
from genpro_desktop.gui.widgets.toast import ToastArea

log = logging.getLogger(__name__)

HISTORY_LIMIT = 300
# "Clear finished" asks first when it would take more jobs than this off the list.
CLEAR_ASK_OVER = 20
UrlOpener = Callable[[QUrl], object]


# Everything but Publish (the preview presenter opens the publish dialog).
HANDLED_ACTIONS = tuple(action for action in JobAction if action is not JobAction.PUBLISH)


@dataclass(frozen=True)
class JobsViews:
    """What the jobs presenter works with: the panel, its model, the action dispatcher, status."""

    panel: JobsPanel
    jobs: JobListModel
    actions: JobActionDispatcher
    status: StatusLine
    # Jobs > Undo clear finished (Ctrl+Z) and the toast that offers the same; None in tests
    # that build the panel alone.
    undo_action: QAction | None = None
    toasts: ToastArea | None = None


class JobsPresenter(QObject):
    """Feeds the job model from the tracker and runs the panel's actions."""

    auth_lost = Signal(str)

    def __init__(
        self,
        views: JobsViews,
        services: AppServices,
        tasks: TaskRegistry,
        prompts: Prompts,
        notifier: Notifier,
        *,
        preferences: Callable[[], Preferences],
        on_job_changed: Callable[[LocalJob], None],
        open_url: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(views.panel)
        self._status = views.status
        self._panel = views.panel
        self._model = views.jobs
        self._actions = views.actions
        self._services = services
        self._tasks = tasks
        self._prompts = prompts
        self._notifier = notifier
        self._preferences = preferences
        self._on_job_changed = on_job_changed
        self._open_url = open_url
        self._unsubscribe: Callable[[], None] | None = None
        self._undo_action = views.undo_action
        self._toasts = views.toasts
        self._last_cleared: list[LocalJob] = []  # what the last "Clear finished" hid
        # The oldest job read from the store so far; None while there is nothing older.
        self._oldest_loaded: str | None = None

    def attach(self) -> None:
        """Start listening to the tracker and to the panel."""
        self._unsubscribe = self._services.events.subscribe(self._on_event)
        self._actions.register(HANDLED_ACTIONS, self._on_action_requested)
        self._panel.clear_finished_requested.connect(self._on_clear_finished)
        self._panel.undo_clear_requested.connect(self._on_undo_clear)
        self._panel.older_requested.connect(self._on_older_requested)
        self._panel.detail_label.linkActivated.connect(self._on_link)
        if self._undo_action is not None:
            self._undo_action.triggered.connect(self._on_undo_clear)
        self._panel.link_activated.connect(self._on_link)  # a published platform's chip
        self._panel.post_link_copy_requested.connect(self._on_copy_post_link)

    def detach(self) -> None:
        """Stop listening (the session is closing); the model keeps its rows until cleared."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self._actions.unregister(self._on_action_requested)
            self._panel.clear_finished_requested.disconnect(self._on_clear_finished)
            self._panel.undo_clear_requested.disconnect(self._on_undo_clear)
            self._panel.older_requested.disconnect(self._on_older_requested)
            self._panel.detail_label.linkActivated.disconnect(self._on_link)
            if self._undo_action is not None:
                self._undo_action.triggered.disconnect(self._on_undo_clear)
            self._set_undo([])
            self._panel.link_activated.disconnect(self._on_link)
            self._panel.post_link_copy_requested.disconnect(self._on_copy_post_link)

    async def load_history(self) -> None:
        """This run's jobs and the store's history, minus those the user removed."""
        store = self._services.store
        try:
            hidden = await store.hidden_job_ids()
            history = await store.list_jobs(limit=HISTORY_LIMIT)
        except StoreError as exc:
            self._status.show_error("The job history could not be read", str(exc))
            return
        self._model.set_hidden(hidden)
        self._page_read(history)
        live = self._services.tracker.live_jobs()
        self._model.set_jobs([*history, *live])
        for job in live:
            self._model.upsert(job)
        for job in self._model.jobs():
            if job.is_active or job.is_parked:
                self._on_job_changed(job)  # the grid shows resumed renders on their rows
        await self.refresh_typical_durations()
        parked = [job for job in self._model.jobs() if job.is_parked]
        if parked:
            self._status.show_status(
                (
                    "1 job needs your decision"
                    if len(parked) == 1
                    else f"{len(parked)} jobs need your decision"
                )
                + ": see the top of the Jobs panel",
                error=True,
            )

    async def load_older_history(self) -> None:
        """The next `HISTORY_LIMIT` jobs of the history, older than those shown (keyset paged in
        the store, so a history of any length costs one page per click)."""
        if self._oldest_loaded is None:
            return
        try:
            page = await self._services.store.list_jobs(
                limit=HISTORY_LIMIT, older_than=self._oldest_loaded
            )
        except StoreError as exc:
            self._status.show_error("The job history could not be read", str(exc))
            return
        self._page_read(page)
        self._model.add_older(page)

    def _page_read(self, page: list[LocalJob]) -> None:
        full = len(page) == HISTORY_LIMIT
        self._oldest_loaded = page[-1].id if full else None
        self._panel.older_action.setEnabled(full)

    def _on_older_requested(self) -> None:
        if not self._tasks.closed:
            self._tasks.spawn(self.load_older_history(), name="older-jobs")

    async def refresh_typical_durations(self) -> None:
        """How long renders and publishes usually take, from history."""
        for kind in (JobKind.RENDER, JobKind.PUBLISH, JobKind.DOWNLOAD):
            try:
                typical = await self._services.tracker.typical_duration(kind)
            except StoreError:
                typical = None
            self._model.set_typical_duration(kind, typical)

    # -- events --------------------------------------------------------------------------

    def _on_event(self, event: JobEvent) -> None:
        if event.type == "tracker_paused":
            self._on_tracker_paused(event.detail)
            return
        if event.type == "tracker_resumed":
            self._panel.show_tracking_status(None)
            return
        job = event.job
        if job is None:
            return
        self._model.apply(event)
        if event.type == "download_progress":
            return
        self._notifier.job_changed(job)
        self._on_job_changed(job)
        if event.type == "job_finished" and not self._tasks.closed:
            self._tasks.spawn(self.refresh_typical_durations(), name="typical-durations")

    def _on_tracker_paused(self, reason: str | None) -> None:
        text = reason or "Tracking is paused"
        self._panel.show_tracking_status(f"Tracking paused: {text}")
        if self._services.scheduler.auth_paused:
            self.auth_lost.emit(text)

    # -- actions -------------------------------------------------------------------------

    def _on_action_requested(self, action: JobAction, job: LocalJob) -> None:
        if not self._tasks.closed:
            self._tasks.spawn(self.run_action(action, job), name=f"job-{action}")

    async def run_action(self, action: JobAction, job: LocalJob) -> None:
        """Do what the panel asked for `job`."""
        tracker = self._services.tracker
        try:
            if action is JobAction.STOP:
                await tracker.stop(job.id)
            elif action is JobAction.RETRY:
                await self._retry(job)
            elif action is JobAction.DOWNLOAD:
                await tracker.download(job.id, self._preferences().download_dir)
            elif action is JobAction.KEEP_WAITING:
                await tracker.keep_waiting(job.id)
            elif action is JobAction.REMOVE:
                await self._remove(job)
            elif action is JobAction.COPY_URL:
                self._copy_url(job)
            elif action is JobAction.COPY_POST_ID:
                if job.post_id:
                    QGuiApplication.clipboard().setText(job.post_id)
                    self._status.show_status("Post id copied")
            elif action is JobAction.OPEN_POST_LINK:
                links = post_links(job)
                if links:
                    self._open_url(QUrl(links[0][1]))
            elif action is JobAction.COPY_POST_LINK:
                links = post_links(job)
                if links:
                    QGuiApplication.clipboard().setText("\n".join(url for _p, url in links))
                    self._status.show_status("Post link copied")
            elif action is JobAction.RETRY_FAILED_PLATFORMS:
                await self._repost_failed(job)
            elif action is JobAction.PUBLISH:
                return
            else:
                await self._open_file(job, folder=action is JobAction.SHOW_IN_FOLDER)
        except (GenError, StoreError, PublishError, LookupError, ValueError, OSError) as exc:
            self._status.show_error(
                f"{action.value.replace('_', ' ').capitalize()} failed", str(exc)
            )

    def _on_copy_post_link(self, platform: str, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        self._status.show_status(f"{platform} link copied")

    def _on_link(self, url: str) -> None:
        if url.startswith(("https://", "http://")):
            self._open_url(QUrl(url))

    async def _repost_failed(self, job: LocalJob) -> None:
        """A new post of the same video to just the post's failed platforms, once confirmed."""
        failed = failed_platforms(job)
        if not failed or not job.post_request:
            return
        names = ", ".join(PLATFORM_LABELS.get(p, p) for p in failed)
        if not await self._prompts.confirm(
            "Post again",
            f"Post this video again to {names} now?",
            accept="Post",
            details="A new post for just these platforms; the others keep their post.",
        ):
            return
        request = SchedulePostRequest.model_validate_json(job.post_request).model_copy(
            update={"platform": failed, "schedule_type": "now", "scheduled_time": None}
        )
        poster = self._services.poster
        new = poster.build_job(
            request,
            agent_id=job.agent_id or "",
            media_identity=job.media_url or "",
            scheduled_utc=None,
            source_job_id=job.parent_id,
        )
        sent = await poster.publish(new, request)
        self._panel.select_job(sent.id)
        self._status.show_status(f"Posting again to {names}; follow it in the Jobs panel")

    async def _retry(self, job: LocalJob) -> None:
        if job.kind is JobKind.DOWNLOAD:
            await self._services.tracker.retry(job.id)
            return
        tracker = self._services.tracker
        charged = "charged" if job.kind is JobKind.RENDER else "posted"
        details = (
            "The request is re-sent with the same idempotency key, so if GEN already "
            f"received it the first time it is not {charged} again."
        )
        if job.state is JobState.OUTCOME_UNKNOWN and tracker.idempotency_expired(job):
            details = (
                "GEN honours the idempotency key for 24 hours only, and this request is older. "
                "The app first looks for it on GEN; if it cannot find it, you are asked again."
            )
        confirmed = await self._prompts.confirm(
            "Retry", f"Send “{job_title(job)}” again?", accept="Retry", details=details
        )
        if not confirmed:
            return
        try:
            await tracker.retry(job.id)
        except DuplicateRiskError as exc:
            # Past the window and not found on GEN: only an explicit second "yes" sends it.
            risky = await self._prompts.confirm(
                "Possible duplicate",
                f"GEN no longer protects “{job_title(job)}” against a duplicate. Send it anyway?",
                accept="Send anyway",
                details=str(exc).replace(" (--force in the CLI)", ""),
            )
            if risky:
                await tracker.retry(job.id, force=True)
            return
        if tracker.found_on_gen(job.id):
            self._status.show_status("Found on GEN; following it (nothing was sent again)")

    async def _remove(self, job: LocalJob) -> None:
        # A job still tracked (its GEN status unknown) is dismissed, never silently hidden.
        if job.is_parked or job.status_unknown:
            confirmed = await self._prompts.confirm(
                "Dismiss",
                f"Stop watching “{job_title(job)}”?",
                accept="Dismiss",
                details="Do this once you have checked the job on GEN. History keeps it.",
            )
            if confirmed:
                await self._services.tracker.dismiss(job.id)
            return
        self._model.hide(job.id)
        await self._services.store.hide_jobs([job.id])

    def _on_clear_finished(self) -> None:
        if not self._tasks.closed:
            self._tasks.spawn(self.clear_finished(), name="clear-finished")

    async def clear_finished(self) -> list[LocalJob]:
        """Take every finished job off the list (asking first when there are many); Undo
        (menu, Ctrl+Z, the toast) brings exactly these back. Returns what was hidden."""
        finished = [job for job in self._model.jobs() if job.is_terminal]
        if not finished:
            self._status.show_status("No finished jobs to clear")
            return []
        count = len(finished)
        if count > CLEAR_ASK_OVER and not await self._prompts.confirm(
            "Clear finished",
            f"Take {count} finished jobs off the list?",
            accept=f"Clear {count}",
            details="They stay in Jobs > History…; Undo (Ctrl+Z) brings them back.",
        ):
            return []
        for job in finished:
            self._model.hide(job.id)
        self._set_undo(finished)
        self._panel.show_cleared(count, can_undo=True)
        try:
            await self._services.store.hide_jobs(job.id for job in finished)
        except StoreError as exc:
            self._status.show_error("The cleared jobs will be back at the next start", str(exc))
        text = "1 finished job cleared" if count == 1 else f"{count} finished jobs cleared"
        self._status.show_status(f"{text} (Undo: Ctrl+Z)")
        if self._toasts is not None:
            self._toasts.show_toast(text, action=("Undo", self._on_undo_clear))
        return finished

    def _on_undo_clear(self) -> None:
        if self._last_cleared and not self._tasks.closed:
            self._tasks.spawn(self.undo_clear(), name="undo-clear")

    async def undo_clear(self) -> int:
        """Put the jobs the last "Clear finished" hid back on the list; how many."""
        jobs, ids = self._last_cleared, [job.id for job in self._last_cleared]
        if not jobs:
            return 0
        self._set_undo([])
        self._model.unhide(jobs)
        try:
            await self._services.store.unhide_jobs(ids)
        except StoreError as exc:
            self._status.show_error("The jobs are back until the app is closed", str(exc))
            return len(ids)
        self._status.show_status(
            "1 job is back on the list"
            if len(ids) == 1
            else f"{len(ids)} jobs are back on the list"
        )
        return len(ids)

    def _set_undo(self, cleared: list[LocalJob]) -> None:
        self._last_cleared = cleared
        self._panel.set_undo_available(bool(cleared))
        if self._undo_action is not None:
            self._undo_action.setEnabled(bool(cleared))
            count = len(cleared)
            self._undo_action.setText(
                f"Undo clear finished ({count})" if count else "Undo clear finished"
            )

    def _copy_url(self, job: LocalJob) -> None:
        url = video_url(job, self._model)
        if url:
            QGuiApplication.clipboard().setText(url)
            self._status.show_status("Video link copied")

    async def _open_file(self, job: LocalJob, *, folder: bool) -> None:
        path = local_file(job, self._model)
        if path is None:
            return
        exists = await asyncio.to_thread(Path.exists, path)
        if not exists:
            self._status.show_error(f"The file is no longer there: {path}")
            return
        target = path.parent if folder else path
        self._open_url(QUrl.fromLocalFile(str(target)))
