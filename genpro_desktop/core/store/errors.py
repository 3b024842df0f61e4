"""Store errors; ``str(error)`` is always a sentence that can be shown to the user.

::

    StoreError                    anything the local job database could not do
    ├── StoreOpenError            the database could not be opened, created or migrated
    │   └── StoreVersionError     it was written by a newer genpro-desktop (schema too new)
    ├── StoreWriteError           a write failed (disk full, I/O error); nothing of it was kept
    │   └── StoreReadOnlyError    the store was opened read-only (another process tracks jobs)
    ├── StoreClosedError          the store was used after ``close()``
    ├── TerminalStateError        a save tried to move a job out of a terminal state
    └── InstanceLockedError       another genpro process holds the single-instance lock

A failed write always leaves the previously committed state intact: every write is one SQLite
transaction that is rolled back on error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = [
    "InstanceLockedError",
    "LockHolder",
    "StoreClosedError",
    "StoreError",
    "StoreOpenError",
    "StoreReadOnlyError",
    "StoreVersionError",
    "StoreWriteError",
    "TerminalStateError",
]


class StoreError(Exception):
    """The local job database could not do what was asked."""

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The database file concerned, when there is one (never contains secrets).
        self.path = path

    def __str__(self) -> str:
        return self.message


class StoreOpenError(StoreError):
    """The database could not be opened, created or brought up to date."""


class StoreVersionError(StoreOpenError):
    """The database was created by a newer version of the app than this one."""

    def __init__(self, message: str, *, path: Path | None = None, found: int, supported: int):
        super().__init__(message, path=path)
        self.found = found
        self.supported = supported


class StoreWriteError(StoreError):
    """A write failed and was rolled back; the last committed state is unchanged."""


class StoreReadOnlyError(StoreWriteError):
    """A write was attempted on a store opened read-only."""


class StoreClosedError(StoreError):
    """The store was used after it was closed."""


class TerminalStateError(StoreError):
    """A save tried to move a job out of a terminal state (terminal states are sticky)."""

    def __init__(self, job_id: str, old: str, new: str) -> None:
        super().__init__(
            f"Job {job_id} is already {old} and cannot become {new}: "
            "finished jobs never change state."
        )
        self.job_id = job_id
        self.old = old
        self.new = new


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds the single-instance lock, as written in the lock's sidecar file."""

    pid: int
    program: str
    started_at: datetime | None = None

    def describe(self) -> str:
        """A short description such as ``genpro-desktop (pid 1234)``."""
        return f"{self.program} (pid {self.pid})"


class InstanceLockedError(StoreError):
    """Another genpro process is already tracking jobs in this data folder."""

    def __init__(self, holder: LockHolder | None, *, path: Path | None = None) -> None:
        who = holder.describe() if holder is not None else "Another genpro process"
        super().__init__(
            f"{who} is already tracking jobs; close it first or use it to follow your jobs.",
            path=path,
        )
        self.holder = holder
