"""Download rendered videos from GEN's public CDN, safely (policy D in reliability-anchors.md).

- Its own ``httpx.AsyncClient`` with no credentials: the API key never reaches the CDN (S-5).
  Its bytes move through aiohttp (``aiohttp_transport``; about 4x less CPU per GiB than httpx's
  own transport), unless a proxy is configured, which httpx's transport knows how to use.
- Only ``https://`` URLs, or ``http://`` on this computer, for the first request and every
  redirect target (S-7); URLs with a user name or password are refused.
- Streams in chunks into a hidden ``.<name>.part`` beside the target, so memory stays flat and
  the target path never holds a partial file (D1, D4).
- Resumes a kept ``.part`` with ``Range`` + ``If-Range`` and never splices two versions of a file
  (D2; the rules are in ``resume``); reports a ``ResumeState`` at the start of the body and then
  every 64 MiB or 1 s, whichever comes first, through ``on_checkpoint``, for the tracker to
  persist.
- Receives on the event loop while one worker thread writes the body and another hashes it
  (``background``),
  so a busy disk never blocks the loop and the three overlap.
- Checks free space before starting (D5), the content type, the byte count against
  Content-Length, and that the file is ISO-BMFF (``ftyp`` at bytes 4..8) (D3). A disk that
  fills up mid-way is an ``InsufficientSpaceError`` that keeps the ``.part`` for a resume.
- A connection that crawls (less than 1 KiB/s over 60 s) is given up as a resumable
  ``DownloadIncompleteError`` (D6); the 60 s read timeout catches one that stops entirely.
- Reconnects by itself when the connection drops, resets or stalls, or the CDN answers
  408/429/5xx: it resumes from the kept bytes with a back-off, and gives up only after
  ``Reconnects.limit`` reconnects in a row that brought no new byte (``reconnect``).
- Never writes through a link: the ``.part`` is opened without following one (``part``), and a
  target that is a symbolic link or not a regular file (a device, a pipe) is refused.
- fsyncs, then ``os.replace`` into place, then fsyncs the folder where the OS allows it (D4).
- Never overwrites an existing file unless asked: it picks ``name (2).mp4`` instead and reports
  the path it used in ``DownloadResult.path``.

One call makes attempts until the file is in place or the failure is not a passing one (an
expired link, a web page, a full disk); trying again after that is the caller's policy. Which
``.part`` files are kept on failure is described in ``transfer``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
from collections.abc import Awaitable, Set
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx

from genpro_desktop import __version__
from genpro_desktop.core.clock import Clock, SystemClock
from genpro_desktop.core.downloads.cadence import (
    CHECKPOINT_BYTES,
    CHECKPOINT_INTERVAL,
    STALL_MIN_RATE,
    STALL_WINDOW,
)
from genpro_desktop.core.downloads.errors import DownloadError
from genpro_desktop.core.downloads.naming import sanitize_filename
from genpro_desktop.core.downloads.part import (
    Opener,
    fsync_dir,
    open_part,
    own_file_size,
    read_prefix,
)
from genpro_desktop.core.downloads.progress import (
    DownloadProgress,
    MonotonicClock,
    ProgressCallback,
    Reconnecting,
)
from genpro_desktop.core.downloads.reconnect import ReconnectLoop, Reconnects
from genpro_desktop.core.downloads.resume import NAME_MAX, ResumeState, part_path_for
from genpro_desktop.core.downloads.transfer import (
    CheckpointCallback,
    Received,
    Transfer,
    TransferSettings,
)
from genpro_desktop.core.downloads.urls import check_download_url, vet_request
from genpro_desktop.core.http.aiohttp_transport import DEFAULT_READ_SIZE, preferred_transport

DEFAULT_MAX_BYTES = 4 * 1024**3  # TikTok's per-video ceiling (mission-anchors.md section 5)
# Socket reads and the pieces handed to the writer thread: 1 MiB takes ~17 % less CPU per GiB
# than 256 KiB (the Python work and thread wake-ups are per piece; docs/benchmarks.md).
CHUNK_SIZE = 1024 * 1024
# Connect like the API; a 60 s read timeout catches a connection that stops sending (R6).
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=10.0, pool=10.0)

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
    # Bytes reused from a kept .part file (0 when the whole file came over the network).
    resumed_from: int = 0
    etag: str | None = None
    last_modified: str | None = None


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
        opener: Opener | None = None,
        checkpoint_bytes: int = CHECKPOINT_BYTES,
        checkpoint_interval: float = CHECKPOINT_INTERVAL,
        stall_window: float = STALL_WINDOW,
        stall_min_rate: float = STALL_MIN_RATE,
        reconnects: Reconnects | None = None,
    ) -> None:
        clock = clock if clock is not None else SystemClock()
        self._reconnects = reconnects if reconnects is not None else Reconnects()
        # The back-off sleeps on the core's clock (a fake one in tests), never a bare sleep.
        sleeper = self._reconnects.clock or (clock if isinstance(clock, Clock) else SystemClock())
        self._sleep = sleeper.sleep
        self._settings = TransferSettings(
            clock=clock,
            opener=opener if opener is not None else open_part,
            free_space=_free_space,
            max_bytes=max_bytes,
            chunk_size=chunk_size,
            checkpoint_bytes=checkpoint_bytes,
            checkpoint_interval=checkpoint_interval,
            stall_window=stall_window,
            stall_min_rate=stall_min_rate,
        )
        # Targets being written right now, so two downloads never share a name or a .part file.
        self._active: set[Path] = set()
        if transport is None:
            # Smaller pieces (tests) still read the socket in asyncio's usual 256 KiB.
            transport = preferred_transport(read_size=max(chunk_size, DEFAULT_READ_SIZE))
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
        resume: ResumeState | None = None,
        on_checkpoint: CheckpointCallback | None = None,
    ) -> DownloadResult:
        """Download ``url`` into folder ``dest`` (or to file path ``dest``) and verify it.

        With ``resume`` (from a checkpoint or ``DownloadError.resume_state``) the download
        continues ``resume.part_path`` towards ``resume.target_path``; ``dest`` and
        ``suggested_name`` are then ignored.
        """
        parsed = check_download_url(url)
        if resume is None:
            requested = _prepare_target(parsed, dest, suggested_name)
            target = self._claim(requested, overwrite)
            part = part_path_for(target)
        else:
            requested = target = self._claim_resume(resume)
            part = resume.part_path
        try:
            if resume is not None:
                done = await asyncio.to_thread(_already_in_place, resume)
                if done is not None:
                    return done

            def attempt(state: ResumeState | None) -> Awaitable[Received]:
                transfer = Transfer(
                    self._client,
                    self._settings,
                    parsed,
                    target,
                    part,
                    resume=state,
                    progress=progress,
                    on_checkpoint=on_checkpoint,
                )
                return transfer.run()

            def notify(notice: Reconnecting, done: int, total: int | None) -> None:
                if progress is not None:
                    progress(DownloadProgress(done, total, None, None, notice))

            kept = await asyncio.to_thread(own_file_size, part) if resume is not None else 0
            loop = ReconnectLoop(self._reconnects, self._sleep, kept=kept, notify=notify)
            received = await loop.run(attempt, resume)
            try:
                # Off the loop: a rename can wait hundreds of ms for the file system's journal
                # while a big file is being written back (seen as GUI stalls on ext4).
                final = await asyncio.to_thread(
                    _move_into_place, part, target, requested, overwrite, frozenset(self._active)
                )
            except DownloadError as exc:
                size, etag, modified = received.bytes, received.etag, received.last_modified
                exc.resume_state = ResumeState(target, part, size, size, etag, modified)
                raise
            await asyncio.to_thread(fsync_dir, final.parent)
            return _result(final, received, renamed=final != requested)
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

    def _claim_resume(self, resume: ResumeState) -> Path:
        target = resume.target_path
        if resume.part_path.parent != target.parent:
            raise DownloadError(f"the partial file for {target.name} is not in {target.parent}")
        if target in self._active:
            raise DownloadError(f"{target.name} is already being downloaded")
        if target.is_dir():
            raise DownloadError(f"{target} is a folder, not a file")
        _make_folder(target.parent)
        _check_target(target)
        self._active.add(target)
        return target


def _move_into_place(
    part: Path, target: Path, requested: Path, overwrite: bool, active: frozenset[Path]
) -> Path:
    final = target
    if not overwrite and os.path.lexists(final):
        # Someone created the file while we downloaded: still never overwrite it.
        final = _unique_path(requested, active)
    try:
        os.replace(part, final)
    except OSError as exc:
        # On Windows this is typically the target being open in a player.
        raise DownloadError(
            f"could not save {final.name}: {exc.strerror or exc} (is it open elsewhere?)",
            resumable=True,
            partial_path=part,
        ) from exc
    return final


def _result(path: Path, received: Received, *, renamed: bool) -> DownloadResult:
    return DownloadResult(
        path=path,
        bytes=received.bytes,
        sha256=received.sha256,
        content_type=received.content_type,
        renamed=renamed,
        resumed_from=received.resumed_from,
        etag=received.etag,
        last_modified=received.last_modified,
    )


def _already_in_place(resume: ResumeState) -> DownloadResult | None:
    """The previous run moved the file into place but stopped before recording it.

    Only a file at the exact target, with the exact expected length and an MP4 header, while
    the ``.part`` is gone, counts; nothing is written either way.
    """
    target, total = resume.target_path, resume.total
    if total is None or os.path.lexists(resume.part_path):
        return None
    try:
        info = os.lstat(target)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size != total:
        return None
    try:
        digest, head = read_prefix(target, total)
    except OSError:
        return None
    if head[4:8] != b"ftyp":
        return None
    received = Received(total, digest.hexdigest(), None, total, resume.etag, resume.last_modified)
    return _result(target, received, renamed=False)


def _free_space(folder: Path) -> int:
    """Free bytes on the disk holding ``folder`` (0 when it cannot be measured)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 0


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc


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
    _make_folder(dest.parent)
    _check_target(dest)
    return dest


