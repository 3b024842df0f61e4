"""`JobContext`: what every part of the job tracker works with, handed to each part once.

The `JobTracker` builds one and gives it to the `Poller`, the `Submitter`, the `Sending` runner,
the `PostTracker` and the `DownloadRunner`, so each part's constructor names only what is its
own (the poller for the submitter, the downloader for the download runner).
"""

from __future__ import annotations

from dataclasses import dataclass

from genpro_desktop.core.clock import Clock
from genpro_desktop.core.jobs.book import JobBook
from genpro_desktop.core.jobs.connection import Connection
from genpro_desktop.core.jobs.events import EventHub
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.scheduler import PollScheduler

__all__ = ["JobContext"]


@dataclass(frozen=True, slots=True)
class JobContext:
    """The shared collaborators: the book of live jobs, the GEN connection, the one poll
    scheduler, the clock, the store and the event hub."""

    book: JobBook
    connection: Connection
    scheduler: PollScheduler
    clock: Clock
    store: JobStore
    events: EventHub
