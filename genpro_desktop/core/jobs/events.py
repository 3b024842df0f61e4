"""Typed tracker events and the hub the CLI and the GUI subscribe to.

Subscribers are plain synchronous callables run on the event loop (the GUI thread under qasync),
so they must be quick: update a model, emit a Qt signal, print a line. An exception in one
subscriber is logged and never stops the others or the tracker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs.model import LocalJob

__all__ = ["EventHub", "EventType", "JobEvent", "Subscriber"]

logger = logging.getLogger("genpro_desktop.core.jobs")

EventType = Literal[
    "job_added",
    "job_updated",
    "job_finished",
    "download_progress",
    "tracker_paused",
    "tracker_resumed",
]


@dataclass(frozen=True)
class JobEvent:
    """One thing that happened: a job changed, a download moved on, or tracking paused/resumed."""

    type: EventType
    job: LocalJob | None = None
    detail: str | None = None
    progress: DownloadProgress | None = None


Subscriber = Callable[[JobEvent], None]


class EventHub:
    """Fan-out of `JobEvent`s to subscribers, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback` for every event from now on; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(self, event: JobEvent) -> None:
        """Deliver `event` to every subscriber; each gets its own copy of the job."""
        for callback in list(self._subscribers):
            delivered = event if event.job is None else replace(event, job=replace(event.job))
            try:
                callback(delivered)
            except Exception:
                logger.exception("A job event subscriber failed on %s", event.type)

    def job_event(
        self,
        type: EventType,
        job: LocalJob | None,
        detail: str | None = None,
        progress: DownloadProgress | None = None,
    ) -> None:
        """Shorthand for `emit(JobEvent(...))`."""
        self.emit(JobEvent(type, job, detail, progress))
