"""How long a running render has taken and is expected to take, in words ("Rendering 0:42 of
~1:10"), for the grid's final-video cells (Qt-free: the GUI asks once a second).

The elapsed time runs from GEN's start of the render where GEN reports it (a render started
elsewhere, or one picked up again after a restart), else from our own start. The expected time
is the typical duration of the user's own recent renders (the store's history, as the poll plan
and the Jobs panel use it), else GEN's documented 30-120 s. Past it the label says so instead of
counting towards a figure that has already gone by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.poll_plan import GEN_TYPICAL_RENDER_S
from genpro_desktop.core.renders import RenderTake

__all__ = [
    "RenderTiming",
    "clock_text",
    "render_started_at",
    "render_timing",
    "rendering_label",
    "shows_render_clock",
]

_RUNNING = (JobState.PENDING, JobState.PROCESSING)


def clock_text(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` from an hour on (never negative)."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass(frozen=True)
class RenderTiming:
    """A running render's elapsed time against what it is expected to take."""

    elapsed: float
    typical: float | None  # median of the user's recent renders; None: GEN's documented range

    @property
    def expected(self) -> float:
        """Seconds after which the render is later than usual."""
        return self.typical if self.typical is not None else GEN_TYPICAL_RENDER_S[1]

    @property
    def late(self) -> bool:
        """True once the render has run past what it is expected to take."""
        return self.elapsed > self.expected

    @property
    def label(self) -> str:
        """ "Rendering 0:42 of ~1:10"; "Rendering 0:42 (usually 0:30-2:00)" with no history;
        "Rendering 1:32, longer than usual (~1:10)" past it."""
        elapsed = clock_text(self.elapsed)
        low, high = GEN_TYPICAL_RENDER_S
        usual = (
            f"~{clock_text(self.typical)}"
            if self.typical is not None
            else f"usually {clock_text(low)}-{clock_text(high)}"
        )
        if self.late:
            return f"Rendering {elapsed}, longer than usual ({usual})"
        if self.typical is not None:
            return f"Rendering {elapsed} of {usual}"
        return f"Rendering {elapsed} ({usual})"


def shows_render_clock(job: LocalJob) -> bool:
    """True for a render GEN is running (pending or processing) whose id we know."""
    return job.kind is JobKind.RENDER and job.remote_id is not None and job.state in _RUNNING


def render_started_at(job: LocalJob, takes: Sequence[RenderTake] = ()) -> datetime:
    """When the render started: GEN's time for its take where GEN lists it, else ours."""
    for take in takes:
        if take.generation_id == job.remote_id and take.created_at is not None:
            return take.created_at
    return job.created_at


def render_timing(
    job: LocalJob, now: datetime, typical: float | None, takes: Sequence[RenderTake] = ()
) -> RenderTiming:
    """The timing of a running render at `now` (`typical`: None or not positive means no
    usable history)."""
    elapsed = (now - render_started_at(job, takes)).total_seconds()
    usable = typical if typical is not None and typical > 0 else None
    return RenderTiming(max(0.0, elapsed), usable)


def rendering_label(
    job: LocalJob, now: datetime, typical: float | None, takes: Sequence[RenderTake] = ()
) -> str:
    """The final-video cell's first line while `job` renders (see `RenderTiming.label`)."""
    return render_timing(job, now, typical, takes).label
