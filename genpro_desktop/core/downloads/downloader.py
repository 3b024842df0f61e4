"""Download rendered videos from GEN's public CDN, safely (policy D in reliability-anchors.md).

- Its own ``httpx.AsyncClient`` with no credentials: the API key never reaches the CDN (S-5).
- Only ``https://`` URLs, or ``http://`` on this computer, for the first request and every
  redirect target (S-7); URLs with a user name or password are refused.
- Streams in chunks into a hidden ``.<name>.part`` beside the target, so memory stays flat and
  the target path never holds a partial file (D1, D4).
- Checks free space before starting (D5), the content type, the byte count against
  Content-Length, and that the file is ISO-BMFF (``ftyp`` at bytes 4..8) (D3).
- fsyncs, then ``os.replace`` into place, then fsyncs the folder where the OS allows it (D4).
- Never overwrites an existing file unless asked: it picks ``name (2).mp4`` instead and reports
  the path it used in ``DownloadResult.path``.

What happens to the ``.part`` file on failure: it is *kept* when the transfer was cut short by
the network or cancelled (``DownloadIncompleteError`` / resumable ``DownloadError`` carry its
path), so a later version can resume it with ``Range`` + ``If-Range``; it is *removed* when the
bytes are wrong (``DownloadVerificationError``), when the disk is full, or on any other error.
A new download of the same target starts the ``.part`` over.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

import httpx

from genpro_desktop import __version__
from genpro_desktop.core.clock import SystemClock
from genpro_desktop.core.downloads.errors import (
    DownloadError,
    DownloadVerificationError,
    InsufficientSpaceError,
)
from genpro_desktop.core.downloads.naming import sanitize_filename
from genpro_desktop.core.downloads.progress import (
    MonotonicClock,
    ProgressCallback,
    ProgressThrottle,
    format_bytes,
)
from genpro_desktop.core.downloads.responses import (
    check_content_type,
    check_status,
    content_length,
    incomplete_error,
    network_error,
)
from genpro_desktop.core.downloads.urls import (
    ORIGIN_EXTENSION,
    check_download_url,
    display_url,
    vet_request,
)

DEFAULT_MAX_BYTES = 4 * 1024**3  # TikTok's per-video ceiling (mission-anchors.md section 5)
CHUNK_SIZE = 256 * 1024
# Connect like the API; a 60 s read timeout doubles as the stall watchdog for CDN chunks (R6).
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=10.0, pool=10.0)
# Free space wanted beyond the file: 10 % of it, or 200 MB when the size is not declared (D5).
SPACE_HEADROOM = 0.10
UNKNOWN_SIZE_RESERVE = 200 * 1000**2

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov"})
_NUMBERED = re.compile(r"^(?P<base>.*) \((?P<n>\d+)\)$")


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """A finished, verified download."""

    path: Path
    bytes: int
    sha256: str
    content_type: str | None
    # True when the requested name was taken and a numbered name such as "x (2).mp4" was used.
    renamed: bool = False


class Downloader:
    """Credential-free CDN downloader; one per app, closed with ``aclose()``."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        clock: MonotonicClock | None = None,
        chunk_size: int = CHUNK_SIZE,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._max_bytes = max_bytes
        self._clock: MonotonicClock = clock if clock is not None else SystemClock()
        self._chunk_size = chunk_size
        # Targets being written right now, so two downloads never share a name or a .part file.
        self._active: set[Path] = set()
        self._client = httpx.AsyncClient(
            transport=transport,
            follow_redirects=True,
            timeout=timeout,
            # identity: Content-Length then counts the bytes we store, and MP4 does not compress.
            headers={
                "User-Agent": f"genpro-desktop/{__version__} (downloader)",
                "Accept-Encoding": "identity",
            },
            event_hooks={"request": [vet_request]},
        )

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._client.aclose()

    async def __aenter__(self) -> Downloader:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def download(
        self,
        url: str,
        dest: Path | str,
        *,
        suggested_name: str | None = None,
        overwrite: bool = False,
        progress: ProgressCallback | None = None,
    ) -> DownloadResult:
        """Download ``url`` into folder ``dest`` (or to file path ``dest``) and verify it."""
        parsed = check_download_url(url)
        requested = _prepare_target(parsed, dest, suggested_name)
        target = self._claim(requested, overwrite)
        try:
            return await self._fetch(parsed, target, requested, overwrite, progress)
        finally:
            self._active.discard(target)

    def _claim(self, requested: Path, overwrite: bool) -> Path:
        if overwrite:
            if requested in self._active:
                raise DownloadError(f"{requested.name} is already being downloaded")
            if requested.is_dir():
                raise DownloadError(f"{requested} is a folder, not a file")
            target = requested
        else:
            target = _unique_path(requested, self._active)
        self._active.add(target)
        return target

    async def _fetch(
        self,
        url: httpx.URL,
        target: Path,
        requested: Path,
        overwrite: bool,
        progress: ProgressCallback | None,
    ) -> DownloadResult:
        shown = display_url(url)
        part = target.with_name(f".{target.name}.part")
        writer: _PartWriter | None = None
        keep_part = False
        try:
            async with self._client.stream(
                "GET", url, extensions={ORIGIN_EXTENSION: shown}
            ) as response:
                check_status(response, shown)
                content_type = check_content_type(response, shown)
                total = content_length(response)
                self._check_size(total, target.parent, shown)
                throttle = ProgressThrottle(progress, total, self._clock)
                with part.open("wb") as sink:
                    writer = _PartWriter(sink, shown, target.name, self._max_bytes)
                    # Write pieces as they arrive (not re-buffered), so a cut keeps every byte.
                    async for data in response.aiter_bytes():
                        for start in range(0, len(data), self._chunk_size):
                            writer.write(data[start : start + self._chunk_size])
                            throttle.update(writer.written)
                    received = response.num_bytes_downloaded
                    if total is not None and received < total:
                        keep_part = True
                        raise incomplete_error(shown, received, total, part)
                    writer.check_complete()
                    sink.flush()
                    await asyncio.to_thread(os.fsync, sink.fileno())
                throttle.finish(writer.written)
            final = self._move_into_place(part, target, requested, overwrite)
            await asyncio.to_thread(_fsync_dir, final.parent)
            return DownloadResult(
                path=final,
                bytes=writer.written,
                sha256=writer.digest.hexdigest(),
                content_type=content_type,
                renamed=final != requested,
            )
        except asyncio.CancelledError:
            # Stopped by the user: keep what arrived for a later resume.
            keep_part = writer is not None and writer.written > 0
            raise
        except httpx.TransportError as exc:
            # Cut short by the network: keep what arrived for a later resume.
            written = writer.written if writer is not None else 0
            keep_part = written > 0
            raise network_error(exc, shown, written, part if keep_part else None) from exc
        except httpx.RequestError as exc:
            # Too many redirects, undecodable body: trying again will not help.
            raise DownloadError(f"could not download {shown}: {exc}", url=shown) from exc
        finally:
            if writer is not None and not keep_part:
                with contextlib.suppress(FileNotFoundError):
                    part.unlink()

    def _check_size(self, total: int | None, folder: Path, shown: str) -> None:
        if total is not None and total > self._max_bytes:
            raise DownloadVerificationError(
                f"{shown} is {format_bytes(total)}, more than the "
                f"{format_bytes(self._max_bytes)} limit",
                url=shown,
            )
        need = UNKNOWN_SIZE_RESERVE if total is None else total + int(total * SPACE_HEADROOM)
        have = shutil.disk_usage(folder).free
        if have < need:
            raise InsufficientSpaceError(
                f"not enough free space in {folder}: need {format_bytes(need)}, "
                f"have {format_bytes(have)}",
                need=need,
                have=have,
                url=shown,
            )

    def _move_into_place(self, part: Path, target: Path, requested: Path, overwrite: bool) -> Path:
        final = target
        if not overwrite and os.path.lexists(final):
            # Someone created the file while we downloaded: still never overwrite it.
            final = _unique_path(requested, self._active)
        try:
            os.replace(part, final)
        except OSError as exc:
            # On Windows this is typically the target being open in a player.
            raise DownloadError(
                f"could not save {final.name}: {exc.strerror or exc} (is it open elsewhere?)"
            ) from exc
        return final


