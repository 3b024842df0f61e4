"""The SQL of the store; every function here runs on the store's writer thread.

Each function takes the connection as its last argument so the facade can bind the others with
`functools.partial` and hand the call to the writer thread. Write functions run inside the
transaction the facade opens; they never commit themselves.
"""

from __future__ import annotations

import logging
import sqlite3
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from genpro_desktop.core.jobs.model import (
    TERMINAL_STATES,
    JobKind,
    JobState,
    LocalJob,
    can_transition,
)
from genpro_desktop.core.store.codec import JobRow, decode_datetime, job_from_json
from genpro_desktop.core.store.errors import TerminalStateError

__all__ = [
    "TYPICAL_MINIMUM",
    "TYPICAL_SAMPLE",
    "HistoryEntry",
    "StateChange",
    "StateEntry",
    "UnreadableJob",
    "active_jobs",
    "children_of",
    "delete_setting",
    "find_by_remote",
    "forget_engine",
    "get_job",
    "get_setting",
    "hidden_job_ids",
    "hide_jobs",
    "history_page",
    "jobs_with_id_prefix",
    "list_jobs",
    "publish_duplicates",
    "recent_durations",
    "save_engine",
    "save_job",
    "saved_engines",
    "set_setting",
    "state_history",
    "typical_duration",
    "typical_execution_cost",
    "unhide_jobs",
    "unreadable_jobs",
]

_log = logging.getLogger(__name__)

# How many recent finished jobs feed the typical duration, and how few are too few to say.
TYPICAL_SAMPLE = 20
TYPICAL_MINIMUM = 3

_DONE_STATES = (JobState.COMPLETED.value, JobState.DOWNLOADED.value)
_NOT_DUPLICATE_STATES = (JobState.FAILED.value, JobState.DISMISSED.value, JobState.STOPPED.value)
_NOT_DUPLICATE_MARKS = ", ".join("?" for _ in _NOT_DUPLICATE_STATES)
# A publish or post holding the key in its column or (a post's platforms) in job_dedupe_keys.
_DUPLICATE_WHERE = (  # fixed marks only; every value is bound
    "kind IN (?, ?) AND (dedupe_key = ? OR id IN "  # noqa: S608
    "(SELECT job_id FROM job_dedupe_keys WHERE dedupe_key = ?)) "
    "AND state NOT IN (" + _NOT_DUPLICATE_MARKS + ")"
)
_TERMINAL = tuple(sorted(state.value for state in TERMINAL_STATES))
# Not finished: the WHERE of the partial index `jobs_unfinished_v1` (database.SPEED_INDEXES),
# spelled with literals, as SQLite uses a partial index only for a WHERE it can match to it.
UNFINISHED = "state NOT IN (" + ", ".join(f"'{value}'" for value in _TERMINAL) + ")"
_JOB_COLUMNS = ", ".join(JobRow._fields)
# Built from the JobRow field names only; every value is bound as a ? parameter.
_UPSERT = (
    f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({', '.join('?' for _ in JobRow._fields)}) "  # noqa: S608
    "ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in JobRow._fields if name != "id")
)
_NEWEST_FIRST = "ORDER BY created_at DESC, rowid DESC"
_OLDEST_FIRST = "ORDER BY created_at ASC, rowid ASC"


@dataclass(frozen=True, slots=True)
class StateChange:
    """One entry of a job's state history."""

    state: JobState
    at: datetime
    detail: str | None


@dataclass(frozen=True, slots=True)
class StateEntry:
    """The history entry a save appends if the state changed (`at` already encoded)."""

    state: JobState
    at: str
    detail: str | None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """A job of the history view, and whether the user hid it from the jobs panel."""

    job: LocalJob
    hidden: bool


@dataclass(frozen=True, slots=True)
class UnreadableJob:
    """A stored job whose record does not decode (damaged, or from a newer version).

    Only its indexed columns are known; values are the raw column text (a kind or state this
    version does not know stays as written). It is shown, never saved back: the record is kept
    as it is for the version that can read it.
    """

    id: str
    kind: str
    state: str
    agent_id: str | None
    remote_id: str | None
    dedupe_key: str | None
    created_at: datetime | None
    error: str


# -- jobs ------------------------------------------------------------------------------------


