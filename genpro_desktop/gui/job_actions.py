"""What the user can do with a job, and the one place those requests go.

The Jobs panel's buttons and shortcuts and the preview's Publish button all hand a `JobAction`
and a job id to the app's single `JobActionDispatcher`; the presenter that does that kind of work
(jobs presenter: stop, retry, download...; preview presenter: publish) registers for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from genpro_desktop.core.jobs import LocalJob
from genpro_desktop.gui.models.job_list_model import JobListModel


class JobAction(StrEnum):
    """What the user can do with a job."""

    STOP = "stop"
    RETRY = "retry"
    DOWNLOAD = "download"
    OPEN = "open"
    SHOW_IN_FOLDER = "show_in_folder"
    COPY_URL = "copy_url"
    KEEP_WAITING = "keep_waiting"
    REMOVE = "remove"
    PUBLISH = "publish"
    COPY_POST_ID = "copy_post_id"
    OPEN_POST_LINK = "open_post_link"
    COPY_POST_LINK = "copy_post_link"
    RETRY_FAILED_PLATFORMS = "retry_failed_platforms"


JobActionHandler = Callable[[JobAction, LocalJob], None]


class JobActionDispatcher:
    """Routes each requested action on a listed job to the handler registered for it."""

    def __init__(self, jobs: JobListModel) -> None:
        self._jobs = jobs
        self._handlers: dict[JobAction, JobActionHandler] = {}

    def register(self, actions: Iterable[JobAction], handler: JobActionHandler) -> None:
        """`handler` does `actions` from now on."""
        for action in actions:
            self._handlers[action] = handler

    def unregister(self, handler: JobActionHandler) -> None:
        """`handler` does nothing more (its session closed)."""
        self._handlers = {a: h for a, h in self._handlers.items() if h != handler}

    def dispatch(self, action: JobAction | str, job_id: str) -> bool:
        """Hand `action` on `job_id` to its handler; False when no one does it or no such job."""
        handler = self._handlers.get(JobAction(action))
        job = self._jobs.find(job_id)
        if handler is None or job is None:
            return False
        handler(JobAction(action), job)
        return True
