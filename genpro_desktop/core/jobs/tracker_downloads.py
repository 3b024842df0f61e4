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

from genpro_desktop.core.api import Generation, GenError, JobStatus, UserJob
from genpro_desktop.core.downloads import (
    DownloadError,
    DownloadProgress,
    DownloadResult,
    DownloadURLExpiredError,
    DownloadVerificationError,
    ResumeState,
    safe_filename,
)
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.tracker_core import (
    JobActionError,
    TrackerClosedError,
    UnknownJobError,
)
from genpro_desktop.core.jobs.tracker_polling import PollingMixin, PollStep, output_problem

__all__ = ["DownloadMixin"]

logger = logging.getLogger("genpro_desktop.core.jobs")


class DownloadMixin(PollingMixin):
    """Starting, resuming, cancelling and finishing downloads."""

    async def download(self, job_id: str, dest: Path | None = None) -> LocalJob:
        """Download a completed render's video (to `dest`, a file or folder; else download_dir)."""
        self._ensure_open()
        render = await self._job(job_id)
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
        job = self._new_job(
            JobKind.DOWNLOAD,
            JobState.QUEUED,
            agent_id=render.agent_id,
            parent_id=render.id,
            engine_id=render.engine_id,
            cell_id=render.cell_id,
            title=render.title,
            output_url=render.output_url,
            thumbnail_url=render.thumbnail_url,
            target_path=str(target),
        )
        await self._start_download(job, added=True)
        return replace(job)

    async def _start_download(self, job: LocalJob, *, added: bool) -> None:
        self._jobs[job.id] = job
        await self._save(job, added=added)
        self._spawn(job, lambda: self._run_download(job))

    async def _retry_download(self, failed: LocalJob) -> LocalJob:
        """A new download job that resumes the failed/cancelled one's `.part` file."""
        job = self._new_job(
            JobKind.DOWNLOAD,
            JobState.QUEUED,
            agent_id=failed.agent_id,
            parent_id=failed.parent_id,
            engine_id=failed.engine_id,
            cell_id=failed.cell_id,
            title=failed.title,
            output_url=failed.output_url,
            thumbnail_url=failed.thumbnail_url,
            target_path=failed.target_path,
            part_path=failed.part_path,
            bytes_done=failed.bytes_done,
            bytes_total=failed.bytes_total,
            etag=failed.etag,
            last_modified=failed.last_modified,
        )
        await self._start_download(job, added=True)
        return replace(job)

    async def _apply_completed(self, job: LocalJob, remote: Generation | UserJob) -> PollStep:
        step = await super()._apply_completed(job, remote)
        if self.auto_download and job.kind is JobKind.RENDER and job.state is JobState.COMPLETED:
            try:
                await self.download(job.id)
            except (JobActionError, TrackerClosedError, GenError, OSError) as exc:
                logger.warning("Could not queue the download of %s: %s", job.id, exc)
        return step

    async def _run_download(self, job: LocalJob) -> None:
        """The download job's owned task."""
        try:
            async with self._download_slots:
                if not self._set_state(job, JobState.DOWNLOADING):
                    return
                await self._save(job)
                result = await self._fetch_with_fresh_link(job)
        except asyncio.CancelledError:
            if not self._closing and self._set_state(job, JobState.STOPPED):
                # Cancelled by the user: the .part stays for a resume.
                self._persist(job)
            raise
        except DownloadVerificationError as exc:
            # Wrong bytes: the downloader removed the .part; nothing is at the target.
            await self._finish(
                job, JobState.FAILED, failed_reason=str(exc), part_path=None, bytes_done=0
            )
            return
        except DownloadError as exc:
            if exc.resume_state is not None:
                self._remember_resume(job, exc.resume_state)
            kept = exc.partial_path is not None or exc.resume_state is not None
            reason = _with_resume_note(str(exc), kept=kept)
            await self._finish(job, JobState.FAILED, failed_reason=reason)
            return
        if result is None:
            return
        await self._finish(
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
                await self._finish(job, JobState.FAILED, failed_reason="no video link to download")
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
                await self._save(job)

    async def _fresh_link(self, job: LocalJob) -> str | None:
        """Re-read the parent generation once for a new video link."""
        try:
            parent = await self._job(job.parent_id) if job.parent_id else None
        except UnknownJobError:
            parent = None
        if parent is None or parent.remote_id is None:
            return None
        try:
            async with self._scheduler.request_slot():
                generation = await self._client.generations.get(parent.remote_id)
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
        await self._save(parent)
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
        self._events.job_event("download_progress", job, progress=progress)

    async def _on_checkpoint(self, job: LocalJob, state: ResumeState) -> None:
        self._remember_resume(job, state)
        # Durable, but not announced: progress events already show how far the download is.
        await self._save(job, announce=False)

    def _remember_resume(self, job: LocalJob, state: ResumeState) -> None:
        job.target_path = str(state.target_path)
        job.part_path = str(state.part_path)
        job.bytes_done = state.bytes_done
        job.bytes_total = state.total
        job.etag = state.etag
        job.last_modified = state.last_modified
        job.updated_at = self._clock.wall()

    async def _cancel_download(self, job: LocalJob) -> LocalJob:
        task = self._tasks.get(job.id)
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait({task})
        elif self._set_state(job, JobState.STOPPED):
            await self._save(job)
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
