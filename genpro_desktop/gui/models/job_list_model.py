"""Qt list model over the tracker's jobs: history from the store plus live `JobEvent`s.

Order: jobs waiting for the user (outcome unknown, needs attention) pinned on top, then newest
first. An update touches only its row (`dataChanged` for one index); a row moves only when a job
enters or leaves the pinned group. Download progress is kept beside the job (it is not part of
`LocalJob`) and repaints just the progress of that row.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.view import is_overdue, job_explanation, job_title

_Index = QModelIndex | QPersistentModelIndex

JobRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2
ElapsedRole = Qt.ItemDataRole.UserRole + 3
TypicalRole = Qt.ItemDataRole.UserRole + 4
OverdueRole = Qt.ItemDataRole.UserRole + 5
JobIdRole = Qt.ItemDataRole.UserRole + 6
RowPaintRole = Qt.ItemDataRole.UserRole + 7

ElapsedClock = Callable[[LocalJob], float]


@dataclass(frozen=True)
class RowPaint:
    """Everything the row painter needs, fetched in one `data()` call per paint."""

    job: LocalJob
    title: str
    progress: DownloadProgress | None
    elapsed: float
    typical: float | None
    overdue: bool


def sort_key(job: LocalJob) -> tuple[int, float, str]:
    """Pinned jobs first, then newest first; the id breaks ties so the order is total."""
    return (0 if job.is_parked else 1, -job.created_at.timestamp(), job.id)


def wall_clock_elapsed(job: LocalJob) -> float:
    """Seconds from creation to finish (or to now while the job runs), on the wall clock; a
    finished job's GEN time when GEN gave it (`LocalJob.run_seconds`)."""
    return job.run_seconds(datetime.now(UTC))


