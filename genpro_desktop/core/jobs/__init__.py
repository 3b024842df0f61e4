"""Durable job tracking: the job model, the poll scheduler, events and the tracker.

`core.store` imports `core.jobs.model`, so this package never imports `core.store`; the tracker
takes any object with the `JobStore` protocol (`core.store.Store` in the app).

Importing this package loads only the plain job model: every other public name's module is
imported on first use (PEP 562), so `from genpro_desktop.core.jobs import JobState` loads
`core.jobs.model` only, not the tracker with httpx and pydantic (the desktop app paints its
window before it needs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from genpro_desktop.core.jobs import model as _model
from genpro_desktop.core.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from genpro_desktop.core.jobs.book import (
        JobActionError,
        TrackerClosedError,
        UnknownJobError,
        WaitTimeout,
    )
    from genpro_desktop.core.jobs.events import EventHub, EventType, JobEvent, Subscriber
    from genpro_desktop.core.jobs.model import (
        ACTIVE_STATES,
        PARKED_STATES,
        TERMINAL_STATES,
        FailureKind,
        JobKind,
        JobState,
        LocalJob,
        PostPlatform,
        RenderOrigin,
        can_transition,
        new_job_id,
    )
    from genpro_desktop.core.jobs.ports import JobStore
    from genpro_desktop.core.jobs.scheduler import CADENCES, Cadence, PollScheduler
    from genpro_desktop.core.jobs.sending import RESTART_REASON, DuplicateRiskError
    from genpro_desktop.core.jobs.tracker import JobTracker

__all__ = [
    "ACTIVE_STATES",
    "CADENCES",
    "PARKED_STATES",
    "RESTART_REASON",
    "TERMINAL_STATES",
    "Cadence",
    "DuplicateRiskError",
    "EventHub",
    "EventType",
    "FailureKind",
    "JobActionError",
    "JobEvent",
    "JobKind",
    "JobState",
    "JobStore",
    "JobTracker",
    "LocalJob",
    "PollScheduler",
    "PostPlatform",
    "RenderOrigin",
    "Subscriber",
    "TrackerClosedError",
    "UnknownJobError",
    "WaitTimeout",
    "can_transition",
    "new_job_id",
]

# The submodule behind each public name (`__all__` lists the same names). The model is plain
# data with no heavy imports, so it is loaded here and its own `__all__` is its row.
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "book": ("JobActionError", "TrackerClosedError", "UnknownJobError", "WaitTimeout"),
    "events": ("EventHub", "EventType", "JobEvent", "Subscriber"),
    "model": tuple(_model.__all__),
    "ports": ("JobStore",),
    "scheduler": ("CADENCES", "Cadence", "PollScheduler"),
    "sending": ("RESTART_REASON", "DuplicateRiskError"),
    "tracker": ("JobTracker",),
}
# Outside TYPE_CHECKING so that type checkers resolve names only through the imports above.
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_exports(__name__, _SUBMODULES, __all__, globals())
