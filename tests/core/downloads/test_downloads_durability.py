"""Checkpoint cadence, the stall watchdog, a disk that fills up, and resuming after a cancel."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import itertools
import re
from pathlib import Path
from typing import BinaryIO

import pytest

from genpro_desktop.core.clock import FakeClock
from genpro_desktop.core.downloads import (
    NO_RECONNECTS,
    Downloader,
    DownloadError,
    DownloadIncompleteError,
    DownloadProgress,
    InsufficientSpaceError,
    ResumeState,
)
from genpro_desktop.core.downloads.cadence import CHECKPOINT_BYTES
from genpro_desktop.core.downloads.downloader import CHUNK_SIZE
from genpro_desktop.core.downloads.part import is_disk_full
from genpro_desktop.core.resources import resource_path
from genpro_desktop.simulator import Simulator, faults

SAMPLE = resource_path("sample/render.mp4").read_bytes()
SAMPLE_SHA256 = hashlib.sha256(SAMPLE).hexdigest()
MIB = 1024 * 1024


class TickingClock:
    """A monotonic clock that moves `step` seconds every time it is read; `t` peeks."""

    def __init__(self, step: float) -> None:
        self.step = step
        self.t = 0.0

    def now(self) -> float:
        self.t += self.step
        return self.t


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def size_of(path: Path | None) -> int:
    assert path is not None
    return path.stat().st_size


def cdn_ranges(sim: Simulator) -> list[str | None]:
    """The Range header of every CDN request, in journal order."""
    return [
        {k.lower(): v for k, v in e.headers.items()}.get("range")
        for e in sim.journal.requests
        if e.is_cdn
    ]


def last_cdn_range(sim: Simulator) -> str | None:
    entry = [e for e in sim.journal.requests if e.is_cdn][-1]
    return {k.lower(): v for k, v in entry.headers.items()}.get("range")


# -- checkpoints ------------------------------------------------------------------------------


def test_the_default_byte_bound_keeps_checkpoints_rare_on_a_fast_link() -> None:
    # 600 MB/s on loopback: a 1 MiB bound meant ~600 store commits a second.
    assert CHECKPOINT_BYTES >= 32 * MIB


async def test_checkpoints_every_byte_bound_when_time_stands_still(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    # Long enough for 4 gaps even when each is a whole 1 MiB read late.
    big = SAMPLE[:1000] + bytes(9 * MIB)
    sim.faults.add("GET", r"/cdn/", faults.status(200, big, {"Content-Type": "video/mp4"}))
    seen: list[int] = []
    async with Downloader(clock=FakeClock(), checkpoint_bytes=MIB) as instance:
        result = await instance.download(
            video_url, downloads, on_checkpoint=lambda state: seen.append(state.bytes_done)
        )
    assert result.bytes == len(big)
    assert seen[0] == 0
    gaps = [b - a for a, b in itertools.pairwise(seen)]
    assert len(gaps) >= 4
    # Never more often than the 1 MiB bound (time does not move), never more than a read (one
    # piece, up to CHUNK_SIZE) late.
    assert all(MIB <= gap < MIB + CHUNK_SIZE for gap in gaps)


async def test_checkpoints_every_second_on_a_slow_link(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    """Each KiB "takes" 0.125 s, so the 1 s rule fires long before the 1 MiB one."""
    clock = FakeClock()
    seen: list[tuple[float, ResumeState]] = []

    async def record(state: ResumeState) -> None:
        seen.append((clock.now(), state))
        await asyncio.sleep(0)  # an async callback is awaited

    def tick(_progress: DownloadProgress) -> None:
        clock.advance(0.125)  # a binary fraction: the 0.1 s throttle never rounds it away

    sim.faults.add("GET", r"/cdn/", faults.slow(4_000_000, chunk_size=4096))
    async with Downloader(clock=clock, chunk_size=1024) as instance:
        await instance.download(video_url, downloads, progress=tick, on_checkpoint=record)
    assert len(seen) >= 5
    times = [t for t, _ in seen]
    done = [state.bytes_done for _, state in seen]
    assert done == sorted(done)
    assert done[-1] < CHECKPOINT_BYTES  # so every one after the first came from the 1 s rule
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    assert all(state.etag == seen[0][1].etag for _, state in seen)


# -- the stall watchdog -----------------------------------------------------------------------


async def test_a_crawling_connection_is_given_up_and_resumed(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    clock = FakeClock()
    first: list[ResumeState] = []

    def crawl(_progress: DownloadProgress) -> None:
        clock.advance(30.0)  # each 1 KiB piece "takes" 30 s: about 34 bytes/s

    async with Downloader(clock=clock, chunk_size=1024, reconnects=NO_RECONNECTS) as instance:
        with pytest.raises(DownloadIncompleteError, match=r"stalled \(less than 1\.0 kB a second"):
            await instance.download(
                video_url, downloads, progress=crawl, on_checkpoint=first.append
            )
        result = await instance.download(video_url, downloads, resume=first[0])
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from > 0
    assert last_cdn_range(sim) == f"bytes={result.resumed_from}-"


async def test_a_steady_connection_is_not_a_stall(video_url: str, downloads: Path) -> None:
    clock = FakeClock()

    def steady(_progress: DownloadProgress) -> None:
        clock.advance(0.5)  # 1 KiB every 0.5 s: 2 kB/s, above the 1 KiB/s floor

    async with Downloader(clock=clock, chunk_size=1024) as instance:
        result = await instance.download(video_url, downloads, progress=steady)
    assert result.sha256 == SAMPLE_SHA256
    assert clock.now() > 60.0  # the watchdog had full windows to judge


async def test_stall_watchdog_against_the_slow_cdn(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    """Real time, a tiny window: the slow() CDN trickles slower than the configured floor."""
    sim.faults.add("GET", r"/cdn/", faults.slow(40_000, chunk_size=2000))
    async with Downloader(
        stall_window=0.2, stall_min_rate=400_000, reconnects=NO_RECONNECTS
    ) as picky:
        with pytest.raises(DownloadIncompleteError, match="stalled") as caught:
            await picky.download(video_url, downloads)
    state = caught.value.resume_state
    assert state is not None
    assert 0 < state.bytes_done < len(SAMPLE)
    async with Downloader() as instance:
        result = await instance.download(video_url, downloads, resume=state)
    assert result.sha256 == SAMPLE_SHA256
    # The stalled trickle's journal entry may land after the resume's (its handler runs on until
    # it notices the closed socket): look for the resume's own ranged request.
    assert f"bytes={state.bytes_done}-" in cdn_ranges(sim)


# -- disk full --------------------------------------------------------------------------------


class NearlyFullDisk:
    """An opener whose files accept `room` bytes in total, then fail like a full disk."""

    def __init__(self, room: int, code: int = errno.ENOSPC) -> None:
        self.room = room
        self.code = code

    def __call__(self, path: Path, mode: str) -> BinaryIO:
        return LimitedFile(path.open(mode), self)  # type: ignore[return-value]


class LimitedFile:
    def __init__(self, inner: BinaryIO, disk: NearlyFullDisk) -> None:
        self.inner = inner
        self.disk = disk

    def write(self, data: bytes) -> int:
        fits = min(len(data), self.disk.room)
        self.inner.write(data[:fits])
        self.disk.room -= fits
        if fits < len(data):
            self.inner.flush()
            raise OSError(self.disk.code, "No space left on device")
        return fits

    def flush(self) -> None:
        self.inner.flush()

    def fileno(self) -> int:
        return self.inner.fileno()

    def close(self) -> None:
        self.inner.close()


async def test_disk_full_keeps_the_part_and_resumes(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    async with Downloader(opener=NearlyFullDisk(100_000), chunk_size=4096) as cramped:
        with pytest.raises(InsufficientSpaceError, match="not enough disk space") as caught:
            await cramped.download(video_url, downloads)
    error = caught.value
    assert error.resumable
    # What was still to come when the write failed (that write was up to 4 KiB).
    assert len(SAMPLE) - 100_000 <= error.need <= len(SAMPLE) - 100_000 + 4096
    assert re.search(r"need 13\d\.\d kB more, have [\d.]+ [kMGT]B", str(error))
    name = video_url.rsplit("/", 1)[-1]
    assert error.partial_path == downloads / f".{name}.part"
    assert listing(downloads) == [f".{name}.part"]  # nothing at the target
    assert error.resume_state is not None
    assert error.resume_state.bytes_done == 100_000 == size_of(error.partial_path)

    async with Downloader() as roomy:
        result = await roomy.download(video_url, downloads, resume=error.resume_state)
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == 100_000
    assert last_cdn_range(sim) == "bytes=100000-"


async def test_other_write_errors_are_plain_download_errors(
    video_url: str, downloads: Path
) -> None:
    async with Downloader(opener=NearlyFullDisk(10_000, errno.EIO)) as broken:
        with pytest.raises(DownloadError, match="could not write") as caught:
            await broken.download(video_url, downloads)
    assert not isinstance(caught.value, InsufficientSpaceError)
    assert not caught.value.resumable


def test_disk_full_is_recognised_on_every_platform() -> None:
    assert is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert is_disk_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    windows = OSError(errno.EINVAL, "There is not enough space on the disk")
    windows.winerror = 112  # type: ignore[attr-defined]
    assert is_disk_full(windows)
    assert not is_disk_full(OSError(errno.EIO, "I/O error"))


# -- cancel, then resume from the first checkpoint ---------------------------------------------


async def test_cancel_then_resume_from_the_first_checkpoint(
    video_url: str, downloads: Path, sim: Simulator
) -> None:
    """Even a checkpoint taken at 0 bytes resumes from what the .part really holds."""
    states: list[ResumeState] = []

    def stop_midway(progress: DownloadProgress) -> None:
        if progress.bytes > 50_000:
            raise asyncio.CancelledError

    async with Downloader(chunk_size=1024, clock=TickingClock(1.0)) as instance:
        with pytest.raises(asyncio.CancelledError):
            await instance.download(
                video_url, downloads, progress=stop_midway, on_checkpoint=states.append
            )
        assert states[0].bytes_done == 0
        kept = states[0].part_path.stat().st_size
        assert kept > 50_000
        result = await instance.download(video_url, downloads, resume=states[0])
    assert result.sha256 == SAMPLE_SHA256
    assert result.resumed_from == kept
    assert last_cdn_range(sim) == f"bytes={kept}-"
