"""Qt list model over the tracker's jobs: history from the store plus live `JobEvent`s.

Order: jobs waiting for the user (outcome unknown, needs attention) pinned on top, then newest
first, the renders of one batch together (at the time the batch started). An update touches only
its row (`dataChanged` for one index, plus one for its batch's rows for `RowPaintRole`: the
header shows the batch's progress); a row moves only when a job enters or leaves the pinned
group. An update never changes a row's height: only rows coming, going or moving do. Download
progress is kept beside the job (it is not part of `LocalJob`) and repaints just that row.

`JobFilterProxy` shows the jobs a `JobFilter` lets through (state group, kind, engine, search
words), from each job's search text computed once per change, never on paint.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.view import (
    BatchProgress,
    BatchTally,
    JobFilter,
    is_overdue,
    job_engine,
    job_explanation,
    job_title,
    search_text,
    tally_batch,
)

_Index = QModelIndex | QPersistentModelIndex

JobRole = Qt.ItemDataRole.UserRole + 1
ProgressRole = Qt.ItemDataRole.UserRole + 2
ElapsedRole = Qt.ItemDataRole.UserRole + 3
TypicalRole = Qt.ItemDataRole.UserRole + 4
OverdueRole = Qt.ItemDataRole.UserRole + 5
JobIdRole = Qt.ItemDataRole.UserRole + 6
RowPaintRole = Qt.ItemDataRole.UserRole + 7
BatchIdRole = Qt.ItemDataRole.UserRole + 8

ElapsedClock = Callable[[LocalJob], float]


@dataclass(frozen=True)
class RowPaint:
    """Everything the row painter needs, fetched in one `data()` call per paint.

    `batch` and `batch_title` are worked out on first use: only the row that carries its
    batch's header reads them, and the batch's progress takes a pass over all its renders."""

    job: LocalJob
    title: str
    progress: DownloadProgress | None
    elapsed: float
    typical: float | None
    overdue: bool
    # The batch this render was started in (None for a job on its own) and where its
    # progress comes from.
    batch_id: str | None = None
    batches: JobListModel | None = field(default=None, repr=False, compare=False)

    @cached_property
    def batch(self) -> BatchProgress | None:
        """The batch's progress, for its header (None for a job on its own)."""
        if self.batch_id is None or self.batches is None:
            return None
        return self.batches.batch_progress(self.batch_id)

    @cached_property
    def batch_title(self) -> str:
        """The batch's header title ("" for a job on its own)."""
        if self.batch_id is None or self.batches is None:
            return ""
        return self.batches.batch_title(self.batch_id)


SortKey = tuple[int, float, str, int, float, str]


