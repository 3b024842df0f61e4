"""Download jobs: QUEUED -> DOWNLOADING -> DOWNLOADED, resumable from the `.part` file.

A download is its own job (a child of the render), so a failed or interrupted download never
changes the render's COMPLETED state. Checkpoints (bytes done, validators, paths) go into the
store as the downloader reports them, so a crash resumes from the `.part` with Range + If-Range.
An expired CDN link (403/404/410) re-reads the generation once for a fresh one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from genpro_desktop.core.api import GenError, JobStatus
from genpro_desktop.core.downloads import (
    Downloader,
    DownloadError,
    DownloadProgress,
    DownloadResult,
    DownloadURLExpiredError,
    DownloadVerificationError,
    ResumeState,
    safe_filename,
)
from genpro_desktop.core.jobs.book import JobActionError, TrackerClosedError, UnknownJobError
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.events import EventHub, JobEvent
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.poller import output_problem

__all__ = ["MAX_CONCURRENT_DOWNLOADS", "AutoDownload", "DownloadRunner"]

logger = logging.getLogger("genpro_desktop.core.jobs")

MAX_CONCURRENT_DOWNLOADS = 3
# What a download job takes from the render (or the download) it fetches the video of.
_INHERITED = (
    "agent_id",
    "engine_id",
    "cell_id",
    "title",
    "engine_title",
    "row_number",
    "row_text",
    "output_url",
    "thumbnail_url",
)


class DownloadRunner:
    """Starting, resuming, cancelling and finishing downloads (a few at a time)."""

    def __init__(self, ctx: JobContext, downloader: Downloader, *, download_dir: Path) -> None:
        self._ctx = ctx
        self._book = ctx.book
        self._downloader = downloader
        self.download_dir = Path(download_dir)
        self._slots = asyncio.Semaphore(MAX_CONCURRENT_DOWNLOADS)

    async def download(self, job_id: str, dest: Path | None = None) -> LocalJob:
        """Download a completed render's video (to `dest`, a file or folder; else download_dir)."""
        self._book.ensure_open()
        render = await self._book.job(job_id)
        if render.kind is JobKind.DOWNLOAD:
            raise JobActionError("That is a download job; retry it instead of downloading it.")
        if not render.can_download():
            raise JobActionError(
                f"This {render.kind} is {render.state}; only a completed render with a video "
                "link can be downloaded."
            )
        name = safe_filename(render.title, None, render.remote_id)
        folder = self.download_dir if dest is None else Path(dest)
        target = folder / name if dest is None or folder.is_dir() else folder
        return await self._start_download(render, parent_id=render.id, target_path=str(target))

    async def retry(self, failed: LocalJob) -> LocalJob:
        """A new download job that resumes the failed/cancelled one's `.part` file."""
        return await self._start_download(
            failed,
            parent_id=failed.parent_id,
            target_path=failed.target_path,
            part_path=failed.part_path,
            bytes_done=failed.bytes_done,
            bytes_total=failed.bytes_total,
            etag=failed.etag,
            last_modified=failed.last_modified,
        )

    async def _start_download(self, source: LocalJob, **fields: Any) -> LocalJob:
        """A new download job of `source`'s video (a render, or a download to resume)."""
        inherited = {name: getattr(source, name) for name in _INHERITED}
        job = self._book.new_job(JobKind.DOWNLOAD, JobState.QUEUED, **inherited, **fields)
        self._book.track(job)
        await self._book.save(job, added=True)
        self._book.spawn(job, lambda: self._run_download(job))
        return replace(job)

    async def resume(self, job: LocalJob) -> None:
        """Queue again a download a previous run left queued or under way (from its `.part`)."""
        if job.state not in (JobState.QUEUED, JobState.DOWNLOADING):
            if job.is_active:
                # Nothing this version knows how to continue: show it rather than lose it.
                await self._book.park(
                    job, JobState.NEEDS_ATTENTION, "this download could not be resumed"
                )
            return
        if job.state is JobState.DOWNLOADING:
            self._book.set_state(job, JobState.QUEUED)
            await self._book.save(job)
        self._book.spawn(job, lambda: self._run_download(job))

    async def _run_download(self, job: LocalJob) -> None:
        """The download job's owned task."""
        try:
            async with self._slots:
                if not self._book.set_state(job, JobState.DOWNLOADING):
                    return
                await self._book.save(job)
                result = await self._fetch_with_fresh_link(job)
        except asyncio.CancelledError:
            if not self._book.closing and self._book.set_state(job, JobState.STOPPED):
                # Cancelled by the user: the .part stays for a resume.
                self._book.persist(job)
            raise
        except DownloadVerificationError as exc:
            # Wrong bytes: the downloader removed the .part; nothing is at the target.
            await self._book.finish(
                job, JobState.FAILED, failed_reason=str(exc), part_path=None, bytes_done=0
            )
            return
        except DownloadError as exc:
            if exc.resume_state is not None:
                self._remember_resume(job, exc.resume_state)
            kept = exc.partial_path is not None or exc.resume_state is not None
            reason = _with_resume_note(str(exc), kept=kept)
            await self._book.finish(job, JobState.FAILED, failed_reason=reason)
            return
        if result is None:
            return
        await self._book.finish(
            job,
            JobState.DOWNLOADED,
            target_path=str(result.path),
            part_path=None,
            bytes_done=result.bytes,
            bytes_total=result.bytes,
            sha256=result.sha256,
        )

    async def _fetch_with_fresh_link(self, job: LocalJob) -> DownloadResult | None:
        refreshed = False
        while True:
            url = job.output_url
            if url is None or job.target_path is None:
                await self._book.finish(
                    job, JobState.FAILED, failed_reason="no video link to download"
                )
                return None
            try:
                return await self._downloader.download(
                    url,
                    Path(job.target_path),
                    progress=lambda p: self._on_progress(job, p),
                    resume=_resume_state(job),
                    on_checkpoint=lambda state: self._on_checkpoint(job, state),
                )
            except DownloadURLExpiredError as exc:
                if refreshed:
                    raise
                refreshed = True
                fresh = await self._fresh_link(job)
                if fresh is None:
                    raise DownloadError(
                        f"{exc}; GEN did not give a fresh link for this video", url=exc.url
                    ) from exc
                job.output_url = fresh
                await self._book.save(job)

    async def _fresh_link(self, job: LocalJob) -> str | None:
        """Re-read the parent generation once for a new video link."""
        try:
            parent = await self._book.job(job.parent_id) if job.parent_id else None
        except UnknownJobError:
            parent = None
        if parent is None or parent.remote_id is None:
            return None
        try:
            async with self._ctx.scheduler.request_slot():
                generation = await self._ctx.connection.client.generations.get(parent.remote_id)
        except GenError as exc:
            logger.info("Re-reading generation %s for a fresh link: %s", parent.remote_id, exc)
            return None
        if generation.status is not JobStatus.COMPLETED:
            # A regression after completion is ignored (terminal is sticky); no link from it.
            logger.warning(
                "Generation %s now reports %r; keeping it completed",
                parent.remote_id,
                generation.raw_status or generation.status.value,
            )
            return None
        url = generation.video_url
        if output_problem(url) is not None or url is None:
            return None
        parent.output_url = url
        parent.thumbnail_url = generation.thumbnail_url or parent.thumbnail_url
        await self._book.save(parent)
        return url

    def _on_progress(self, job: LocalJob, progress: DownloadProgress) -> None:
        if progress.reconnect is not None:
            # The downloader reconnects by itself; the event shows "reconnecting, attempt 2 of 5".
            notice = progress.reconnect
            logger.info(
                "Download %s: %s in %.1f s after: %s",
                job.id,
                notice.describe(),
                notice.delay,
                notice.reason,
            )
        job.bytes_done = progress.bytes
        job.bytes_total = progress.total
        self._ctx.events.job_event("download_progress", job, progress=progress)

    async def _on_checkpoint(self, job: LocalJob, state: ResumeState) -> None:
        self._remember_resume(job, state)
        # Durable, but not announced: progress events already show how far the download is.
        await self._book.save(job, announce=False)

    def _remember_resume(self, job: LocalJob, state: ResumeState) -> None:
        job.target_path = str(state.target_path)
        job.part_path = str(state.part_path)
        job.bytes_done = state.bytes_done
        job.bytes_total = state.total
        job.etag = state.etag
        job.last_modified = state.last_modified
        job.updated_at = self._ctx.clock.wall()

    async def cancel(self, job: LocalJob) -> LocalJob:
        """Cancel a download (its `.part` stays for a retry)."""
        task = self._book.task(job.id)
        if task is not None:
            task.cancel()
            await asyncio.wait({task})
        elif self._book.set_state(job, JobState.STOPPED):
            await self._book.save(job)
        return replace(job)