def save_job(
    row: JobRow,
    entry: StateEntry,
    conn: sqlite3.Connection,
    *,
    dedupe_keys: tuple[str, ...] | None = None,
) -> None:
    """Upsert a job row, refusing to leave a terminal state; log a state change in history.

    `dedupe_keys` (a multi-platform post) replaces the job's per-platform guard keys.
    """
    previous = conn.execute("SELECT state FROM jobs WHERE id = ?", (row.id,)).fetchone()
    old: str | None = previous[0] if previous is not None else None
    if old is not None and old != row.state:
        try:
            old_state = JobState(old)
        except ValueError:
            old_state = None  # a state from a newer version: not ours to police
        if old_state is not None and not can_transition(old_state, entry.state):
            raise TerminalStateError(row.id, old, row.state)
    conn.execute(_UPSERT, tuple(row))
    if dedupe_keys is not None:
        conn.execute("DELETE FROM job_dedupe_keys WHERE job_id = ?", (row.id,))
        conn.executemany(
            "INSERT OR IGNORE INTO job_dedupe_keys (job_id, dedupe_key) VALUES (?, ?)",
            [(row.id, key) for key in dedupe_keys],
        )
    if old != row.state:
        conn.execute(
            "INSERT INTO job_states (job_id, state, at, detail) VALUES (?, ?, ?, ?)",
            (row.id, row.state, entry.at, entry.detail),
        )


def get_job(job_id: str, conn: sqlite3.Connection) -> LocalJob | None:
    """The job with this local id, or None."""
    jobs = _select(_jobs_sql("id = ?"), (job_id,), conn)
    return jobs[0] if jobs else None


def find_by_remote(kind: JobKind, remote_id: str, conn: sqlite3.Connection) -> LocalJob | None:
    """The newest job of `kind` with this GEN id, or None."""
    sql = _jobs_sql("kind = ? AND remote_id = ?", limit=True)
    jobs = _select(sql, (kind.value, remote_id, 1), conn)
    return jobs[0] if jobs else None


def list_jobs(
    kinds: Iterable[str] | None,
    states: Iterable[str] | None,
    limit: int | None,
    conn: sqlite3.Connection,
    *,
    older_than: str | None = None,
) -> list[LocalJob]:
    """Jobs newest first, filtered by kind/state values (None = any) and capped at `limit`;
    with `older_than` (a job id), only jobs after that one in this order (the next page)."""
    where = _filter(kinds, states)
    if where is None:
        return []
    clause, params = where
    if older_than is not None:
        # Keyset paging on the created_at index: reads one page, however long the history.
        after = "(created_at, rowid) < (SELECT created_at, rowid FROM jobs WHERE id = ?)"
        clause = f"{clause} AND {after}" if clause else after
        params.append(older_than)
    if limit is not None:
        params.append(limit)
    return _select(_jobs_sql(clause, limit=limit is not None), tuple(params), conn)


# What the history view's search looks in: the record's engine, title (engine and row),
# platforms, file and caption, as text; the local and GEN ids by their start (a few characters of
# an id found in the middle of another would match almost anything).
_SEARCHED = " || char(31) || ".join(
    f"coalesce(json_extract(data, '$.{name}'), '')"
    for name in (
        "engine_id",
        "title",
        "platform",
        "post_platforms",
        "target_path",
        "caption",
        "post_title",
    )
)
ID_PREFIX_MINIMUM = 4  # shorter words are not looked for in ids


def history_page(
    terms: tuple[str, ...], limit: int, older_than: str | None, conn: sqlite3.Connection
) -> list[HistoryEntry]:
    """One page of every job (hidden ones included), newest first, each matching every term.

    Keyset paging on the created_at index (`older_than`: the last job id of the page before):
    a page reads the index from where the last one stopped and ends after `limit` matches, so
    the cost of a page does not grow with the history's length when the search matches often.
    """
    clauses: list[str] = []
    params: list[object] = []
    if older_than is not None:
        clauses.append("(created_at, rowid) < (SELECT created_at, rowid FROM jobs WHERE id = ?)")
        params.append(older_than)
    if terms:
        searched = f"instr(lower({_SEARCHED}), ?) > 0"
        for term in terms:
            word = term.lower()
            if term.isascii() and term.isprintable() and not {'"', "\\"} & set(term):
                # The record holds every searched field and the ids (JSON escapes only
                # non-ASCII, quotes, backslashes and control characters): a cheap first test
                # that spares most records the field extraction when the word is rare.
                clauses.append("instr(lower(data), ?) > 0")
                params.append(word)
            if len(term) >= ID_PREFIX_MINIMUM:
                by_id = "substr(lower(id), 1, ?) = ? OR substr(lower(remote_id), 1, ?) = ?"
                clauses.append(f"({by_id} OR {searched})")
                params.extend([len(word), word, len(word), word, word])
            else:
                clauses.append(searched)
                params.append(word)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT {_JOB_COLUMNS}, hidden FROM jobs{where} {_NEWEST_FIRST} LIMIT ?"  # noqa: S608
    params.append(limit)
    entries: list[HistoryEntry] = []
    for values in conn.execute(sql, tuple(params)).fetchall():
        row = JobRow(*values[:-1])
        try:
            job = job_from_json(row.data, fallback=_fallback(row))
        except (ValueError, TypeError) as exc:
            _log.warning("stored job %s cannot be read: %s", row.id, exc)
            job = _stand_in(row, exc)
        entries.append(HistoryEntry(job, bool(values[-1])))
    return entries


