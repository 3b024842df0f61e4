"""Read-only opening (the CLI while the desktop app tracks jobs) next to a live writer."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import MakeJob

from genpro_desktop.core.jobs.model import JobState
from genpro_desktop.core.store import Store, StoreReadOnlyError, StoreWriteError


async def test_a_reader_follows_a_live_writer(
    store: Store, db_path: Path, make_job: MakeJob
) -> None:
    first = make_job()
    await store.save_job(first)
    reader = Store.open(db_path, read_only=True)
    try:
        assert reader.read_only
        assert [job.id for job in await reader.list_jobs()] == [first.id]
        # The writer keeps going while the reader is open; the reader sees each commit.
        first.state = JobState.PROCESSING
        await store.save_job(first)
        second = make_job()
        await store.save_job(second)
        assert [job.id for job in await reader.list_jobs()] == [second.id, first.id]
        assert await reader.get_job(first.id) == first
        assert [c.state for c in await reader.state_history(first.id)] == [
            JobState.PENDING,
            JobState.PROCESSING,
        ]
    finally:
        await reader.aclose()


async def test_a_reader_refuses_every_write(store: Store, db_path: Path, make_job: MakeJob) -> None:
    kept = make_job()
    await store.save_job(kept)
    reader = Store.open(db_path, read_only=True)
    try:
        writes = [
            reader.save_job(make_job()),
            reader.record_intent(make_job(state=JobState.SUBMITTING)),
            reader.save_engine("4711", "e1"),
            reader.forget_engine("4711", "e1"),
            reader.set_setting("k", 1),
        ]
        for write in writes:
            with pytest.raises(StoreReadOnlyError, match="read-only") as caught:
                await write
            assert isinstance(caught.value, StoreWriteError)
    finally:
        await reader.aclose()
    assert [job.id for job in await store.list_jobs()] == [kept.id]


async def test_a_reader_opens_after_the_writer_closed(db_path: Path, make_job: MakeJob) -> None:
    writer = Store.open(db_path)
    job = make_job()
    await writer.save_job(job)
    await writer.aclose()
    async with Store.open(db_path, read_only=True) as reader:
        assert await reader.get_job(job.id) == job