def _prepare_target(url: httpx.URL, dest: Path | str, suggested_name: str | None) -> Path:
    # "folder/" names a folder even before it exists.
    as_folder = isinstance(dest, str) and dest.endswith(("/", os.sep))
    dest = Path(dest)
    if as_folder or dest.is_dir():
        raw = suggested_name or unquote(url.path.rsplit("/", 1)[-1])
        name = sanitize_filename(raw, fallback="GEN video")
        if Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
            name = sanitize_filename(name + ".mp4")
        dest = dest / name
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(
            f"cannot create the folder {dest.parent}: {exc.strerror or exc}"
        ) from exc
    return dest


class _PartWriter:
    """Writes the body to the ``.part`` file while hashing, counting and checking it."""

    def __init__(self, sink: BinaryIO, shown: str, name: str, max_bytes: int) -> None:
        self._sink = sink
        self._shown = shown
        self._name = name
        # Bytes beyond Content-Length are a protocol error in httpx; this caps unknown lengths.
        self._limit = max_bytes
        self._head = b""
        self.written = 0
        self.digest = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        """Check and store one piece of the body."""
        if len(self._head) < 8:
            self._head += chunk[: 8 - len(self._head)]
            if len(self._head) == 8 and self._head[4:8] != b"ftyp":
                # ISO-BMFF (MP4/MOV) files start with a box whose type is "ftyp".
                raise DownloadVerificationError(
                    f"{self._shown} is not an MP4 video", url=self._shown
                )
        self.written += len(chunk)
        if self.written > self._limit:
            raise DownloadVerificationError(
                f"{self._shown} sent more than the {format_bytes(self._limit)} limit",
                url=self._shown,
            )
        try:
            self._sink.write(chunk)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                message = f"the disk filled up while saving {self._name}"
            else:
                message = f"could not write {self._name}: {exc.strerror or exc}"
            raise DownloadError(message, url=self._shown) from exc
        self.digest.update(chunk)

    def check_complete(self) -> None:
        """Refuse a body too short to be an MP4."""
        if len(self._head) < 8:
            raise DownloadVerificationError(
                f"{self._shown} is not an MP4 video (only {self.written} bytes)", url=self._shown
            )


def _unique_path(requested: Path, active: set[Path]) -> Path:
    def free(path: Path) -> bool:
        # An active target also owns its .part file, so skipping it keeps .part files apart.
        return not os.path.lexists(path) and path not in active

    if free(requested):
        return requested
    stem, suffix = requested.stem, requested.suffix
    match = _NUMBERED.match(stem)
    base = match.group("base") if match else stem
    for number in range(2, 10_000):
        candidate = requested.with_name(f"{base} ({number}){suffix}")
        if free(candidate):
            return candidate
    raise DownloadError(f"too many files named like {requested.name} in {requested.parent}")


def _fsync_dir(directory: Path) -> None:
    # Makes the rename durable on POSIX. Windows cannot open a folder this way, and some file
    # systems refuse fsync on folders; the file itself is already synced, so skip quietly.
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