def children_of(parent_id: str, conn: sqlite3.Connection) -> list[LocalJob]:
    """Jobs started from `parent_id` (a render's downloads and posts), newest first."""
    return _select(_jobs_sql("parent_id = ?"), (parent_id,), conn)


def _filter(
    kinds: Iterable[str] | None, states: Iterable[str] | None
) -> tuple[str, list[object]] | None:
    """The WHERE for kind/state values (None = any; "" when neither); None if nothing can match."""
    clauses: list[str] = []
    params: list[object] = []
    for column, values in (("kind", kinds), ("state", states)):
        if values is not None:
            wanted = sorted(set(values))
            if not wanted:
                return None
            clauses.append(f"{column} IN ({_placeholders(len(wanted))})")
            params.extend(wanted)
    return " AND ".join(clauses), params


def jobs_with_id_prefix(prefix: str, conn: sqlite3.Connection) -> list[LocalJob]:
    """Jobs whose local id starts with `prefix`, newest first (compared on the id index, so
    only the matches are decoded)."""
    # A range of the id's own index (the highest code point closes it); substr keeps it exact.
    where = "id >= ? AND id < ? AND substr(id, 1, ?) = ?"
    return _select(_jobs_sql(where), (prefix, prefix + "\U0010ffff", len(prefix), prefix), conn)


def active_jobs(conn: sqlite3.Connection) -> list[LocalJob]:
    """Every job not in a terminal state, oldest first (from the partial index: the finished
    history, however long, is never read)."""
    return _select(_jobs_sql(UNFINISHED, order=_OLDEST_FIRST), (), conn)


def publish_duplicates(dedupe_key: str, conn: sqlite3.Connection) -> list[LocalJob]:
    """Publishes and posts with this key that are not failed, dismissed or stopped, newest first.

    A multi-platform post matches through any of its platforms' keys (`job_dedupe_keys`).
    Decided on the indexed columns: a row whose record cannot be read still counts, as a
    stand-in built from those columns (never saved), so an unreadable post is not sent again.
    """
    where = _DUPLICATE_WHERE
    params = (
        JobKind.PUBLISH.value,
        JobKind.POST.value,
        dedupe_key,
        dedupe_key,
        *_NOT_DUPLICATE_STATES,
    )
    return _select(_jobs_sql(where), params, conn, stand_ins=True)


def unreadable_jobs(
    conn: sqlite3.Connection,
    *,
    newest: int | None = None,
    kinds: Iterable[str] | None = None,
    states: Iterable[str] | None = None,
    unfinished_only: bool = False,
) -> list[UnreadableJob]:
    """Stored jobs whose record does not decode, newest first.

    Every job by default. Deciding means decoding each record (a second per ~10,000 jobs), so
    callers that show a window of the history check that window: `newest=N` checks the newest
    N jobs with these kind/state column values (None = any) and every unfinished job (an
    unreadable job that is still running is never hidden); `unfinished_only` checks only the
    unfinished ones (all the tracker can follow).
    """
    if unfinished_only:
        rows = conn.execute(_jobs_sql(UNFINISHED), ()).fetchall()
    elif newest is not None:
        where = _filter(kinds, states)
        clause, params = where if where is not None else ("0", [])
        # Two reads, each on its index (as one UNION, SQLite scans the whole state index).
        window = conn.execute(_jobs_sql(clause, limit=True), (*params, newest)).fetchall()
        unfinished = conn.execute(_jobs_sql(UNFINISHED), ()).fetchall()
        by_id = {JobRow(*values).id: values for values in (*window, *unfinished)}
        # Newest first, as `_NEWEST_FIRST` (rowid breaks ties there; the id is as stable).
        rows = sorted(
            by_id.values(), key=lambda values: (JobRow(*values).created_at, JobRow(*values).id)
        )[::-1]
    else:
        rows = conn.execute(_jobs_sql(), ()).fetchall()
    found: list[UnreadableJob] = []
    for values in rows:
        row = JobRow(*values)
        try:
            job_from_json(row.data, fallback=_fallback(row))
        except (ValueError, TypeError) as exc:
            found.append(
                UnreadableJob(
                    id=row.id,
                    kind=row.kind,
                    state=row.state,
                    agent_id=row.agent_id,
                    remote_id=row.remote_id,
                    dedupe_key=row.dedupe_key,
                    created_at=_column_time(row.created_at),
                    error=_short_error(exc),
                )
            )
    return found


