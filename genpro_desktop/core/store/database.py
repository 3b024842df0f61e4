"""The SQLite file: opening it with the right pragmas, versioned migrations, error wording.

Durability choices (reliability anchors S1): WAL journal, ``synchronous=FULL`` so every commit is
on disk before it returns (a write-ahead intent must survive a power cut, not just a crash),
foreign keys on. Only the store's writer thread ever touches a connection.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from genpro_desktop.core.store.errors import (
    StoreError,
    StoreOpenError,
    StoreVersionError,
    StoreWriteError,
)

__all__ = [
    "BUSY_TIMEOUT_SECONDS",
    "DB_FILENAME",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "connect",
    "describe_sqlite_error",
    "read_schema_version",
    "transaction",
    "write_error",
]

DB_FILENAME = "genpro.sqlite3"

# Another process (the CLI reading while the app writes) may hold a lock for a moment.
BUSY_TIMEOUT_SECONDS = 5.0

_PRIVATE_DIR_MODE = 0o700
_PRIVATE_FILE_MODE = 0o600

# One migration step: an SQL statement, or a function for a data upgrade SQL cannot express.
Step = str | Callable[[sqlite3.Connection], None]

# Version 2 (issue 15): jobs stored before the `failure` field said "not sent: " or
# "not started: " at the start of `failed_reason`, and GEN's code and status only at its end,
# as "(code, HTTP 422)" (before "; sign in again, then retry" when there was that advice).
_OLD_FAILURE_PREFIXES = (("not sent: ", "not_sent"), ("not started: ", "refused"))
_OLD_REFUSAL_TAIL = re.compile(r"\((?:(?P<code>[A-Za-z0-9_.-]+), )?HTTP (?P<status>\d{3})\)\.?$")


def _typed_failures(conn: sqlite3.Connection) -> None:
    """Turn the text prefixes of failed submissions into the typed `failure` (field + column)."""
    reason_sql = "CASE WHEN json_valid(data) THEN json_extract(data, '$.failed_reason') END"
    rows = conn.execute(
        f"SELECT id, data FROM jobs WHERE state = 'failed' AND ({reason_sql} GLOB 'not sent: *' "  # noqa: S608
        f"OR {reason_sql} GLOB 'not started: *')"
    ).fetchall()
    for job_id, data in rows:
        try:
            loaded: object = json.loads(data)
        except ValueError:
            continue  # an unreadable record stays as it is (shown as unreadable)
        if not isinstance(loaded, dict):
            continue
        document = cast("dict[str, object]", loaded)
        reason = str(document.get("failed_reason"))
        matched = [pair for pair in _OLD_FAILURE_PREFIXES if reason.startswith(pair[0])]
        if not matched:
            continue
        prefix, kind = matched[0]
        reason = reason[len(prefix) :]
        document["failed_reason"] = reason
        document["failure"] = kind
        found = _OLD_REFUSAL_TAIL.search(reason.split("; sign in again")[0])
        known = document.get("error_code") is not None or document.get("http_status") is not None
        if found is not None and not known:
            document["error_code"] = found["code"]
            document["http_status"] = int(found["status"])
        conn.execute(
            "UPDATE jobs SET data = ?, failure = ? WHERE id = ?",
            (json.dumps(document, separators=(",", ":"), ensure_ascii=True), kind, job_id),
        )


# One tuple of steps per schema version; never edit a released entry, append a new one.
# `data` holds the whole job as JSON (see codec); the other columns exist only to be queried.
MIGRATIONS: tuple[tuple[Step, ...], ...] = (
    (
        """CREATE TABLE jobs (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            agent_id TEXT,
            remote_id TEXT,
            parent_id TEXT,
            dedupe_key TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX jobs_by_remote ON jobs (kind, remote_id)",
        "CREATE INDEX jobs_by_state ON jobs (state)",
        "CREATE INDEX jobs_by_created ON jobs (created_at)",
        "CREATE INDEX jobs_by_parent ON jobs (parent_id)",
        "CREATE INDEX jobs_by_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL",
        """CREATE TABLE job_states (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            state TEXT NOT NULL,
            at TEXT NOT NULL,
            detail TEXT
        )""",
        "CREATE INDEX job_states_by_job ON job_states (job_id, seq)",
        """CREATE TABLE saved_engines (
            agent_id TEXT NOT NULL,
            engine_id TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (agent_id, engine_id)
        )""",
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
    # 2: a multi-platform post has one duplicate-guard key per platform it may appear on.
    (
        """CREATE TABLE job_dedupe_keys (
            job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            dedupe_key TEXT NOT NULL,
            PRIMARY KEY (job_id, dedupe_key)
        )""",
        "CREATE INDEX job_dedupe_keys_by_key ON job_dedupe_keys (dedupe_key)",
    ),
    # 3 (issue 15): a failed submission's typed failure kind (`FailureKind`: not_sent, refused)
    # instead of a text prefix; "hidden from the jobs panel" per job instead of a capped list of
    # ids in the desktop's settings. `hidden` is not part of the job record: saves keep it.
    (
        "ALTER TABLE jobs ADD COLUMN failure TEXT",
        "ALTER TABLE jobs ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX jobs_hidden ON jobs (id) WHERE hidden = 1",
        _typed_failures,
        "UPDATE jobs SET hidden = 1 WHERE id IN (SELECT value FROM json_each(("
        "SELECT value FROM settings WHERE key = 'desktop.hidden_jobs' "
        "AND json_valid(value) AND json_type(value) = 'array')))",
        "DELETE FROM settings WHERE key = 'desktop.hidden_jobs'",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)

_VERSION_TABLE = """CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
)"""


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open (and in write mode create and migrate) the database; raises `StoreOpenError`."""
    try:
        if read_only:
            conn = _connect_read_only(path)
        else:
            _prepare_file(path)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StoreOpenError(
            f"Could not open the job database at {path}: {_reason(exc)}.", path=path
        ) from exc
    try:
        _configure(conn, path, read_only=read_only)
        if read_only:
            _check_version_read_only(conn, path)
        else:
            _migrate(conn, path)
    except StoreError:
        conn.close()
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise StoreOpenError(
            f"Could not open the job database at {path}: {_reason(exc)}.", path=path
        ) from exc
    return conn


def read_schema_version(conn: sqlite3.Connection) -> int:
    """The highest applied migration, 0 for a new database."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    ).fetchone()
    if exists is None:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Generator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any error."""
    # IMMEDIATE takes the write lock up front, so a read-then-write never hits a busy upgrade.
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back by itself (e.g. after SQLITE_FULL).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def describe_sqlite_error(exc: BaseException) -> str:
    """A short, user-facing reason for a SQLite or OS error (no trailing full stop)."""
    return _reason(exc)


def write_error(exc: BaseException, path: Path) -> StoreWriteError:
    """Wrap a failed write in a `StoreWriteError` that says what happened and what was kept."""
    return StoreWriteError(
        f"Could not save to the job database at {path}: {_reason(exc)}. "
        "Nothing was changed; the last saved state is kept.",
        path=path,
    )


def _reason(exc: BaseException) -> str:
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if name.startswith("SQLITE_FULL"):
        return "the disk is full (free some space and try again)"
    if name.startswith("SQLITE_IOERR"):
        return "the disk reported an input/output error"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "another program kept the database busy"
    if name.startswith("SQLITE_READONLY"):
        return "the database file or its folder is read-only"
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return "the file is damaged or is not a genpro-desktop database"
    if name.startswith("SQLITE_CANTOPEN"):
        return "the file could not be opened (check that the folder exists and is writable)"
    if name.startswith(("SQLITE_PERM", "SQLITE_AUTH")):
        return "permission denied"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _prepare_file(path: Path) -> None:
    """Create the folder (user-only on POSIX) and an empty user-only database file if missing."""
    parent = path.parent
    if not parent.is_dir():
        parent.mkdir(mode=_PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        if os.name == "posix":
            # mkdir's mode is filtered by the umask.
            parent.chmod(_PRIVATE_DIR_MODE)
    # An empty file is a valid empty database; creating it ourselves sets its mode (SQLite gives
    # the -wal and -shm files the same permissions) without a window where it is world-readable.
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE_MODE)
        os.close(fd)


def _connect_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreOpenError(f"There is no job database at {path} yet.", path=path)
    # as_uri() percent-encodes '?', '#' and '%', and gives file:///C:/... on Windows.
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)


def _configure(conn: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
    if read_only:
        # Belt and braces on top of mode=ro: refuse any write at the SQL level too.
        conn.execute("PRAGMA query_only = ON")
        return
    # Fails with "file is not a database" here, before anything is written, for a foreign file.
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
    if mode is None or str(mode[0]).lower() != "wal":
        # Network file systems cannot do WAL; refusing is better than silently losing durability.
        raise StoreOpenError(
            f"The job database at {path} must be on a local disk "
            "(SQLite WAL mode is unavailable there).",
            path=path,
        )


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    with transaction(conn):
        conn.execute(_VERSION_TABLE)
        current = read_schema_version(conn)
        if current > SCHEMA_VERSION:
            raise _too_new(path, current)
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for step in MIGRATIONS[version - 1]:
                if isinstance(step, str):
                    conn.execute(step)
                else:
                    step(conn)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, datetime.now(UTC).isoformat()),
            )
        for statement in SPEED_INDEXES:
            conn.execute(statement)


# Indexes that only make reads fast at scale (100,000 jobs): created when missing, on every
# writable open, outside the numbered migrations, so a database with them still opens in a
# version that does not know them (a version bump would lock an older app out for an index).
# `jobs_unfinished_v1` is partial: its WHERE is exactly `queries.UNFINISHED`, or SQLite will
# not use it; a change to the terminal states needs a new name.
SPEED_INDEXES: tuple[str, ...] = (
    "CREATE INDEX IF NOT EXISTS jobs_by_kind_finished ON jobs (kind, finished_at)",
    "CREATE INDEX IF NOT EXISTS jobs_by_kind_state_created ON jobs (kind, state, created_at)",
    "CREATE INDEX IF NOT EXISTS jobs_unfinished_v1 ON jobs (created_at) WHERE state NOT IN "
    "('completed', 'dismissed', 'downloaded', 'failed', 'stopped')",
)


def _check_version_read_only(conn: sqlite3.Connection, path: Path) -> None:
    current = read_schema_version(conn)
    if current > SCHEMA_VERSION:
        raise _too_new(path, current)
    if current < SCHEMA_VERSION:
        raise StoreOpenError(
            f"The job database at {path} is from an older version; open genpro once to update it.",
            path=path,
        )


def _too_new(path: Path, found: int) -> StoreVersionError:
    return StoreVersionError(
        f"The job database at {path} was written by a newer genpro-desktop "
        f"(schema {found}, this version knows {SCHEMA_VERSION}); please update the app.",
        path=path,
        found=found,
        supported=SCHEMA_VERSION,
    )
