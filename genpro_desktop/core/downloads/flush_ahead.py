"""Flush-ahead: push a growing ``.part`` file to the disk while the download is still running.

A finished download is fsynced before it is moved into place (policy D4). Left to the end, that
fsync writes the whole file back at once: about half a second per GiB on a fast disk, during
which nothing else happens. ``FlushAhead`` asks the OS to write the file back every
``every_bytes`` from a thread of its own, so the disk works while the network does and the
final fsync has only the last stretch left. It never blocks the writer thread that feeds it.

An early flush can fail (EIO, ENOSPC on some file systems). Linux reports such an error to one
fsync only, so the first one is kept and ``close`` hands it back: the final sync must not pass
over a write-back that already failed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from genpro_desktop.core.downloads.priority import lower_this_thread

__all__ = ["FLUSH_AHEAD_BYTES", "FlushAhead"]

FLUSH_AHEAD_BYTES = 64 * 1024 * 1024

# fdatasync skips the metadata a resumable part file does not need yet; macOS and Windows
# only have fsync.
_sync_data: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


class FlushAhead:
    """Syncs ``fd`` in the background after every ``every_bytes`` reported by ``wrote``."""

    def __init__(
        self,
        fd: int,
        *,
        every_bytes: int = FLUSH_AHEAD_BYTES,
        sync: Callable[[int], None] = _sync_data,
    ) -> None:
        if every_bytes < 1:
            raise ValueError("every_bytes must be positive")
        self._fd = fd
        self._every = every_bytes
        self._sync = sync
        self._since = 0
        self._wake = threading.Event()
        self._stopping = False
        self.flushes = 0
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="genpro-download-flush")
        self._thread.daemon = True
        self._thread.start()

    def wrote(self, size: int) -> None:
        """``size`` more bytes reached the file (called by the writer thread; never blocks)."""
        self._since += size
        if self._since >= self._every:
            self._since = 0
            self._wake.set()

    def close(self) -> OSError | None:
        """Stop (waiting for a flush in progress) and return the first flush error, if any.

        Call it before the file is closed: the thread must not sync a closed descriptor.
        """
        self._stopping = True
        self._wake.set()
        self._thread.join()
        return self._error

    def _run(self) -> None:
        lower_this_thread()
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            try:
                self._sync(self._fd)
            except OSError as exc:
                if self._error is None:
                    self._error = exc
                return
            self.flushes += 1
