"""The SQLite file: opening it with the right pragmas, versioned migrations, error wording.

Durability choices (reliability anchors S1): WAL journal, ``synchronous=FULL`` so every commit is
on disk before it returns (a write-ahead intent must survive a power cut, not just a crash),
foreign keys on. Only the store's writer thread ever touches a connection.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Generator
from datetime import UTC, datetime
from pathlib import Path

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

# One tuple of statements per schema version; never edit a released entry, append a new one.
# `data` holds the whole job as JSON (see codec); the other columns exist only to be queried.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
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
            for statement in MIGRATIONS[version - 1]:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                (version, datetime.now(UTC).isoformat()),
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
