"""A download's writer, hasher and flush-ahead threads run below the GUI thread's priority."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import threading

import pytest

from genpro_desktop.core.downloads.background import BackgroundWriter
from genpro_desktop.core.downloads.flush_ahead import FlushAhead
from genpro_desktop.core.downloads.priority import WORKER_NICE_ENV, worker_nice

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's"
)


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


class NiceFile(io.BytesIO):
    """Notes the nice value of the thread that writes to it."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[int] = []

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.seen.append(_nice())
        return super().write(data)


class NiceDigest:
    """Notes the nice value of the thread that hashes."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self._hash = hashlib.sha256()

    def update(self, data: bytes, /) -> None:
        self.seen.append(_nice())
        self._hash.update(data)


async def test_writer_and_hasher_threads_run_at_a_lower_priority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(WORKER_NICE_ENV, raising=False)
    ours = _nice()
    sink, digest = NiceFile(), NiceDigest()
    writer = BackgroundWriter(sink, digest)
    writer.put(b"x" * 1000)
    await writer.drain()
    writer.close()
    expected = min(ours + worker_nice(), 19)
    assert worker_nice() == 5
    assert sink.seen == [expected]
    assert digest.seen == [expected]
    assert _nice() == ours  # the calling (GUI) thread keeps its own


async def test_nice_zero_leaves_the_threads_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WORKER_NICE_ENV, "0")
    ours = _nice()
    sink, digest = NiceFile(), NiceDigest()
    writer = BackgroundWriter(sink, digest)
    writer.put(b"x" * 10)
    await writer.drain()
    writer.close()
    assert sink.seen == [ours]
    assert digest.seen == [ours]


def test_flush_ahead_thread_runs_at_a_lower_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKER_NICE_ENV, raising=False)
    seen: list[int] = []
    synced = threading.Event()

    def sync(fd: int) -> None:
        seen.append(_nice())
        synced.set()

    flush = FlushAhead(0, every_bytes=1, sync=sync)
    flush.wrote(10)
    assert synced.wait(30)
    assert flush.close() is None
    assert seen == [min(_nice() + 5, 19)]


@pytest.mark.parametrize(("raw", "step"), [("", 5), ("0", 0), ("12", 12), ("99", 19), ("x", 5)])
def test_the_step_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str, step: int
) -> None:
    monkeypatch.setenv(WORKER_NICE_ENV, raw)
    assert worker_nice() == step
