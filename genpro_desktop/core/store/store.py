"""The async store facade: every database operation runs on one dedicated writer thread.

Callers on the event loop (the GUI thread, the CLI) never block on disk: each method hands its
work (see ``queries``) to a single-thread executor and awaits the result. Because that thread is
the only one that touches the connection, writes are serialised without any "database is locked"
retry dance, and each write is one transaction (committed durably, ``synchronous=FULL``, or
rolled back whole, leaving the last committed state intact).

A job is encoded the moment its save starts, so changing the `LocalJob` afterwards never changes
what gets written. A caller cancelled while its write runs may or may not see it committed; it is
never half-written.
"""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Self, TypeVar

from genpro_desktop.core.jobs.model import PARKED_STATES, JobKind, JobState, LocalJob
from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.store import database, queries
from genpro_desktop.core.store.codec import encode_datetime, job_to_row
from genpro_desktop.core.store.errors import StoreClosedError, StoreError, StoreReadOnlyError
from genpro_desktop.core.store.queries import HistoryEntry, StateChange, UnreadableJob

__all__ = ["HistoryEntry", "StateChange", "Store", "UnreadableJob"]

_T = TypeVar("_T")


class Store:
    """The local job database (jobs, state history, saved engines, settings); see module doc."""

    def __init__(self, path: Path, *, read_only: bool, _token: object = None) -> None:
        if _token is not _OPEN_TOKEN:
            raise TypeError("use Store.open(path) or Store.default(paths)")
        self._path = path
        self._read_only = read_only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="genpro-store")
        self._conn: sqlite3.Connection | None = None
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False) -> Store:
        """Open (creating and migrating unless `read_only`) the database at `path`."""
        store = cls(Path(path), read_only=read_only, _token=_OPEN_TOKEN)
        try:
            # The connection is created on the writer thread, the only thread that will use it.
            store._executor.submit(store._connect).result()
        except BaseException:
            store._executor.shutdown(wait=True)
            raise
        return store

    @classmethod
    def default(cls, paths: AppPaths, *, read_only: bool = False) -> Store:
        """Open the app's database, ``data_dir/genpro.sqlite3``."""
        return cls.open(paths.data_dir / database.DB_FILENAME, read_only=read_only)

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def read_only(self) -> bool:
        """True when opened read-only (writes raise `StoreReadOnlyError`)."""
        return self._read_only

    @property
    def closed(self) -> bool:
        """True after `close()` / `aclose()`."""
        return self._closed

    def close(self) -> None:
        """Finish queued operations, close the connection and stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._executor.submit(self._disconnect).result()
        finally:
            self._executor.shutdown(wait=True)

    async def aclose(self) -> None:
        """Like `close()`, without blocking the event loop while queued operations finish."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._disconnect)
        finally:
            # The thread is idle now, so joining it is immediate.
            self._executor.shutdown(wait=True)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- jobs --------------------------------------------------------------------------------

    async def save_job(self, job: LocalJob, *, detail: str | None = None) -> None:
        """Insert or update a job; a state change is appended to its history with `detail`."""
        row = job_to_row(job)
        history_detail = detail if detail is not None else _default_detail(job)
        entry = queries.StateEntry(job.state, encode_datetime(job.updated_at), history_detail)
        keys = job.live_dedupe_keys if job.kind is JobKind.POST else None
        await self._write(functools.partial(queries.save_job, row, entry, dedupe_keys=keys))

    async def record_intent(self, job: LocalJob) -> None:
        """Save a SUBMITTING job before its POST is sent; on disk when this returns."""
        if job.state is not JobState.SUBMITTING:
            raise ValueError(f"an intent is recorded in state submitting, not {job.state}")
        # Every commit is fsynced (synchronous=FULL), so returning means durable.
        await self.save_job(job)

    async def get_job(self, job_id: str) -> LocalJob | None:
        """The job with this local id, or None."""
        return await self._read(functools.partial(queries.get_job, job_id))

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None:
        """The newest job of `kind` tracking this GEN id (generation / user job), or None."""
        return await self._read(functools.partial(queries.find_by_remote, kind, remote_id))

    async def list_jobs(
        self,
        *,
        kinds: Iterable[JobKind] | None = None,
        states: Iterable[JobState] | None = None,
        limit: int | None = None,
        older_than: str | None = None,
    ) -> list[LocalJob]:
        """Jobs newest first, optionally filtered by kind and state and capped at `limit`.

        `older_than` (a job id) pages through a long history: only the jobs that come after
        that one, newest first (none when there is no such job)."""
        if limit is not None and limit < 0:
            raise ValueError("limit must be zero or more")
        kind_values = None if kinds is None else [kind.value for kind in kinds]
        state_values = None if states is None else [state.value for state in states]
        query = functools.partial(
            queries.list_jobs, kind_values, state_values, limit, older_than=older_than
        )
        return await self._read(query)

    async def jobs_with_id_prefix(self, prefix: str) -> list[LocalJob]:
        """Jobs whose local id starts with `prefix`, newest first (cheap in a long history)."""
        return await self._read(functools.partial(queries.jobs_with_id_prefix, prefix))

    async def active_jobs(self) -> list[LocalJob]:
        """Every job that is not terminal (parked ones included), oldest first."""
        return await self._read(queries.active_jobs)

    async def find_publish_duplicates(self, dedupe_key: str) -> list[LocalJob]:
        """Publishes with this key that are pending or posted (not failed, dismissed, stopped)."""
        return await self._read(functools.partial(queries.publish_duplicates, dedupe_key))

    async def unreadable_jobs(
        self,
        *,
        newest: int | None = None,
        kinds: Iterable[JobKind] | None = None,
        states: Iterable[JobState] | None = None,
        unfinished_only: bool = False,
    ) -> list[UnreadableJob]:
        """Stored jobs whose record does not decode (what their indexed columns say), newest
        first; the other queries leave them out, except the publish duplicate guard.

        All of them by default (each record is decoded: slow for a long history). `newest=N`
        checks only the newest N jobs of these kinds and states plus every unfinished job;
        `unfinished_only` checks only the unfinished ones."""
        if newest is not None and newest < 0:
            raise ValueError("newest must be zero or more")
        query = functools.partial(
            queries.unreadable_jobs,
            newest=newest,
            kinds=None if kinds is None else [kind.value for kind in kinds],
            states=None if states is None else [state.value for state in states],
            unfinished_only=unfinished_only,
        )
        return await self._read(query)

    async def recent_durations(self, kind: JobKind) -> list[float]:
        """Seconds the last (up to 20) successful jobs of `kind` took, newest first."""
        return await self._read(functools.partial(queries.recent_durations, kind))

    async def state_history(self, job_id: str) -> list[StateChange]:
        """The states a job went through, oldest first."""
        return await self._read(functools.partial(queries.state_history, job_id))

    async def typical_duration(self, kind: JobKind) -> float | None:
        """Median seconds from creation to finish of the last 20 successful jobs of `kind`."""
        return await self._read(functools.partial(queries.typical_duration, kind))

    async def typical_execution_cost(self, kind: JobKind) -> tuple[Decimal, int] | None:
        """Median cost of the last 20 successful jobs of `kind` (and how many), if 3 or more."""
        return await self._read(functools.partial(queries.typical_execution_cost, kind))

    async def hide_jobs(self, job_ids: Iterable[str]) -> None:
        """Hide jobs from the desktop's jobs panel (history and `genpro jobs` keep them)."""
        ids = tuple(job_ids)
        if ids:
            await self._write(functools.partial(queries.hide_jobs, ids))

    async def unhide_jobs(self, job_ids: Iterable[str]) -> None:
        """Show jobs in the desktop's jobs panel again (undoes `hide_jobs`)."""
        ids = tuple(job_ids)
        if ids:
            await self._write(functools.partial(queries.unhide_jobs, ids))

    async def history_page(
        self, search: str = "", *, limit: int = 200, older_than: str | None = None
    ) -> list[HistoryEntry]:
        """A page of the whole history (hidden jobs too), newest first, matching every word of
        `search` (ids, engine, title, platforms, file, caption); `older_than` (the last job id
        of the previous page) gives the next page."""
        if limit < 0:
            raise ValueError("limit must be zero or more")
        terms = tuple(search.split())
        return await self._read(functools.partial(queries.history_page, terms, limit, older_than))

    async def children_of(self, parent_id: str) -> list[LocalJob]:
        """Jobs started from `parent_id` (a render's downloads and posts), newest first."""
        return await self._read(functools.partial(queries.children_of, parent_id))

    async def hidden_job_ids(self) -> set[str]:
        """The ids of every job hidden from the desktop's jobs panel."""
        return await self._read(queries.hidden_job_ids)

    # -- saved engines and settings ----------------------------------------------------------

    async def saved_engines(self, agent_id: str) -> list[str]:
        """The engine ids saved for an agent, in the order they were saved."""
        return await self._read(functools.partial(queries.saved_engines, agent_id))

    async def save_engine(self, agent_id: str, engine_id: str) -> None:
        """Remember an engine for an agent (saving it again changes nothing)."""
        saved_at = encode_datetime(datetime.now(UTC))
        await self._write(functools.partial(queries.save_engine, agent_id, engine_id, saved_at))

    async def forget_engine(self, agent_id: str, engine_id: str) -> None:
        """Forget a saved engine (forgetting an unknown one changes nothing)."""
        await self._write(functools.partial(queries.forget_engine, agent_id, engine_id))

    async def get_setting(self, key: str) -> Any | None:
        """A JSON setting's value, or None when unset. Secrets never belong here."""
        text = await self._read(functools.partial(queries.get_setting, key))
        return None if text is None else json.loads(text)

    async def set_setting(self, key: str, value: Any) -> None:
        """Store a JSON-serialisable setting; None removes it. Never pass secrets (API keys)."""
        if value is None:
            await self._write(functools.partial(queries.delete_setting, key))
            return
        # Encoded here so a value JSON cannot represent fails in the caller, not the thread.
        text = json.dumps(value, allow_nan=False)
        await self._write(functools.partial(queries.set_setting, key, text))

    # -- plumbing ----------------------------------------------------------------------------

    def _connect(self) -> None:
        self._conn = database.connect(self._path, read_only=self._read_only)

    def _disconnect(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def _submit(self, work: Callable[[], _T]) -> _T:
        if self._closed:
            raise StoreClosedError("The job database is closed.", path=self._path)
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    async def _read(self, query: Callable[[sqlite3.Connection], _T]) -> _T:
        return await self._submit(functools.partial(self._run_read, query))

    async def _write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        if self._read_only:
            raise StoreReadOnlyError(
                "The job database is open read-only because another genpro process is "
                "tracking jobs; nothing was saved.",
                path=self._path,
            )
        await self._submit(functools.partial(self._run_write, change))

    def _run_read(self, query: Callable[[sqlite3.Connection], _T]) -> _T:
        conn = self._live_connection()
        try:
            return query(conn)
        except sqlite3.Error as exc:
            raise StoreError(
                f"Could not read the job database at {self._path}: "
                f"{database.describe_sqlite_error(exc)}.",
                path=self._path,
            ) from exc

    def _run_write(self, change: Callable[[sqlite3.Connection], object]) -> None:
        conn = self._live_connection()
        try:
            with database.transaction(conn):
                change(conn)
        except sqlite3.Error as exc:
            raise database.write_error(exc, self._path) from exc

    def _live_connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreClosedError("The job database is closed.", path=self._path)
        return self._conn


def _default_detail(job: LocalJob) -> str | None:
    """The reason worth keeping next to a state change, when the caller gave none."""
    if job.state in (JobState.FAILED, JobState.STOPPED):
        return job.failed_reason
    if job.state in PARKED_STATES:
        return job.attention_reason or job.failed_reason
    return None


_OPEN_TOKEN = object()