def recent_durations(kind: JobKind, conn: sqlite3.Connection) -> list[float]:
    """Creation-to-finish seconds of the last (up to 20) successful jobs of `kind`, newest first;
    however few there are (the poll plan uses even one; `typical_duration` wants 3)."""
    rows = conn.execute(
        "SELECT created_at, finished_at, json_extract(data, '$.gen_seconds') FROM jobs "
        "WHERE kind = ? AND state IN (?, ?) "
        "AND finished_at IS NOT NULL ORDER BY finished_at DESC, rowid DESC LIMIT ?",
        (kind.value, *_DONE_STATES, TYPICAL_SAMPLE),
    ).fetchall()
    durations: list[float] = []
    for created, finished, gen_seconds in rows:
        if isinstance(gen_seconds, int | float) and gen_seconds >= 0:
            # GEN's own time: a job that ended while the app was closed is not hours long.
            durations.append(float(gen_seconds))
            continue
        try:
            seconds = (decode_datetime(finished) - decode_datetime(created)).total_seconds()
        except (TypeError, ValueError) as exc:
            _log.warning("skipping a %s duration that cannot be read: %s", kind.value, exc)
            continue
        # A wall clock set back mid-job gives a negative span: no information, skip it.
        if seconds >= 0:
            durations.append(seconds)
    return durations


def state_history(job_id: str, conn: sqlite3.Connection) -> list[StateChange]:
    """A job's state changes, oldest first."""
    changes: list[StateChange] = []
    rows = conn.execute(
        "SELECT state, at, detail FROM job_states WHERE job_id = ? ORDER BY seq", (job_id,)
    ).fetchall()
    for state, at, detail in rows:
        try:
            changes.append(StateChange(JobState(state), decode_datetime(at), detail))
        except ValueError as exc:
            _log.warning("skipping unreadable history entry of job %s: %s", job_id, exc)
    return changes


def typical_duration(kind: JobKind, conn: sqlite3.Connection) -> float | None:
    """Median creation-to-finish seconds of the last successful jobs of `kind`, if enough (the
    same sample as `recent_durations`; `typical_execution_cost` is its counterpart for cost)."""
    durations = recent_durations(kind, conn)
    if len(durations) < TYPICAL_MINIMUM:
        return None
    return float(statistics.median(durations))


def typical_execution_cost(kind: JobKind, conn: sqlite3.Connection) -> tuple[Decimal, int] | None:
    """Median cost GEN reported for the last successful jobs of `kind`, and how many, if enough."""
    rows = conn.execute(
        "SELECT json_extract(data, '$.execution_cost') FROM jobs WHERE kind = ? "
        "AND state IN (?, ?) AND finished_at IS NOT NULL "
        "AND json_extract(data, '$.execution_cost') IS NOT NULL "
        "ORDER BY finished_at DESC, rowid DESC LIMIT ?",
        (kind.value, *_DONE_STATES, TYPICAL_SAMPLE),
    ).fetchall()
    costs: list[Decimal] = []
    for (raw,) in rows:
        try:
            cost = Decimal(str(raw))
        except InvalidOperation:
            continue
        if cost.is_finite() and cost > 0:  # a zero cost is a refund, not a price
            costs.append(cost)
    if len(costs) < TYPICAL_MINIMUM:
        return None
    return statistics.median(costs), len(costs)


# -- saved engines and settings --------------------------------------------------------------


def saved_engines(agent_id: str, conn: sqlite3.Connection) -> list[str]:
    """Engine ids saved for an agent, in saving order."""
    rows = conn.execute(
        "SELECT engine_id FROM saved_engines WHERE agent_id = ? ORDER BY rowid", (agent_id,)
    ).fetchall()
    return [str(engine_id) for (engine_id,) in rows]


