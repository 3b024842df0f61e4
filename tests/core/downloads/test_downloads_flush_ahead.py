"""Flush-ahead writes a growing file back in the background and keeps its first error."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from genpro_desktop.core.downloads.flush_ahead import FlushAhead

WAIT_S = 10.0  # an upper bound for a thread to react, never a pause


class RecordingSync:
    """Counts syncs of a descriptor and lets the test wait for the n-th one."""

    def __init__(self, fail_with: OSError | None = None) -> None:
        self.fds: list[int] = []
        self.fail_with = fail_with
        self.called = threading.Semaphore(0)

    def __call__(self, fd: int) -> None:
        self.fds.append(fd)
        self.called.release()
        if self.fail_with is not None:
            raise self.fail_with


def test_a_sync_follows_every_full_stretch_of_bytes_and_not_before() -> None:
    sync = RecordingSync()
    flusher = FlushAhead(7, every_bytes=100, sync=sync)
    flusher.wrote(60)
    flusher.wrote(39)
    assert not sync.called.acquire(timeout=0.05)  # 99 bytes: not due
    flusher.wrote(1)
    assert sync.called.acquire(timeout=WAIT_S)
    flusher.wrote(250)
    assert sync.called.acquire(timeout=WAIT_S)
    assert flusher.close() is None
    assert sync.fds == [7, 7]
    assert flusher.flushes == 2


def test_the_first_flush_error_is_handed_back_by_close() -> None:
    failure = OSError(errno.EIO, "Input/output error")
    sync = RecordingSync(fail_with=failure)
    flusher = FlushAhead(7, every_bytes=10, sync=sync)
    flusher.wrote(10)
    assert sync.called.acquire(timeout=WAIT_S)
    assert flusher.close() is failure


def test_a_real_file_is_synced_while_it_grows(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4.part"
    synced = threading.Semaphore(0)

    def real_sync(fd: int) -> None:
        os.fsync(fd)
        synced.release()

    with path.open("wb") as sink:
        flusher = FlushAhead(sink.fileno(), every_bytes=1024, sync=real_sync)
        for _ in range(2):
            sink.write(bytes(1024))
            sink.flush()
            flusher.wrote(1024)
            assert synced.acquire(timeout=WAIT_S)
        assert flusher.close() is None
    assert flusher.flushes == 2
    assert os.path.getsize(path) == 2048


def test_a_stretch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        FlushAhead(7, every_bytes=0)
