"""Fault matrix row 15 at the tracker: a full disk under a download and under the job store.

The download writes through an opener whose files accept only so many bytes (then ENOSPC, as a
full disk does); the store's writes are made to fail the way SQLite reports a full disk. Both
run against the simulator over real sockets.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
from pathlib import Path
from typing import BinaryIO

import pytest
from jobs_harness import Harness, LinkedClock

from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.jobs import JobEvent, JobState, LocalJob
from genpro_desktop.core.resources import resource_path
from genpro_desktop.core.store import Store
from genpro_desktop.core.store.database import write_error
from genpro_desktop.simulator import Simulator

SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
CDN = r"/cdn/outputs/"
ROOM = 100_000


class Disk:
    """Files opened through it accept `room` bytes in all, then fail with ENOSPC."""

    def __init__(self, room: int) -> None:
        self.room = room

    def __call__(self, path: Path, mode: str) -> BinaryIO:
        return _Cramped(path.open(mode), self)  # type: ignore[return-value]


class _Cramped:
    def __init__(self, inner: BinaryIO, disk: Disk) -> None:
        self.inner = inner
        self.disk = disk

    def write(self, data: bytes) -> int:
        fits = min(len(data), self.disk.room)
        self.inner.write(data[:fits])
        self.disk.room -= fits
        if fits < len(data):
            self.inner.flush()
            raise OSError(errno.ENOSPC, "No space left on device")
        return fits

    def flush(self) -> None:
        self.inner.flush()

    def fileno(self) -> int:
        return self.inner.fileno()

    def close(self) -> None:
        self.inner.close()


async def test_row15_a_full_disk_fails_the_download_keeps_the_part_and_a_retry_resumes(
    sim: Simulator, store: Store, linked_clock: LinkedClock, tmp_path: Path
):
    disk = Disk(ROOM)
    folder = tmp_path / "videos"
    built = Harness(
        sim, store, linked_clock, folder, downloader=Downloader(opener=disk, chunk_size=4096)
    )
    await built.start()
    try:
        render = await built.submit(0)
        assert (await built.settle(render.id)).state is JobState.COMPLETED
        failed = await built.settle((await built.tracker.download(render.id)).id)
        assert failed.state is JobState.FAILED
        assert failed.failed_reason
        assert "not enough disk space" in failed.failed_reason
        assert "need" in failed.failed_reason
        assert "retry to resume" in failed.failed_reason
        assert failed.can_retry()
        assert failed.part_path
        assert built.file_size(failed.part_path) == ROOM  # what fitted is kept for the resume
        assert [p.name for p in folder.iterdir()] == [Path(failed.part_path).name]  # no half file
        assert (await built.tracker.get(render.id)).state is JobState.COMPLETED

        disk.room = 10 * len(SAMPLE)  # the user made room
        done = await built.settle((await built.tracker.retry(failed.id)).id)
        assert done.state is JobState.DOWNLOADED
        assert done.sha256 == SAMPLE_SHA256
        assert done.target_path
        assert built.file_sha256(done.target_path) == SAMPLE_SHA256
        last = sim.journal.last("GET", CDN)
        assert last.headers.get("Range") == f"bytes={ROOM}-"
    finally:
        await built.aclose()


async def test_row15_a_store_that_cannot_write_keeps_its_last_state_and_the_app_running(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
):
    # Still processing at the first read (~15 s without history), completed at a later one.
    harness.sim.state.script_render(pending_s=2, done_s=30)
    job = await harness.submit(0)
    assert job.state is JobState.PENDING

    attempted: list[LocalJob] = []

    async def disk_full(snapshot: LocalJob) -> None:
        attempted.append(snapshot)
        raise write_error(OSError(errno.ENOSPC, "No space left on device"), harness.store.path)

    complaints: list[JobEvent] = []
    complained = asyncio.Event()

    def on_event(event: JobEvent) -> None:
        if event.detail and "could not save" in event.detail:
            complaints.append(event)
            if event.job and event.job.state is JobState.COMPLETED:
                complained.set()

    # No await since submit() returned: the job's poll task has not run yet, so the disk is full
    # before it can save anything (an await first let a fast poll save PROCESSING in time).
    harness.hub.subscribe(on_event)
    monkeypatch.setattr(harness.store, "save_job", disk_full)
    committed = await harness.store.get_job(job.id)
    assert committed is not None
    assert committed.state is JobState.PENDING
    # GEN moves the render on and finishes it while nothing can be written.
    await asyncio.wait_for(complained.wait(), 10)
    assert [s.state for s in attempted] == [JobState.PROCESSING, JobState.COMPLETED]
    assert "last saved state is kept" in (complaints[0].detail or "")
    # Reads still work and show the last committed state, unchanged.
    stored = await harness.store.get_job(job.id)
    assert stored == committed
    # The app is still running on what it knows: the render is completed in memory.
    assert (await harness.tracker.get(job.id)).state is JobState.COMPLETED

    monkeypatch.undo()  # room again; a restart picks the job up from what was committed
    await harness.restart()
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert harness.sim.journal.count("POST", r"/render$") == 1
