"""The ``.part`` file: writing, hashing and checking the body, and the disk-level helpers."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, Protocol

from genpro_desktop.core.downloads.background import BackgroundWriter
from genpro_desktop.core.downloads.errors import (
    DownloadError,
    DownloadVerificationError,
    InsufficientSpaceError,
)
from genpro_desktop.core.downloads.flush_ahead import FlushAhead
from genpro_desktop.core.downloads.progress import format_bytes

Opener = Callable[[Path, str], BinaryIO]
"""Opens the ``.part`` file in mode ``"wb"`` or ``"ab"`` (injectable for tests)."""

FreeSpace = Callable[[Path], int]
"""Free bytes on the disk holding a folder."""


class Digest(Protocol):
    """What we use of a ``hashlib`` hash object."""

    def update(self, data: bytes, /) -> None:
        """Feed bytes."""
        ...

    def hexdigest(self) -> str:
        """The digest so far, in hex."""
        ...


_READ_SIZE = 1024 * 1024
# Windows: ERROR_HANDLE_DISK_FULL (39) and ERROR_DISK_FULL (112).
_WINDOWS_DISK_FULL = frozenset({39, 112})
# Never follow a link at the .part name; binary on Windows; not inherited by child processes.
_OPEN_FLAGS = (
    getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)
_DISK_FULL_ERRNOS = frozenset(
    code for code in (errno.ENOSPC, getattr(errno, "EDQUOT", None)) if code is not None
)


def open_part(path: Path, mode: str) -> BinaryIO:
    """The default opener: the ``.part`` file itself, never what a link there points to.

    The name is predictable and may sit in a shared folder, so nothing found at it is trusted:
    ``"wb"`` (a fresh start) removes whatever is there (a planted symbolic link is unlinked,
    not followed) and creates a new file with ``O_EXCL``; ``"ab"`` (a resume) opens with
    ``O_NOFOLLOW`` and refuses anything but a regular file of this user with one link. Where
    ``O_NOFOLLOW`` does not exist (Windows), the ``O_EXCL`` create and the ``lstat`` checks
    still apply.
    """
    if mode not in ("wb", "ab"):
        raise ValueError(f"unsupported mode {mode!r}")
    if mode == "wb":
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o666)
    else:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | _OPEN_FLAGS)
        try:
            check_own_file(os.fstat(fd), path)
        except OSError:
            os.close(fd)
            raise
    return os.fdopen(fd, mode)


def check_own_file(info: os.stat_result, path: Path) -> None:
    """Raise OSError unless ``info`` (an ``lstat``/``fstat``) is a regular file we alone own."""
    if stat.S_ISLNK(info.st_mode):
        raise OSError(errno.ELOOP, "it is a symbolic link", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, "it is not a regular file", str(path))
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid != getuid():
        raise OSError(errno.EPERM, "it belongs to another user", str(path))
    if info.st_nlink > 1:
        raise OSError(errno.EPERM, "it has other hard links", str(path))


def own_file_size(path: Path) -> int:
    """Bytes in ``path`` if it is a regular file we alone own (never following a link), else 0."""
    try:
        info = os.lstat(path)
        check_own_file(info, path)
    except OSError:
        return 0
    return info.st_size


def is_disk_full(exc: OSError) -> bool:
    """True for "no space left" and "quota exceeded", on POSIX and Windows."""
    return exc.errno in _DISK_FULL_ERRNOS or getattr(exc, "winerror", None) in _WINDOWS_DISK_FULL


def read_prefix(part: Path, length: int) -> tuple[Digest, bytes]:
    """Hash the first ``length`` bytes of ``part``; returns the hash and the first 8 bytes."""
    digest: Digest = hashlib.sha256()
    head = b""
    left = length
    fd = os.open(part, os.O_RDONLY | _OPEN_FLAGS)
    with os.fdopen(fd, "rb") as source:
        while left > 0:
            block = source.read(min(_READ_SIZE, left))
            if not block:
                raise OSError(errno.EIO, f"{part.name} is shorter than expected")
            if len(head) < 8:
                head += block[: 8 - len(head)]
            digest.update(block)
            left -= len(block)
    return digest, head


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable where the OS allows it."""
    # Windows cannot open a folder this way, and some file systems refuse fsync on folders;
    # the file itself is already synced, so skip quietly.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class PartWriter:
    """Writes the body to the ``.part`` file while hashing, counting and checking it.

    Checks and counting happen in ``write`` on the caller's thread; the file writes and the
    hashing run in order on a ``BackgroundWriter`` thread. ``close`` (always call it) waits
    until every piece written so far is in the file.
    """

    def __init__(
        self,
        sink: BinaryIO,
        *,
        shown: str,
        part: Path,
        max_bytes: int,
        total: int | None,
        free_space: FreeSpace,
        start: int = 0,
        digest: Digest | None = None,
        head: bytes = b"",
        name: str | None = None,
    ) -> None:
        self._sink = sink
        self._name = name
        self._shown = shown
        self._part = part
        # Bytes beyond Content-Length are a protocol error in httpx; this caps unknown lengths.
        self._limit = max_bytes
        self._total = total
        self._free_space = free_space
        self._head = head
        self.written = start
        self.digest: Digest = digest if digest is not None else hashlib.sha256()
        self._flush_ahead = _flush_ahead_for(sink)
        self._background = BackgroundWriter(
            sink,
            self.digest,
            after_write=None if self._flush_ahead is None else self._flush_ahead.wrote,
        )
        # Bytes in the file before this writer's first piece (a kept prefix when resuming).
        self._start = start

    @property
    def name(self) -> str:
        """The name of the final file (without the hidden ``.`` and ``.part``)."""
        if self._name is not None:
            return self._name
        return self._part.name.removeprefix(".").removesuffix(".part")

    def write(self, chunk: bytes) -> None:
        """Check and store one piece of the body."""
        if len(self._head) < 8:
            self._head += chunk[: 8 - len(self._head)]
            if len(self._head) == 8 and self._head[4:8] != b"ftyp":
                # ISO-BMFF (MP4/MOV) files start with a box whose type is "ftyp".
                raise DownloadVerificationError(
                    f"{self._shown} is not an MP4 video", url=self._shown
                )
        if self.written + len(chunk) > self._limit:
            raise DownloadVerificationError(
                f"{self._shown} sent more than the {format_bytes(self._limit)} limit",
                url=self._shown,
            )
        try:
            self._background.put(chunk)
        except OSError as exc:
            raise self.write_error(exc) from exc
        self.written += len(chunk)

    @property
    def in_file(self) -> int:
        """Bytes already handed to the OS (the kept prefix included); at most ``written``."""
        return self._start + self._background.stored

    async def room(self) -> None:
        """Wait while too much of the body is waiting for the disk (a slow disk slows us)."""
        try:
            await self._background.room()
        except OSError as exc:
            raise self.write_error(exc) from exc

    async def drain(self) -> None:
        """``flush`` without blocking the event loop."""
        try:
            await self._background.drain()
        except OSError as exc:
            raise self.write_error(exc) from exc

    def flush(self) -> None:
        """Hand every piece written so far to the OS (enough to survive the app being killed)."""
        self._background.wait_written()
        error = self._background.error
        if isinstance(error, OSError):
            raise self.write_error(error) from error
        if error is not None:
            raise error

    def close(self) -> None:
        """Finish writing what was handed over and stop the writer threads (idempotent)."""
        self._background.close()
        self._stop_flush_ahead()

    def sync(self) -> None:
        """Flush and fsync (enough to survive a power cut); a failed early flush fails it too."""
        self.flush()
        early_error = self._stop_flush_ahead()
        try:
            os.fsync(self._sink.fileno())
        except OSError as exc:
            raise self.write_error(exc) from exc
        if early_error is not None:
            raise self.write_error(early_error) from early_error

    def _stop_flush_ahead(self) -> OSError | None:
        flush_ahead, self._flush_ahead = self._flush_ahead, None
        return None if flush_ahead is None else flush_ahead.close()

    def check_complete(self) -> None:
        """Refuse a body too short to be an MP4."""
        if len(self._head) < 8:
            raise DownloadVerificationError(
                f"{self._shown} is not an MP4 video (only {self.written} bytes)", url=self._shown
            )

    def write_error(self, exc: OSError) -> DownloadError:
        """Translate a failed write: disk full is its own, resumable error."""
        if is_disk_full(exc):
            have = self._free_space(self._part.parent)
            need = max(0, self._total - self.in_file) if self._total is not None else 0
            wanted = f"need {format_bytes(need)} more, " if need else ""
            return InsufficientSpaceError(
                f"not enough disk space to save {self.name}: {wanted}have {format_bytes(have)}; "
                "free some space and resume (the partial file was kept)",
                need=need,
                have=have,
                url=self._shown,
                partial_path=self._part,
            )
        return DownloadError(
            f"could not write {self.name}: {exc.strerror or exc}",
            url=self._shown,
            partial_path=self._part,
        )


def _flush_ahead_for(sink: BinaryIO) -> FlushAhead | None:
    """Flush-ahead on ``sink``'s descriptor; None for a sink without one (an in-memory file)."""
    try:
        fd = sink.fileno()
    except (OSError, ValueError):
        return None
    return FlushAhead(fd)