def sort_key(job: LocalJob, batch_started: float | None = None) -> SortKey:
    """Pinned jobs first, then newest first, a batch's renders together at the time the batch
    started (`batch_started`) in the grid's row order; the id breaks ties so the order is
    total."""
    created = job.created_at.timestamp()
    pinned = job.is_parked
    if batch_started is None or pinned or job.batch_id is None:
        return (0 if pinned else 1, -created, job.id, 0, -created, job.id)
    return (1, -batch_started, job.batch_id, job.row_number or 0, created, job.id)


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
        self._keys: list[SortKey] = []
        self._key_of: dict[str, SortKey] = {}
        self._active: set[str] = set()  # ids of running jobs, kept in step with every change
        self._progress: dict[str, DownloadProgress] = {}
        self._typical: dict[JobKind, float] = {}
        self._hidden: set[str] = set()
        # Batches: when each started (fixed once known, so sort keys stay valid) and its jobs.
        self._batch_started: dict[str, float] = {}
        self._batch_members: dict[str, dict[str, LocalJob]] = {}
        # Each batch's counts and youngest running render, until a member changes.
        self._batch_tallies: dict[str, BatchTally] = {}
        self._batch_titles: dict[str, str] = {}
        # What the search box matches per job, computed on first use after each change.
        self._haystack: dict[str, str] = {}

    # -- feeding -------------------------------------------------------------------------

    def set_elapsed_clock(self, elapsed: ElapsedClock) -> None:
        """How to measure a job's running time (the tracker's clock, so tests control it)."""
        self._elapsed = elapsed
        self._batch_tallies.clear()  # the youngest running render depends on the clock

    def clear(self) -> None:
        """Forget every row (signed out)."""
        self.beginResetModel()
        self._jobs, self._keys, self._key_of = [], [], {}
        self._active.clear()
        self._progress.clear()
        self._typical.clear()
        self._hidden.clear()
        self._batch_started.clear()
        self._batch_members.clear()
        self._batch_tallies.clear()
        self._batch_titles.clear()
        self._haystack.clear()
        self.endResetModel()

    def set_jobs(self, jobs: Iterable[LocalJob]) -> None:
        """Load the store's history; jobs already shown from live events are fresher and win."""
        self.beginResetModel()
        unique = {job.id: job for job in jobs if job.id not in self._hidden}
        unique.update({job.id: job for job in self._jobs})
        self._batch_members.clear()
        self._batch_tallies.clear()
        self._batch_titles.clear()
        self._haystack.clear()
        for job in unique.values():
            self._join_batch(job)
        keyed = sorted((self._sort_key(job), job) for job in unique.values())
        self._jobs = [job for _key, job in keyed]
        self._keys = [key for key, _job in keyed]
        self._key_of = {job.id: key for key, job in keyed}
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
            self._batch_changed(job)
            self.job_changed.emit(job.id)
            return
        if not progress_only:
            self._haystack.pop(job.id, None)
        if not progress_only or job.state != self._jobs[row].state:
            new_key = self._sort_key(job)
            if new_key != self._keys[row]:
                self._remove_row(row)
                self._insert(job)
                self._batch_changed(job)
                self.job_changed.emit(job.id)
                return
        self._jobs[row] = job
        self._join_batch(job)
        self._track_activity(job)
        if job.is_terminal and job.state is not JobState.DOWNLOADED:
            self._progress.pop(job.id, None)
        index = self.index(row)
        self.dataChanged.emit(index, index)
        if not progress_only:
            self._batch_changed(job)
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

    # -- the queue -----------------------------------------------------------------------

    def batch_progress(self, batch_id: str) -> BatchProgress | None:
        """How far the listed renders of a batch are, with the expected time left."""
        members = self._batch_members.get(batch_id)
        if not members:
            return None
        tally = self._batch_tallies.get(batch_id)
        if tally is None:
            tally = tally_batch(list(members.values()), self._elapsed)
            self._batch_tallies[batch_id] = tally
        return tally.progress(self._elapsed, self._typical.get(JobKind.RENDER))

    def batch_title(self, batch_id: str) -> str:
        """E.g. "Batch of 8 renders · Spring launch" (the engine when all share one); kept,
        like the tally, until a member joins, changes or leaves."""
        title = self._batch_titles.get(batch_id)
        if title is not None:
            return title
        members = list(self._batch_members.get(batch_id, {}).values())
        engines = {job.engine_title or job.engine_id for job in members}
        noun = "render" if len(members) == 1 else "renders"
        head = f"Batch of {len(members)} {noun}"
        engine = next(iter(engines)) if len(engines) == 1 else None
        title = f"{head} · {engine}" if engine else head
        self._batch_titles[batch_id] = title
        return title

    def search_text(self, job: LocalJob) -> str:
        """What the search box matches for `job` (cached until the job changes)."""
        text = self._haystack.get(job.id)
        if text is None:
            text = self._haystack[job.id] = search_text(job, self)
        return text

    def engine_of(self, job: LocalJob) -> tuple[str | None, str | None]:
        """(engine id, title) of a job, or of its render for a download or post."""
        return job_engine(job, self)

    def engines(self) -> list[tuple[str, str]]:
        """(engine id, title) of every engine a listed job belongs to, by title."""
        found: dict[str, str] = {}
        for job in self._jobs:
            engine_id, title = self.engine_of(job)
            if engine_id is not None and (engine_id not in found or title):
                found[engine_id] = title or found.get(engine_id) or f"Engine {engine_id}"
        return sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))

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
            return job_title(job, self)
        if role == Qt.ItemDataRole.ToolTipRole:
            return job_explanation(job) or job_title(job, self)
        if role == RowPaintRole:
            batch = self._batch_id(job)
            return RowPaint(
                job=job,
                title=job_title(job, self),
                progress=self._progress.get(job.id),
                elapsed=self._elapsed(job),
                typical=self._typical.get(job.kind),
                overdue=self.is_overdue(job),
                batch_id=batch,
                batches=self,
            )
        if role == BatchIdRole:
            return self._batch_id(job)
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

    def _batch_id(self, job: LocalJob) -> str | None:
        """The batch a listed job is grouped in (not while it waits for the user on top)."""
        if job.batch_id is None or job.is_parked:
            return None
        return job.batch_id if len(self._batch_members.get(job.batch_id, ())) > 1 else None

    def _join_batch(self, job: LocalJob) -> None:
        if job.batch_id is None:
            return
        self._batch_members.setdefault(job.batch_id, {})[job.id] = job
        self._forget_batch(job.batch_id)
        started = self._batch_started.get(job.batch_id)
        if started is None:
            self._batch_started[job.batch_id] = job.created_at.timestamp()

    def _leave_batch(self, job: LocalJob) -> None:
        if job.batch_id is not None:
            members = self._batch_members.get(job.batch_id)
            if members is not None:
                members.pop(job.id, None)
            self._forget_batch(job.batch_id)

    def _forget_batch(self, batch_id: str) -> None:
        """A member joined, changed or left: the batch's kept tally and title no longer hold."""
        self._batch_tallies.pop(batch_id, None)
        self._batch_titles.pop(batch_id, None)

    def _batch_changed(self, job: LocalJob) -> None:
        """Repaint `job`'s batch header (it shows the batch's progress): one `dataChanged` over
        the batch's rows for `RowPaintRole`, which the view repaints without re-measuring rows,
        instead of one per member (500 per change of one render in a batch of 500)."""
        if job.batch_id is None:
            return
        rows = [self.row_of(member) for member in self._batch_members.get(job.batch_id, {})]
        rows = [row for row in rows if row >= 0]
        if len(rows) > 1:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)), [RowPaintRole])

    def _sort_key(self, job: LocalJob) -> SortKey:
        started = self._batch_started.get(job.batch_id) if job.batch_id else None
        return sort_key(job, started)

    def _insert(self, job: LocalJob) -> None:
        self._join_batch(job)
        key = self._sort_key(job)
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
        self._leave_batch(self._jobs[row])
        del self._jobs[row]
        del self._keys[row]
        self.endRemoveRows()