def save_engine(agent_id: str, engine_id: str, saved_at: str, conn: sqlite3.Connection) -> None:
    """Remember an engine (a second save keeps the first one's position)."""
    conn.execute(
        "INSERT OR IGNORE INTO saved_engines (agent_id, engine_id, saved_at) VALUES (?, ?, ?)",
        (agent_id, engine_id, saved_at),
    )


def forget_engine(agent_id: str, engine_id: str, conn: sqlite3.Connection) -> None:
    """Forget a saved engine."""
    conn.execute(
        "DELETE FROM saved_engines WHERE agent_id = ? AND engine_id = ?", (agent_id, engine_id)
    )


def hide_jobs(job_ids: tuple[str, ...], conn: sqlite3.Connection) -> None:
    """Mark jobs hidden from the desktop's jobs panel (unknown ids change nothing)."""
    conn.executemany("UPDATE jobs SET hidden = 1 WHERE id = ?", [(job_id,) for job_id in job_ids])


def unhide_jobs(job_ids: tuple[str, ...], conn: sqlite3.Connection) -> None:
    """Show jobs in the desktop's jobs panel again (undo of `hide_jobs`)."""
    conn.executemany("UPDATE jobs SET hidden = 0 WHERE id = ?", [(job_id,) for job_id in job_ids])


def hidden_job_ids(conn: sqlite3.Connection) -> set[str]:
    """The ids of every job hidden from the jobs panel."""
    return {str(row[0]) for row in conn.execute("SELECT id FROM jobs WHERE hidden = 1")}


def get_setting(key: str, conn: sqlite3.Connection) -> str | None:
    """A setting's JSON text, or None."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_setting(key: str, text: str, conn: sqlite3.Connection) -> None:
    """Store a setting's JSON text."""
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )


def delete_setting(key: str, conn: sqlite3.Connection) -> None:
    """Remove a setting."""
    conn.execute("DELETE FROM settings WHERE key = ?", (key,))


# -- helpers ---------------------------------------------------------------------------------


def _select(
    sql: str, params: tuple[object, ...], conn: sqlite3.Connection, *, stand_ins: bool = False
) -> list[LocalJob]:
    jobs: list[LocalJob] = []
    for values in conn.execute(sql, params).fetchall():
        row = JobRow(*values)
        try:
            jobs.append(job_from_json(row.data, fallback=_fallback(row)))
        except (ValueError, TypeError) as exc:
            # One unreadable row (e.g. a state from a newer version) must not hide the rest;
            # `unreadable_jobs` lists it for the user.
            _log.warning("stored job %s cannot be read: %s", row.id, exc)
            if stand_ins:
                jobs.append(_stand_in(row, exc))
    return jobs


def _stand_in(row: JobRow, exc: Exception) -> LocalJob:
    """What the indexed columns say about an unreadable row, as a job (for guards, not saving)."""
    try:
        kind = JobKind(row.kind)
    except ValueError:
        kind = JobKind.PUBLISH
    try:
        state = JobState(row.state)
    except ValueError:
        state = JobState.OUTCOME_UNKNOWN  # a state from a newer version: assume it was sent
    created = _column_time(row.created_at) or datetime.fromtimestamp(0, UTC)
    return LocalJob(
        id=row.id,
        kind=kind,
        state=state,
        agent_id=row.agent_id,
        created_at=created,
        updated_at=_column_time(row.updated_at) or created,
        remote_id=row.remote_id,
        parent_id=row.parent_id,
        dedupe_key=row.dedupe_key,
        attention_reason=f"its stored record cannot be read ({_short_error(exc)})",
    )


def _column_time(text: str | None) -> datetime | None:
    """An indexed time column (UTC, see codec.sort_key) as an aware datetime, or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _short_error(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _jobs_sql(where: str = "", *, order: str = _NEWEST_FIRST, limit: bool = False) -> str:
    """A SELECT over jobs; `where` is a fixed fragment of this module, values are ? parameters."""
    sql = f"SELECT {_JOB_COLUMNS} FROM jobs"  # noqa: S608 -- fixed names, bound values
    if where:
        sql += f" WHERE {where}"
    sql += f" {order}"
    if limit:
        sql += " LIMIT ?"
    return sql


def _placeholders(count: int) -> str:
    return ", ".join("?" for _ in range(count))


def _fallback(row: JobRow) -> dict[str, object]:
    """Indexed column values that stand in for fields missing from an old JSON document."""
    return {
        "id": row.id,
        "kind": row.kind,
        "state": row.state,
        "agent_id": row.agent_id,
        "remote_id": row.remote_id,
        "parent_id": row.parent_id,
        "dedupe_key": row.dedupe_key,
    }
