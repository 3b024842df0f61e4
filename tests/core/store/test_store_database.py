"""The SQLite file itself: migrations, pragmas, permissions, refusing foreign or newer files."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from genpro_desktop.core.paths import AppPaths
from genpro_desktop.core.store import (
    DB_FILENAME,
    SCHEMA_VERSION,
    Store,
    StoreClosedError,
    StoreOpenError,
    StoreVersionError,
    database,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX-only")


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    return {name for (name,) in rows}


def _applied_versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    conn.close()
    return [version for (version,) in rows]


def test_open_creates_and_migrates_an_empty_database(db_path: Path) -> None:
    assert not db_path.parent.exists()
    Store.open(db_path).close()
    assert db_path.is_file()
    assert {"schema_version", "jobs", "job_states", "saved_engines", "settings"} <= _tables(db_path)
    assert _applied_versions(db_path) == list(range(1, SCHEMA_VERSION + 1))


async def test_reopening_keeps_data_and_applies_no_migration_twice(db_path: Path) -> None:
    store = Store.open(db_path)
    await store.set_setting("theme", "dark")
    await store.aclose()
    reopened = Store.open(db_path)
    try:
        assert await reopened.get_setting("theme") == "dark"
    finally:
        await reopened.aclose()
    assert _applied_versions(db_path) == list(range(1, SCHEMA_VERSION + 1))


async def test_default_uses_the_data_dir(tmp_path: Path) -> None:
    paths = AppPaths(
        data_dir=tmp_path / "data",
        cache_dir=tmp_path / "cache",
        log_dir=tmp_path / "logs",
        downloads_dir=tmp_path / "downloads",
        config_dir=tmp_path / "config",
    )
    store = Store.default(paths)
    try:
        assert store.path == tmp_path / "data" / DB_FILENAME
        assert not store.read_only
    finally:
        await store.aclose()


def test_connection_pragmas_are_wal_full_sync_and_foreign_keys(db_path: Path) -> None:
    conn = database.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    finally:
        conn.close()


async def test_the_store_connection_lives_on_its_own_writer_thread(store: Store) -> None:
    def probe(conn: sqlite3.Connection) -> tuple[str, str, int]:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
        return threading.current_thread().name, mode, sync

    thread_name, mode, sync = await store._read(probe)
    assert thread_name.startswith("genpro-store")
    assert thread_name != threading.current_thread().name
    assert (mode, sync) == ("wal", 2)


async def test_a_newer_schema_is_refused(db_path: Path) -> None:
    store = Store.open(db_path)
    await store.aclose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer genpro-desktop") as caught:
        Store.open(db_path)
    assert (caught.value.found, caught.value.supported) == (99, SCHEMA_VERSION)
    with pytest.raises(StoreVersionError):
        Store.open(db_path, read_only=True)


def test_a_file_that_is_not_a_database_is_refused_untouched(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    junk = b"this is a text file, not SQLite\n" * 100
    db_path.write_bytes(junk)
    with pytest.raises(StoreOpenError, match="not a genpro-desktop database"):
        Store.open(db_path)
    assert db_path.read_bytes() == junk


def test_read_only_open_of_a_missing_database_says_so(db_path: Path) -> None:
    with pytest.raises(StoreOpenError, match="no job database"):
        Store.open(db_path, read_only=True)
    assert not db_path.exists()


async def test_a_closed_store_refuses_work_and_closes_twice(store: Store) -> None:
    await store.aclose()
    await store.aclose()
    store.close()
    assert store.closed
    with pytest.raises(StoreClosedError):
        await store.get_job("anything")


def test_sync_close_finishes_without_a_loop(db_path: Path) -> None:
    store = Store.open(db_path)
    store.close()
    store.close()
    assert store.closed


def test_store_cannot_be_constructed_directly(db_path: Path) -> None:
    with pytest.raises(TypeError, match=r"Store\.open"):
        Store(db_path, read_only=False)


@posix_only
def test_new_folder_and_database_are_private(db_path: Path) -> None:
    Store.open(db_path).close()
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600


def test_importing_the_store_first_in_a_fresh_interpreter_works() -> None:
    # Guards against an import cycle store -> jobs.model -> jobs/__init__ -> tracker -> store.
    result = subprocess.run(
        [sys.executable, "-c", "import genpro_desktop.core.store as s; print(s.Store.__name__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Store"
