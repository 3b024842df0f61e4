"""One download attempt into a ``.part`` file: resume or start over, stream, check, fsync.

The ``Downloader`` picks the target and moves the finished ``.part`` into place; this module does
everything in between. What happens to the ``.part`` file when an attempt fails:

- kept (with ``error.resume_state`` set) when the bytes in it are good: the network failed or
  stalled, the disk filled up, the CDN answered an error (an expired URL, 5xx) or the attempt
  was cancelled;
- removed when the server sent something other than the video (``DownloadVerificationError``:
  a web page, not an MP4, too big), and when this attempt wrote to it and then failed in an
  unexpected way.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from genpro_desktop.core.downloads.cadence import Checkpointer, StallWatchdog
from genpro_desktop.core.downloads.errors import (
    DownloadError,
    DownloadIncompleteError,
    DownloadVerificationError,
    InsufficientSpaceError,
)
from genpro_desktop.core.downloads.part import (
    Digest,
    FreeSpace,
    Opener,
    PartWriter,
    own_file_size,
    read_prefix,
)
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
from genpro_desktop.core.downloads.resume import (
    Plan,
    ResumeState,
    Step,
    plan_ranged,
    range_headers,
)
from genpro_desktop.core.downloads.urls import ORIGIN_EXTENSION, display_url

CheckpointCallback = Callable[[ResumeState], Awaitable[None] | None]
"""Receives the resume state at the start and then every 64 MiB or 1 s (may be async)."""

# Free space wanted beyond the file: 10 % of it, or 200 MB when the size is not declared (D5).
SPACE_HEADROOM = 0.10
UNKNOWN_SIZE_RESERVE = 200 * 1000**2


@dataclass(frozen=True, slots=True)
class TransferSettings:
    """The downloader's knobs that one attempt needs."""

    clock: MonotonicClock
    opener: Opener
    free_space: FreeSpace
    max_bytes: int
    chunk_size: int
    checkpoint_bytes: int
    checkpoint_interval: float
    stall_window: float
    stall_min_rate: float


@dataclass(frozen=True, slots=True)
class Received:
    """A complete, verified, fsynced ``.part`` file."""

    bytes: int
    sha256: str
    content_type: str | None
    resumed_from: int
    etag: str | None
    last_modified: str | None


