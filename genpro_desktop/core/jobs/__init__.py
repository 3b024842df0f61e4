"""Durable job tracking: the job model, the poll scheduler, events and the tracker.

`core.store` imports `core.jobs.model`, so this package never imports `core.store`; the tracker
takes any object with the `JobStore` protocol (`core.store.Store` in the app).
"""

from genpro_desktop.core.jobs.events import EventHub, EventType, JobEvent, Subscriber
from genpro_desktop.core.jobs.model import (
    ACTIVE_STATES,
    NOT_SENT_PREFIX,
    NOT_STARTED_PREFIX,
    PARKED_STATES,
    TERMINAL_STATES,
    JobKind,
    JobState,
    LocalJob,
    can_transition,
    new_job_id,
)
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.scheduler import CADENCES, Cadence, PollScheduler
from genpro_desktop.core.jobs.tracker import (
    RESTART_REASON,
    JobActionError,
    JobTracker,
    TrackerClosedError,
    UnknownJobError,
    WaitTimeout,
)

__all__ = [
    "ACTIVE_STATES",
    "CADENCES",
    "NOT_SENT_PREFIX",
    "NOT_STARTED_PREFIX",
    "PARKED_STATES",
    "RESTART_REASON",
    "TERMINAL_STATES",
    "Cadence",
    "EventHub",
    "EventType",
    "JobActionError",
    "JobEvent",
    "JobKind",
    "JobState",
    "JobStore",
    "JobTracker",
    "LocalJob",
    "PollScheduler",
    "Subscriber",
    "TrackerClosedError",
    "UnknownJobError",
    "WaitTimeout",
    "can_transition",
    "new_job_id",
]
