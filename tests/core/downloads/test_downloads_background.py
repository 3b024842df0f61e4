"""The download's writer thread: order, back-pressure, errors, and nothing lost on close."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import threading

import pytest

from genpro_desktop.core.downloads.background import BackgroundWriter

MIB = 1024 * 1024


class GatedFile(io.BytesIO):
    """A file whose writes wait for `gate` (a disk that is slower than the network)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.fail_after: int | None = None

    def write(self, data: bytes, /) -> int:  # type: ignore[override]
        self.gate.wait()
        if self.fail_after is not None and self.tell() + len(data) > self.fail_after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)


async def test_pieces_are_written_and_hashed_in_order() -> None:
    sink, digest = GatedFile(), hashlib.sha256()
    writer = BackgroundWriter(sink, digest)
    pieces = [bytes([n]) * (1000 + n) for n in range(50)]
    for piece in pieces:
        writer.put(piece)
        await writer.room()
    await writer.drain()
    body = b"".join(pieces)
    assert sink.getvalue() == body
    assert writer.stored == len(body)
    writer.close()
    assert digest.hexdigest() == hashlib.sha256(body).hexdigest()


async def test_a_slow_disk_holds_the_loop_back_and_close_keeps_every_byte() -> None:
    sink = GatedFile()
    sink.gate.clear()
    writer = BackgroundWriter(sink, hashlib.sha256(), max_pending=4096)
    for _ in range(3):
        writer.put(b"x" * 2048)
    assert writer.stored == 0  # the disk has not taken anything yet
    sink.gate.set()
    await writer.room()  # over max_pending: returns once the writer caught up
    assert writer.stored == 3 * 2048
    sink.gate.clear()
    writer.put(b"y" * 100)
    threading.Timer(0.05, sink.gate.set).start()
    writer.close()  # e.g. a cancelled download: what was received still lands in the file
    assert sink.getvalue() == b"x" * 6144 + b"y" * 100


async def test_at_most_4_mib_waits_for_the_disk_before_the_loop_holds_back() -> None:
    # With the downloader's 1 MiB pieces, 8 MiB per queue held ~8 MiB more at the peak (RSS
    # growth ~27 vs ~19 MiB against the 32 MiB budget) and bought no speed.
    sink = GatedFile()
    sink.gate.clear()  # the disk takes nothing
    writer = BackgroundWriter(sink, hashlib.sha256())
    for _ in range(4):
        writer.put(b"m" * MIB)
    await writer.room()  # 4 MiB pending: still room
    writer.put(b"m" * MIB)
    waiting = asyncio.ensure_future(writer.room())
    for _ in range(5):
        await asyncio.sleep(0)  # turns of the loop, not a wait for time
    assert not waiting.done()  # 5 MiB pending: the loop holds back
    sink.gate.set()
    await waiting
    writer.close()
    assert writer.stored == 5 * MIB


async def test_a_failed_write_is_raised_on_the_loop_and_later_pieces_are_dropped() -> None:
    sink = GatedFile()
    sink.fail_after = 2500
    writer = BackgroundWriter(sink, hashlib.sha256())
    writer.put(b"a" * 2000)
    writer.put(b"b" * 1000)  # does not fit
    with pytest.raises(OSError, match="No space left"):
        await writer.drain()
    assert writer.stored == 2000
    with pytest.raises(OSError, match="No space left"):
        writer.put(b"c")
    writer.close()
    assert sink.getvalue() == b"a" * 2000


class GatedDigest:
    """A sha256 whose updates wait for `gate` (a CPU busier than the disk); notes the threads."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.inner = hashlib.sha256()
        self.threads: set[int] = set()

    def update(self, data: bytes, /) -> None:
        self.gate.wait()
        self.threads.add(threading.get_ident())
        self.inner.update(data)


async def test_hashing_runs_behind_the_writes_on_a_thread_of_its_own() -> None:
    sink, digest = GatedFile(), GatedDigest()
    writer = BackgroundWriter(sink, digest)
    # Only a failsafe, so a regression fails instead of hanging; the passing path never waits.
    failsafe = threading.Timer(10.0, digest.gate.set)
    failsafe.start()
    try:
        writer.put(b"a" * 3000)
        writer.put(b"b" * 3000)
        await writer.drain()  # both pieces are in the file although none is hashed yet
        hashing_had_started = digest.gate.is_set()
        assert writer.stored == 6000
        digest.gate.set()
        writer.close()  # returns with the digest complete
    finally:
        failsafe.cancel()
    assert not hashing_had_started
    assert digest.inner.hexdigest() == hashlib.sha256(b"a" * 3000 + b"b" * 3000).hexdigest()
    assert threading.get_ident() not in digest.threads
