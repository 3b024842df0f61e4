"""A write that fails (disk full) raises StoreWriteError and keeps the last committed state."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from store_helpers import MakeJob

from genpro_desktop.core.jobs.model import JobKind, JobState
from genpro_desktop.core.store import Store, StoreWriteError


async def _cap_file_at_current_size(store: Store) -> None:
    """Make SQLite refuse to grow the file, as on a full disk (SQLITE_FULL on the next page)."""

    def cap(conn: sqlite3.Connection) -> None:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}").fetchone()

    await store._read(cap)


async def test_disk_full_raises_a_clear_error_and_keeps_the_committed_state(
    db_path: Path, make_job: MakeJob
) -> None:
    store = Store.open(db_path)
    job = make_job(JobKind.PUBLISH, JobState.PENDING, caption="first caption")
    await store.save_job(job)
    await _cap_file_at_current_size(store)

    grown = make_job(JobKind.PUBLISH, JobState.PROCESSING, id=job.id, caption="x" * 300_000)
    with pytest.raises(StoreWriteError) as caught:
        await store.save_job(grown)
    message = str(caught.value)
    assert "disk is full" in message
    assert str(db_path) in message
    assert "last saved state is kept" in message
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)

    # The store keeps working for reads, and still holds the previous version.
    assert await store.get_job(job.id) == job
    assert [change.state for change in await store.state_history(job.id)] == [JobState.PENDING]
    with pytest.raises(StoreWriteError, match="disk is full"):
        await store.save_job(make_job(caption="y" * 300_000))
    await store.aclose()

    # After a restart, the committed state is exactly what was there before the failures.
    async with Store.open(db_path) as reopened:
        assert await reopened.list_jobs() == [job]
        assert [c.state for c in await reopened.state_history(job.id)] == [JobState.PENDING]
        # With room again, the same write succeeds.
        await reopened.save_job(grown)
        assert await reopened.get_job(job.id) == grown