def _check_target(target: Path) -> None:
    """Refuse a target that is a symbolic link or not a regular file (``/dev/null``, a pipe).

    A link at the target could point anywhere (a planted one in a shared folder); a device is
    not where a video can be saved, and a numbered name beside it (``/dev/null (2)``) is not
    what was asked for.
    """
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise DownloadError(f"cannot use {target}: {exc.strerror or exc}") from exc
    if stat.S_ISLNK(info.st_mode):
        raise DownloadError(
            f"{target} is a symbolic link; refusing to save a download through it "
            "(choose another name or folder)"
        )
    if not stat.S_ISREG(info.st_mode):
        raise DownloadError(f"{target} is not a regular file; choose a file name or a folder")


def _unique_path(requested: Path, active: Set[Path]) -> Path:
    def free(path: Path) -> bool:
        # An active target also owns its .part file, so skipping it keeps .part files apart.
        return not os.path.lexists(path) and path not in active

    if free(requested):
        return requested
    stem, suffix = requested.stem, requested.suffix
    match = _NUMBERED.match(stem)
    base = match.group("base") if match else stem
    for number in range(2, 10_000):
        tail = f" ({number}){suffix}"
        # Within the name limit, counting the hidden ".part" name too (see part_path_for).
        room = max(1, NAME_MAX - len(f".{tail}.part".encode()))
        fitted = base.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
        candidate = requested.with_name(f"{fitted}{tail}")
        if free(candidate):
            return candidate
    raise DownloadError(f"too many files named like {requested.name} in {requested.parent}")