def _resume_state(job: LocalJob) -> ResumeState | None:
    """Where a previous attempt left off (the downloader trusts the `.part`'s real size)."""
    if job.part_path is None or job.target_path is None:
        return None
    return ResumeState(
        target_path=Path(job.target_path),
        part_path=Path(job.part_path),
        bytes_done=job.bytes_done,
        total=job.bytes_total,
        etag=job.etag,
        last_modified=job.last_modified,
    )


def _with_resume_note(message: str, *, kept: bool) -> str:
    """The failure text plus how to resume, saying "the partial file is kept" only once
    (the downloader's own messages often say "the partial file was kept" already)."""
    if not kept:
        return message
    text = message.rstrip().rstrip(".")
    if "partial file" in text:
        return f"{text}; retry to resume"
    return f"{text} (the partial file is kept; retry to resume)"


class AutoDownload:
    """Queues the download of each render that completes, while `enabled` (a user setting).

    A subscriber of the event hub: it reacts to `job_finished` of a completed render, so the
    poller knows nothing about downloads. Its queueing tasks are its own and cancelled on close.
    """

    def __init__(self, runner: DownloadRunner, events: EventHub, *, enabled: bool = False) -> None:
        self.enabled = enabled
        self._runner = runner
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe = events.subscribe(self._on_event)

    def _on_event(self, event: JobEvent) -> None:
        job = event.job
        if not self.enabled or event.type != "job_finished" or job is None:
            return
        if job.kind is not JobKind.RENDER or job.state is not JobState.COMPLETED:
            return
        task = asyncio.get_running_loop().create_task(self._queue(job.id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _queue(self, job_id: str) -> None:
        try:
            await self._runner.download(job_id)
        except (JobActionError, TrackerClosedError, GenError, OSError) as exc:
            logger.warning("Could not queue the download of %s: %s", job_id, exc)

    async def aclose(self) -> None:
        """Stop reacting, and cancel the queueing still under way."""
        self._unsubscribe()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