class Transfer:
    """Downloads ``url`` into ``part``, resuming from ``resume`` when that is provably safe."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: TransferSettings,
        url: httpx.URL,
        target: Path,
        part: Path,
        *,
        resume: ResumeState | None,
        progress: ProgressCallback | None,
        on_checkpoint: CheckpointCallback | None,
    ) -> None:
        self._client = client
        self._settings = settings
        self._url = url
        self._shown = display_url(url)
        self._target = target
        self._part = part
        self._resume = resume
        self._progress = progress
        self._on_checkpoint = on_checkpoint
        # The newest known state: validators and length of the version being written.
        self._state = resume
        self._opened = False

    async def run(self) -> Received:
        """Make the attempt; on failure decide about the ``.part`` and describe the resume."""
        try:
            return await self._attempt()
        except asyncio.CancelledError:
            self._keep_part()  # stopped by the user: keep what arrived for a later resume
            raise
        except httpx.TransportError as exc:
            kept = self._keep_part()
            done = self._part_size()
            raise self._describe(network_error(exc, self._shown, done, kept)) from exc
        except httpx.RequestError as exc:
            # Too many redirects, undecodable body: trying again will not help.
            self._keep_part()
            error = DownloadError(f"could not download {self._shown}: {exc}", url=self._shown)
            raise self._describe(error) from exc
        except DownloadVerificationError:
            # Matrix row 12: the server sent something other than the video; start clean.
            self._remove_part(always=True)
            raise
        except DownloadError as exc:
            self._keep_part()
            self._describe(exc)
            raise
        except Exception:
            self._remove_part()
            raise

    # -- the attempt --------------------------------------------------------------------

    async def _attempt(self) -> Received:
        offset, prefix = await self._usable_prefix()
        for start in (offset, 0) if offset else (0,):
            headers: dict[str, str] = {}
            validator = self._resume.validator if self._resume is not None else None
            if start and validator is not None:
                headers = range_headers(start, validator)
            async with self._client.stream(
                "GET", self._url, headers=headers, extensions={ORIGIN_EXTENSION: self._shown}
            ) as response:
                plan: Plan | None = None
                if start:
                    assert self._resume is not None
                    plan = plan_ranged(response, start, self._resume.total, self._resume.etag)
                if plan is None:
                    check_status(response, self._shown)
                    plan = Plan(Step.RESTART, 0, content_length(response))
                if plan.step is Step.REFETCH:
                    continue  # the response closes here; ask again for the whole file
                kept = prefix if plan.step is not Step.RESTART else None
                return await self._receive(response, plan, kept)
        raise DownloadError(f"could not resume {self._shown}: the server's answers did not fit")

    async def _usable_prefix(self) -> tuple[int, tuple[Digest, bytes] | None]:
        """How many bytes of the existing ``.part`` can be kept (0 = start over)."""
        resume = self._resume
        if resume is None or resume.validator is None:
            return 0, None
        size = self._part_size()
        if size == 0 or (resume.total is not None and size > resume.total):
            return 0, None
        try:
            digest, head = await asyncio.to_thread(read_prefix, self._part, size)
        except OSError:
            return 0, None
        if len(head) == 8 and head[4:8] != b"ftyp":
            return 0, None
        return size, (digest, head)

    async def _receive(
        self, response: httpx.Response, plan: Plan, prefix: tuple[Digest, bytes] | None
    ) -> Received:
        settings = self._settings
        complete = plan.step is Step.COMPLETE
        content_type = None if complete else check_content_type(response, self._shown)
        start, total = plan.start, plan.total
        self._state = self._state_for(response, plan)
        if not complete:
            self._check_space(total, start)
        digest, head = prefix if prefix is not None else (None, b"")
        sink = self._open("ab" if start else "wb")
        writer = PartWriter(
            sink,
            shown=self._shown,
            part=self._part,
            max_bytes=settings.max_bytes,
            total=total,
            free_space=settings.free_space,
            start=start,
            digest=digest,
            head=head,
            name=self._target.name,
        )
        try:
            if not complete:
                await self._stream(response, writer, start, total)
            writer.check_complete()
            await asyncio.to_thread(writer.sync)
        finally:
            writer.close()  # a cut keeps every byte received: they are written first
            with contextlib.suppress(OSError):
                sink.close()
        return Received(
            bytes=writer.written,
            sha256=writer.digest.hexdigest(),
            content_type=content_type,
            resumed_from=start,
            etag=self._state.etag,
            last_modified=self._state.last_modified,
        )

    async def _stream(
        self, response: httpx.Response, writer: PartWriter, start: int, total: int | None
    ) -> None:
        settings = self._settings
        clock = settings.clock
        throttle = ProgressThrottle(self._progress, total, clock, start=start)
        checkpoints = Checkpointer(
            clock,
            every_bytes=settings.checkpoint_bytes,
            every_seconds=settings.checkpoint_interval,
        )
        watchdog = StallWatchdog(
            clock, window=settings.stall_window, min_rate=settings.stall_min_rate
        )
        # The first checkpoint names the version (validators, length) before any byte lands.
        await self._checkpoint(start)
        checkpoints.mark(start)
        watchdog.start(start)
        size = settings.chunk_size
        # Write pieces as they arrive (not re-buffered), so a cut keeps every byte; the disk
        # writes and hashing run on the writer's thread while the next piece is received.
        async for data in response.aiter_bytes():
            for first in range(0, len(data), size):
                writer.write(data[first : first + size])
                throttle.update(writer.written)
            await writer.room()
            if watchdog.stalled(writer.written):
                await writer.drain()
                raise DownloadIncompleteError(
                    f"the download of {self._shown} stalled ({watchdog.describe()}) after "
                    f"{format_bytes(writer.written)}; the partial file was kept",
                    url=self._shown,
                    resumable=True,
                    partial_path=self._part,
                    transient=True,
                )
            if checkpoints.due(writer.written):
                await writer.drain()  # the state names bytes that are in the file
                await self._checkpoint(writer.written)
                checkpoints.mark(writer.written)
        if total is not None and writer.written < total:
            await writer.drain()
            raise incomplete_error(self._shown, writer.written, total, self._part)
        throttle.finish(writer.written)

    # -- helpers ------------------------------------------------------------------------

    def _state_for(self, response: httpx.Response, plan: Plan) -> ResumeState:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if plan.step is not Step.RESTART and self._resume is not None:
            # A 206/416 may omit validators; the ones we resumed with still describe the file.
            etag = etag or self._resume.etag
            modified = modified or self._resume.last_modified
        return ResumeState(self._target, self._part, plan.start, plan.total, etag, modified)

    def _open(self, mode: str) -> BinaryIO:
        try:
            sink = self._settings.opener(self._part, mode)
        except OSError as exc:
            raise DownloadError(
                f"could not write {self._target.name}: {exc.strerror or exc}", url=self._shown
            ) from exc
        self._opened = True
        return sink

    async def _checkpoint(self, done: int) -> None:
        if self._state is None:
            return
        self._state = self._state.advanced(done)
        if self._on_checkpoint is None:
            return
        outcome = self._on_checkpoint(self._state)
        if inspect.isawaitable(outcome):
            await outcome

    def _check_space(self, total: int | None, start: int) -> None:
        max_bytes = self._settings.max_bytes
        if total is not None and total > max_bytes:
            raise DownloadVerificationError(
                f"{self._shown} is {format_bytes(total)}, more than the "
                f"{format_bytes(max_bytes)} limit",
                url=self._shown,
            )
        remaining = None if total is None else total - start
        if remaining is None:
            need = UNKNOWN_SIZE_RESERVE
        else:
            need = remaining + int(remaining * SPACE_HEADROOM)
        folder = self._part.parent
        have = self._settings.free_space(folder)
        if have < need:
            raise InsufficientSpaceError(
                f"not enough free space in {folder}: need {format_bytes(need)}, "
                f"have {format_bytes(have)}",
                need=need,
                have=have,
                url=self._shown,
            )

    def _part_size(self) -> int:
        # Only a regular file of ours counts: a link planted at the name is never read or kept.
        return own_file_size(self._part)

    def _keep_part(self) -> Path | None:
        """Keep a non-empty ``.part``; returns it, or None (an empty one is removed)."""
        if self._part_size() > 0:
            return self._part
        if self._opened:
            self._remove_part()
        return None

    def _remove_part(self, *, always: bool = False) -> None:
        if self._opened or always:
            with contextlib.suppress(FileNotFoundError):
                self._part.unlink()

    def _describe(self, error: DownloadError) -> DownloadError:
        """Attach the ``.part`` and the state to resume from, when a ``.part`` is kept."""
        done = self._part_size()
        if done > 0:
            error.partial_path = error.partial_path or self._part
            base = self._state or ResumeState(self._target, self._part, done, None, None, None)
            error.resume_state = base.advanced(done)
        return error