class JobListModel(QAbstractListModel):
    """Every job the panel lists; feed it `set_jobs(history)` then `apply(event)` per event."""

    job_changed = Signal(str)  # job id; the panel refreshes actions when it is the current one

    def __init__(
        self, elapsed: ElapsedClock = wall_clock_elapsed, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._elapsed = elapsed
        self._jobs: list[LocalJob] = []
        self._keys: list[tuple[int, float, str]] = []
        self._key_of: dict[str, tuple[int, float, str]] = {}
        self._active: set[str] = set()  # ids of running jobs, kept in step with every change
        self._progress: dict[str, DownloadProgress] = {}
        self._typical: dict[JobKind, float] = {}
        self._hidden: set[str] = set()

    # -- feeding -------------------------------------------------------------------------

    def set_elapsed_clock(self, elapsed: ElapsedClock) -> None:
        """How to measure a job's running time (the tracker's clock, so tests control it)."""
        self._elapsed = elapsed

    def clear(self) -> None:
        """Forget every row (signed out)."""
        self.beginResetModel()
        self._jobs, self._keys, self._key_of = [], [], {}
        self._active.clear()
        self._progress.clear()
        self._typical.clear()
        self._hidden.clear()
        self.endResetModel()

    def set_jobs(self, jobs: Iterable[LocalJob]) -> None:
        """Load the store's history; jobs already shown from live events are fresher and win."""
        self.beginResetModel()
        unique = {job.id: job for job in jobs if job.id not in self._hidden}
        unique.update({job.id: job for job in self._jobs})
        self._jobs = sorted(unique.values(), key=sort_key)
        self._keys = [sort_key(job) for job in self._jobs]
        self._key_of = {job.id: key for job, key in zip(self._jobs, self._keys, strict=True)}
        self._active = {job.id for job in self._jobs if job.is_active}
        self.endResetModel()

    def add_older(self, jobs: Iterable[LocalJob]) -> int:
        """Add jobs from further back in the history (shown or hidden ones are skipped)."""
        added = 0
        for job in jobs:
            if job.id not in self._hidden and job.id not in self._key_of:
                self._insert(job)
                added += 1
        return added

    def apply(self, event: JobEvent) -> None:
        """Adapt one tracker event: add, update or repaint exactly one row."""
        job = event.job
        if job is None or job.id in self._hidden:
            return
        if event.type == "download_progress" and event.progress is not None:
            self._progress[job.id] = event.progress
        if event.type in ("job_added", "job_updated", "job_finished", "download_progress"):
            self.upsert(job, progress_only=event.type == "download_progress")

    def upsert(self, job: LocalJob, *, progress_only: bool = False) -> None:
        """Insert `job`, or update its row (moved only when it joins or leaves the pinned group)."""
        row = self.row_of(job.id)
        if row < 0:
            self._insert(job)
            self.job_changed.emit(job.id)
            return
        if not progress_only or job.state != self._jobs[row].state:
            new_key = sort_key(job)
            if new_key != self._keys[row]:
                self._remove_row(row)
                self._insert(job)
                self.job_changed.emit(job.id)
                return
        self._jobs[row] = job
        self._track_activity(job)
        if job.is_terminal and job.state is not JobState.DOWNLOADED:
            self._progress.pop(job.id, None)
        index = self.index(row)
        self.dataChanged.emit(index, index)
        self.job_changed.emit(job.id)

    def hide(self, job_id: str) -> None:
        """Take a finished job off the list (it stays in the store's history)."""
        self._hidden.add(job_id)
        row = self.row_of(job_id)
        if row >= 0:
            self._remove_row(row)

    def set_hidden(self, job_ids: Iterable[str]) -> None:
        """Jobs the user removed from the list in earlier runs."""
        for job_id in job_ids:
            self.hide(job_id)

    def unhide(self, jobs: Iterable[LocalJob]) -> None:
        """Put hidden jobs back on the list (the undo of "Clear finished")."""
        for job in jobs:
            self._hidden.discard(job.id)
            if job.id not in self._key_of:
                self._insert(job)

    @property
    def hidden(self) -> frozenset[str]:
        """Ids of jobs the user removed from the list."""
        return frozenset(self._hidden)

    def set_typical_duration(self, kind: JobKind, seconds: float | None) -> None:
        """The median duration of this kind from history (None: not enough history yet)."""
        if seconds is None:
            self._typical.pop(kind, None)
        else:
            self._typical[kind] = seconds

    def typical_duration(self, kind: JobKind) -> float | None:
        """The median duration of this kind, if known."""
        return self._typical.get(kind)

    # -- lookups -------------------------------------------------------------------------

    def row_of(self, job_id: str) -> int:
        """The row showing `job_id`, or -1 (a binary search on the job's sort key)."""
        key = self._key_of.get(job_id)
        if key is None:
            return -1
        row = bisect.bisect_left(self._keys, key)
        return row if row < len(self._keys) and self._keys[row] == key else -1

    def job(self, row: int) -> LocalJob:
        """The job in `row`."""
        return self._jobs[row]

    def find(self, job_id: str) -> LocalJob | None:
        """The job with this id, if listed."""
        row = self.row_of(job_id)
        return self._jobs[row] if row >= 0 else None

    def jobs(self) -> list[LocalJob]:
        """Every listed job, in display order."""
        return list(self._jobs)

    def children_of(self, parent_id: str) -> list[LocalJob]:
        """Jobs started from `parent_id` (a render's downloads), newest first."""
        return [job for job in self._jobs if job.parent_id == parent_id]

    def progress(self, job_id: str) -> DownloadProgress | None:
        """The latest download progress of `job_id`."""
        return self._progress.get(job_id)

    def is_overdue(self, job: LocalJob) -> bool:
        """True when a running job has taken more than 1.5x the typical duration."""
        typical = self._typical.get(job.kind)
        return typical is not None and is_overdue(job, self._elapsed(job), typical)

    def has_active_jobs(self) -> bool:
        """True while some listed job is running (its bar animates); O(1) per call."""
        return bool(self._active)

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._jobs)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job = self._jobs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return job_title(job)
        if role == Qt.ItemDataRole.ToolTipRole:
            return job_explanation(job) or job_title(job)
        if role == RowPaintRole:
            return RowPaint(
                job=job,
                title=job_title(job),
                progress=self._progress.get(job.id),
                elapsed=self._elapsed(job),
                typical=self._typical.get(job.kind),
                overdue=self.is_overdue(job),
            )
        if role == JobRole:
            return job
        if role == JobIdRole:
            return job.id
        if role == ProgressRole:
            return self._progress.get(job.id)
        if role == ElapsedRole:
            return self._elapsed(job)
        if role == TypicalRole:
            return self._typical.get(job.kind)
        if role == OverdueRole:
            return self.is_overdue(job)
        return None

    # -- internals -----------------------------------------------------------------------

    def _insert(self, job: LocalJob) -> None:
        key = sort_key(job)
        row = bisect.bisect_left(self._keys, key)
        self.beginInsertRows(QModelIndex(), row, row)
        self._jobs.insert(row, job)
        self._keys.insert(row, key)
        self._key_of[job.id] = key
        self._track_activity(job)
        self.endInsertRows()

    def _track_activity(self, job: LocalJob) -> None:
        if job.is_active:
            self._active.add(job.id)
        else:
            self._active.discard(job.id)

    def _remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        self._key_of.pop(self._jobs[row].id, None)
        self._active.discard(self._jobs[row].id)
        del self._jobs[row]
        del self._keys[row]
        self.endRemoveRows()
