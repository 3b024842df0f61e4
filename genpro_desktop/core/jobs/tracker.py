"""`JobTracker`: the one owner of every render, download and publish the app tracks.

It owns one asyncio task per active job (no other code polls GEN), persists every change to the
store before announcing it on the `EventHub`, and never re-sends a charged or publish POST by
itself. On `start()` it resumes what a previous run left: intents without a GEN id become
OUTCOME_UNKNOWN, jobs with one resume polling (spread out), downloads resume from their `.part`.
`aclose()` cancels and awaits every task; a POST in flight is saved as OUTCOME_UNKNOWN.

It is a small facade over parts that each own their state and get their collaborators through
their constructors: the `JobBook` (live jobs, saves, events, waiters), the `Connection` (client,
auth pause), the `Poller` (deadlines, typical durations, poll plans), the `Submitter` (intents,
in-flight POSTs, credit refusals), the `DownloadRunner` (slots, progress) and `AutoDownload`
(a subscriber of the event hub), and the `PostTracker` (schedule-API posts, kind POST, with
their own live jobs, tasks and waiters). This module adds the lifecycle and the user actions,
and hands every action on a post to the `PostTracker`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

from genpro_desktop.core.api import GenClient
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.jobs.book import (
    JobActionError,
    JobBook,
    TrackerClosedError,
    UnknownJobError,
    WaitTimeout,
)
from genpro_desktop.core.jobs.connection import Connection
from genpro_desktop.core.jobs.download_runner import AutoDownload, DownloadRunner
from genpro_desktop.core.jobs.events import EventHub
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.jobs.poller import Poller
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.posts import PostTracker
from genpro_desktop.core.jobs.scheduler import PollScheduler
from genpro_desktop.core.jobs.submitter import DuplicateRiskError, Submitter

__all__ = [
    "RESTART_REASON",
    "SHUTDOWN_GRACE_S",
    "DuplicateRiskError",
    "JobActionError",
    "JobTracker",
    "TrackerClosedError",
    "UnknownJobError",
    "WaitTimeout",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

RESTART_REASON = "the app stopped before GEN answered; check GEN before retrying"
# How long aclose() lets cancelled tasks and queued saves finish. It bounds a real shutdown, so
# it is loop time rather than the injected clock (a fake clock would make it end at once).
SHUTDOWN_GRACE_S = 2.0


class JobTracker:
    """Tracks renders, downloads and publishes durably; see the module docstring."""

    def __init__(
        self,
        client: GenClient,
        store: JobStore,
        downloader: Downloader,
        scheduler: PollScheduler,
        clock: Clock,
        events: EventHub,
        *,
        download_dir: Path,
        auto_download: bool = False,
    ) -> None:
        self._store = store
        self._scheduler = scheduler
        self.book = JobBook(store, clock, events)
        self.connection = Connection(client, scheduler, events)
        self.poller = Poller(self.book, self.connection, scheduler, clock, store, events)
        self.submitter = Submitter(self.book, self.connection, scheduler, clock, store, self.poller)
        self.downloads = DownloadRunner(
            self.book,
            self.connection,
            downloader,
            scheduler,
            clock,
            events,
            download_dir=download_dir,
        )
        self.auto_downloads = AutoDownload(self.downloads, events, enabled=auto_download)
        self.posts = PostTracker(self.connection, store, scheduler, clock, events)
        self._started = False
        self._closed = False

    # -- settings and delegated queries --------------------------------------------------

    @property
    def download_dir(self) -> Path:
        return self.downloads.download_dir

    @download_dir.setter
    def download_dir(self, folder: Path) -> None:
        self.downloads.download_dir = Path(folder)

    @property
    def auto_download(self) -> bool:
        return self.auto_downloads.enabled

    @auto_download.setter
    def auto_download(self, enabled: bool) -> None:
        self.auto_downloads.enabled = enabled

    def live_jobs(self) -> list[LocalJob]:
        """Copies of every job the tracker is working on or waiting on the user for."""
        return [*self.book.live_jobs(), *self.posts.live_jobs()]

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the job (live, else from the store); raises `UnknownJobError`."""
        if self.posts.owns(job_id):
            return await self.posts.get(job_id)
        return replace(await self.book.job(job_id))

    # The timeout runs on the tracker's clock (fake in tests), which asyncio.timeout cannot do.
    async def wait(self, job_id: str, *, timeout: float | None = None) -> LocalJob:  # noqa: ASYNC109
        """Resolve when the job is terminal or parked; `WaitTimeout` after `timeout` seconds."""
        if await self._is_post(job_id):
            return await self.posts.wait(job_id, timeout=timeout)
        return await self.book.wait(job_id, timeout=timeout)

    def elapsed(self, job: LocalJob) -> float:
        """Seconds since the job was created (until it finished, for finished jobs)."""
        return self.book.elapsed(job)

    async def typical_duration(self, kind: JobKind) -> float | None:
        """Median seconds recent successful jobs of `kind` took (None with too little history)."""
        return await self.poller.typical_duration(kind)

    def is_overdue(self, job: LocalJob) -> bool:
        """True when a running job has run over 1.5 x the typical duration of its kind."""
        return self.poller.is_overdue(job)

    def idempotency_expired(self, job: LocalJob) -> bool:
        """True when GEN no longer honours the job's idempotency key (first sent > 24 h ago)."""
        return self.submitter.idempotency_expired(job)

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this job found it on GEN and followed it (no re-send)."""
        return self.submitter.found_on_gen(job_id) or self.posts.found_on_gen(job_id)

    # -- delegated actions ---------------------------------------------------------------

    async def submit_render(
        self,
        engine_id: str,
        cell_id: str,
        *,
        agent_id: str | None = None,
        title: str | None = None,
        origin: RenderOrigin | None = None,
    ) -> LocalJob:
        """Record the intent, POST the render once, then track it (see `Submitter`)."""
        return await self.submitter.submit_render(
            engine_id, cell_id, agent_id=agent_id, title=title, origin=origin
        )

    async def publish_intent(self, job: LocalJob) -> LocalJob:
        """Record a publish intent built by PublishService, POST it once, then track it."""
        return await self.submitter.publish_intent(job)

    async def download(self, job_id: str, dest: Path | None = None) -> LocalJob:
        """Download a completed render's video (to `dest`, a file or folder; else download_dir)."""
        return await self.downloads.download(job_id, dest)

    async def refresh(self, job_id: str) -> LocalJob:
        """Read a render/publish/post from GEN now and apply it (a user's "check now")."""
        if await self._is_post(job_id):
            return await self.posts.refresh(job_id)
        return await self.poller.refresh(job_id)

    async def retry(self, job_id: str, *, force: bool = False) -> LocalJob:
        """User-confirmed retry: re-send with the same idempotency key, or resume a download.

        Past GEN's 24-hour idempotency window, see `Submitter.retry` (`DuplicateRiskError`
        unless `force`).
        """
        self.book.ensure_open()
        if await self._is_post(job_id):
            return await self.posts.retry(job_id, force=force)
        job = await self.book.job(job_id)
        if not job.can_retry():
            raise JobActionError(
                f"This {job.kind} job is {job.state}; only a job whose outcome is unknown, a "
                "render or publish that was never started, or a failed download can be retried."
            )
        if job.kind is JobKind.DOWNLOAD:
            return await self.downloads.retry(job)
        return await self.submitter.retry(job, force=force)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume every unfinished job from the store; never re-sends a POST."""
        self.book.ensure_open()
        if self._started:
            return
        self._started = True
        to_poll: list[LocalJob] = []
        posts: list[LocalJob] = []
        for job in await self._store.active_jobs():
            if job.kind is JobKind.POST:
                posts.append(job)
                continue
            self.book.load(job)
            await self._resume(job, to_poll)
        for job, delay in zip(to_poll, self._scheduler.resume_spread(len(to_poll)), strict=True):
            self.poller.resume_deadline(job)
            self.poller.start_polling(job, delay)
        await self.posts.start(posts)
        await self.poller.follow_unreadable()
        for kind in JobKind:
            await self.poller.typical_duration(kind)

    async def _resume(self, job: LocalJob, to_poll: list[LocalJob]) -> None:
        if job.kind is JobKind.DOWNLOAD and job.state in (JobState.QUEUED, JobState.DOWNLOADING):
            await self.downloads.resume(job)
            return
        if job.state is JobState.SUBMITTING and job.kind is not JobKind.DOWNLOAD:
            if job.remote_id is None:
                await self.book.park(job, JobState.OUTCOME_UNKNOWN, RESTART_REASON)
                return
            self.book.set_state(job, JobState.PENDING)
            await self.book.save(job)
        pollable = job.kind is not JobKind.DOWNLOAD and job.remote_id is not None
        if pollable and job.state in (JobState.PENDING, JobState.PROCESSING):
            to_poll.append(job)
        elif job.is_active:
            # Nothing this version knows how to continue: show it rather than lose it.
            await self.book.park(job, JobState.NEEDS_ATTENTION, "this job could not be resumed")

    async def aclose(self) -> None:
        """Cancel and await every task (within ~2 s); in-flight POSTs become OUTCOME_UNKNOWN."""
        if self._closed:
            return
        self.book.close()
        await self.posts.aclose(SHUTDOWN_GRACE_S)
        await self.auto_downloads.aclose()
        # One grace period for everything; loop time, because a fake clock would end it at once.
        loop = asyncio.get_running_loop()
        ends = loop.time() + SHUTDOWN_GRACE_S
        tasks = self.book.running_tasks()
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
            for task in stuck:
                logger.error(
                    "Task %s did not stop within %.0f s", task.get_name(), SHUTDOWN_GRACE_S
                )
        self.submitter.close()
        await self.book.drain(max(0.1, ends - loop.time()))
        self.book.fail_waiters()
        self.poller.close()
        self.connection.close()
        self._closed = True

    async def __aenter__(self) -> JobTracker:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def set_client(self, client: GenClient) -> None:
        """Use a new API client (the user signed in again) and lift an auth pause."""
        self.connection.set_client(client)

    # -- adopting existing GEN jobs ------------------------------------------------------

    async def adopt_generation(
        self,
        generation_id: str,
        *,
        agent_id: str | None = None,
        title: str | None = None,
        engine_id: str | None = None,
        cell_id: str | None = None,
        origin: RenderOrigin | None = None,
    ) -> LocalJob:
        """Track an existing generation (or return the job already tracking it); the engine,
        cell and row it is of name it in lists when known."""
        return await self.poller.adopt(
            JobKind.RENDER,
            str(generation_id),
            agent_id,
            title,
            engine_id=engine_id,
            cell_id=cell_id,
            origin=origin,
        )

    async def adopt_user_job(
        self, user_job_id: str, *, agent_id: str | None = None, title: str | None = None
    ) -> LocalJob:
        """Track an existing publish user job (or return the job already tracking it)."""
        return await self.poller.adopt(JobKind.PUBLISH, str(user_job_id), agent_id, title)

    # -- user actions --------------------------------------------------------------------

    async def stop(self, job_id: str) -> LocalJob:
        """Stop a running render on GEN (re-read to confirm) or cancel a download."""
        self.book.ensure_open()
        job = await self.book.job(job_id)
        if not job.can_stop():
            raise JobActionError(f"This {job.kind} job is {job.state} and cannot be stopped.")
        if job.kind is JobKind.DOWNLOAD:
            return await self.downloads.cancel(job)
        return await self.poller.stop_render(job)

    async def dismiss(self, job_id: str) -> LocalJob:
        """The user gives up on a parked job (outcome unknown / needs attention), or on one
        whose status GEN reports as one this app does not know (its polling ends)."""
        if await self._is_post(job_id):
            return await self.posts.dismiss(job_id)
        job = await self.book.job(job_id)
        if not job.can_dismiss():
            raise JobActionError(
                f"This {job.kind} job is {job.state}; only a job waiting for you "
                "(outcome unknown, needs attention, or a status GEN reports that this app "
                "does not know) can be dismissed."
            )
        await self.book.finish(job, JobState.DISMISSED)
        return replace(job)

    async def keep_waiting(self, job_id: str) -> LocalJob:
        """Resume polling a job that needed attention (e.g. it ran past its deadline)."""
        if await self._is_post(job_id):
            return await self.posts.keep_waiting(job_id)
        return await self.poller.keep_waiting(job_id)

    async def _is_post(self, job_id: str) -> bool:
        """True for a schedule-API post (the `PostTracker`'s job), live or stored."""
        if self.posts.owns(job_id):
            return True
        if self.book.live_job(job_id) is not None:
            return False
        stored = await self._store.get_job(job_id)
        return stored is not None and stored.kind is JobKind.POST
