"""What the tracker needs from the job store, as a protocol.

`core.store.Store` satisfies it. The tracker depends on this protocol rather than importing
`core.store`, because the store itself imports `core.jobs.model` and a direct import both ways
would be a cycle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from genpro_desktop.core.jobs.model import JobKind, LocalJob

__all__ = ["JobStore", "UnreadableRecord"]


class UnreadableRecord(Protocol):
    """A stored job whose record does not decode: only its indexed columns (raw text) are known."""

    @property
    def id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def agent_id(self) -> str | None: ...
    @property
    def remote_id(self) -> str | None: ...


class JobStore(Protocol):
    """The subset of `core.store.Store` the tracker uses."""

    async def save_job(self, job: LocalJob, *, detail: str | None = None) -> None:
        """Upsert a job (its state history grows when the state changes)."""
        ...

    async def record_intent(self, job: LocalJob) -> None:
        """Durably save a SUBMITTING job before its POST is sent."""
        ...

    async def get_job(self, job_id: str) -> LocalJob | None:
        """The job with this local id, or None."""
        ...

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None:
        """The newest job of `kind` tracking this GEN id, or None."""
        ...

    async def active_jobs(self) -> list[LocalJob]:
        """Every job that is not terminal (parked ones included)."""
        ...

    async def unreadable_jobs(self, *, unfinished_only: bool = False) -> Sequence[UnreadableRecord]:
        """Stored jobs whose record cannot be read (shown and followed, never saved over); only
        the unfinished ones with `unfinished_only` (cheap however long the history)."""
        ...

    async def typical_duration(self, kind: JobKind) -> float | None:
        """Median seconds from creation to finish of recent successful jobs of `kind`."""
        ...

    async def recent_durations(self, kind: JobKind) -> list[float]:
        """Seconds recent successful jobs of `kind` took, newest first (however few)."""
        ...