class JobFilterProxy(QSortFilterProxyModel):
    """The jobs a `JobFilter` lets through, in the job model's order."""

    def __init__(self, jobs: JobListModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = jobs
        self._filter = JobFilter()
        self.setSourceModel(jobs)
        self.setDynamicSortFilter(True)  # a job that changes group leaves or joins at once

    @property
    def job_filter(self) -> JobFilter:
        """The filter in force."""
        return self._filter

    def set_filter(self, job_filter: JobFilter) -> None:
        """Show only the jobs `job_filter` lets through."""
        if job_filter != self._filter:
            self.beginFilterChange()
            self._filter = job_filter
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._filter.is_empty:
            return True
        job = self._jobs.job(source_row)
        engine_id, _title = self._jobs.engine_of(job)
        return self._filter.matches(job, self._jobs.search_text(job), engine_id)

    def job_at(self, index: _Index) -> LocalJob | None:
        """The job shown at a proxy index."""
        job = index.data(JobRole) if index.isValid() else None
        return job if isinstance(job, LocalJob) else None

    def index_of(self, job_id: str) -> QModelIndex:
        """The proxy index showing `job_id` (invalid when filtered out or not listed)."""
        row = self._jobs.row_of(job_id)
        return self.mapFromSource(self._jobs.index(row)) if row >= 0 else QModelIndex()
