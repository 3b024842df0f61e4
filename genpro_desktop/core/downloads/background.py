"""Writing and hashing the body on a worker thread, so the event loop only receives.

A download used to write each piece to the ``.part`` file and hash it on the event loop: on a
busy disk one ``write`` can block for milliseconds (the GUI thread, under qasync), and receiving,
writing and hashing could never overlap. ``BackgroundWriter`` keeps the pieces in arrival order
on one worker thread (file writes and ``hashlib`` release the GIL), bounded by
``max_pending`` bytes so a slow disk slows the download instead of filling memory.

Every piece is written as soon as the worker gets to it (a stalled connection must not leave
received bytes in memory, where a crash would lose them); a coroutine waiting for the writer
(``drain``, ``room`` on a full queue) is resumed with ``call_soon_threadsafe``, not through an
executor thread, and returns at once when the writer is already idle.

Hashing runs on a second thread, behind the writes, on the same pieces (no second pass over
the file): one thread doing both was the download's critical path (write ~0.6 s + sha256
~0.7 s of CPU per GiB, one after the other), while on two cores they can overlap with each
other and with receiving. The pieces waiting to be hashed are bounded too (``max_pending``).

A failed write stops the worker: later pieces are dropped, and the error is raised to the event
loop at the next ``put``, ``room`` or ``drain``. ``close`` waits until every piece already handed
over is written (a cancelled download keeps every byte it received) and hashed, and ends the
threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable
from typing import BinaryIO, Protocol

from genpro_desktop.core.downloads.priority import lower_this_thread

# Per queue (waiting for the disk; written, waiting for the hash). 4 MiB is four of the
# downloader's 1 MiB pieces; 8 MiB queues of them held ~8 MiB more at the peak for no speed.
DEFAULT_MAX_PENDING = 4 * 1024 * 1024
# While the socket has data, httpx's body iterator never suspends: ``room`` gives the event
# loop a turn after this many bytes (a few ms of receiving), so other tasks (the GUI) run.
YIELD_BYTES = 512 * 1024


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...


class BackgroundWriter:
    """Writes pieces to ``sink`` and feeds ``digest`` on one worker thread, in order."""

    def __init__(
        self,
        sink: BinaryIO,
        digest: _Digest,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        after_write: Callable[[int], None] | None = None,
    ) -> None:
        self._sink = sink
        self._digest = digest
        # Told the size of each piece once it is in the file (on the worker thread).
        self._after_write = after_write
        self._max_pending = max_pending
        self._pieces: deque[bytes] = deque()
        # Written, not yet hashed (the hasher's queue) and how many bytes that is.
        self._unhashed: deque[bytes] = deque()
        self._unhashed_bytes = 0
        self._hashing = False
        self._written_all = False  # the writer thread has ended: nothing more to hash
        self._pending = 0
        self._since_yield = 0
        self._busy = False
        self._closing = False
        self._idle_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        # One lock, two conditions: the writer (and `wait_written`) wait on `_changed`, the
        # hasher on `_hash_ready`, so a piece handed over does not wake the hasher and a piece
        # hashed does not wake the writer (each needless wake-up is a context switch that can
        # preempt the GUI thread, thousands per GiB).
        lock = threading.Lock()
        self._changed = threading.Condition(lock)
        self._hash_ready = threading.Condition(lock)
        self._writer_throttled = False  # the writer waits for the hasher to catch up
        # Bytes of the pieces written and flushed to the OS (a failed piece is not counted).
        self.stored = 0
        self.error: Exception | None = None
        self._thread = threading.Thread(target=self._run, name="genpro-download-writer")
        self._thread.daemon = True
        self._hasher = threading.Thread(target=self._hash, name="genpro-download-hash")
        self._hasher.daemon = True
        self._thread.start()
        self._hasher.start()

    # -- the event loop's side ----------------------------------------------------------

    def put(self, piece: bytes) -> None:
        """Hand one piece over (never blocks); raises the worker's write error, if any."""
        with self._changed:
            self._raise_error()
            self._pieces.append(piece)
            self._pending += len(piece)
            self._since_yield += len(piece)
            self._changed.notify_all()

    async def room(self) -> None:
        """Wait while more than ``max_pending`` bytes are waiting for the disk; else give the
        event loop a turn every ``YIELD_BYTES``."""
        if self._pending > self._max_pending:
            await self._until_idle()
        elif self._since_yield >= YIELD_BYTES:
            await asyncio.sleep(0)
            self._since_yield = 0
        self._raise_error()

    async def drain(self) -> None:
        """Wait until every piece handed over is written and flushed to the OS."""
        await self._until_idle()
        self._raise_error()

    def wait_written(self) -> None:
        """Blocking ``drain`` (for a worker thread): wait until everything is written, flush."""
        with self._changed:
            while not self._idle():
                self._changed.wait()
            if self.error is None:
                try:
                    self._sink.flush()
                except Exception as exc:
                    self.error = exc

    def close(self) -> None:
        """Write and hash what was handed over (unless a write failed), then end the threads;
        the digest is complete when this returns."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            self._hash_ready.notify_all()
        self._thread.join()
        self._hasher.join()

    async def _until_idle(self) -> None:
        loop = asyncio.get_running_loop()
        with self._changed:
            if self._idle():
                return
            done: asyncio.Future[None] = loop.create_future()
            self._idle_waiters.append((loop, done))
        await done
        self._since_yield = 0

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    # -- the worker (called with the lock held unless said otherwise) ---------------------

    def _idle(self) -> bool:
        return self.error is not None or (not self._pieces and not self._busy)

    def _became_idle(self) -> None:
        waiters, self._idle_waiters = self._idle_waiters, []
        for loop, done in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_resolve, done)
        self._changed.notify_all()

    def _run(self) -> None:
        lower_this_thread()  # the GUI thread comes first when both want the CPU
        while True:
            with self._changed:
                while self.error is None and not self._closing and not self._pieces:
                    self._changed.wait()
                if self.error is not None or not self._pieces:
                    # Failed (the rest is dropped) or closing with nothing left to write.
                    self._pieces.clear()
                    self._pending = 0
                    self._became_idle()
                    while not self._closing:
                        self._changed.wait()
                    self._written_all = True
                    self._changed.notify_all()
                    self._hash_ready.notify_all()
                    return
                piece = self._pieces.popleft()
                self._busy = True
            failure: Exception | None = None
            try:  # without the lock: the loop keeps handing pieces over meanwhile
                self._sink.write(piece)
                self._sink.flush()  # so `stored` bytes are in the OS (a no-op when unbuffered)
                if self._after_write is not None:
                    self._after_write(len(piece))
            except Exception as exc:  # raised on the event loop; the thread must not die
                failure = exc
            with self._changed:
                self._busy = False
                self._pending -= len(piece)
                if failure is None:
                    self.stored += len(piece)
                    self._unhashed.append(piece)
                    self._unhashed_bytes += len(piece)
                    self._hash_ready.notify()
                else:
                    self.error = failure
                if self.error is not None or not self._pieces:
                    self._became_idle()
                # The hasher is behind by more than the bound: wait for it (a slow CPU slows
                # the download, as a slow disk does, instead of filling memory).
                while self._unhashed_bytes > self._max_pending and self.error is None:
                    self._writer_throttled = True
                    self._changed.wait()
                self._writer_throttled = False

    def _hash(self) -> None:
        """The second worker: feed every written piece to the digest, in order."""
        lower_this_thread()
        while True:
            with self._changed:
                while not self._unhashed and not self._written_all:
                    self._hash_ready.wait()
                if not self._unhashed:
                    return  # the writer has ended and everything written is hashed
                piece = self._unhashed.popleft()
                self._hashing = True
            self._digest.update(piece)  # without the lock; hashlib releases the GIL
            with self._changed:
                self._hashing = False
                self._unhashed_bytes -= len(piece)
                if self._writer_throttled:
                    self._changed.notify_all()


def _resolve(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)
