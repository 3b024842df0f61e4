"""`JobTracker`: the one owner of every render, download, publish and post the app tracks.

It owns one asyncio task per active job (no other code polls GEN), persists every change to the
store before announcing it on the `EventHub`, and never re-sends a charged or publish POST by
itself. On `start()` it resumes what a previous run left: intents without a GEN id become
OUTCOME_UNKNOWN, jobs with one resume polling (spread out), downloads resume from their `.part`.
`aclose()` cancels and awaits every task; a POST in flight is saved as OUTCOME_UNKNOWN.

It is a small facade over parts that each own their state and get their collaborators through
their constructors (the shared ones in one `JobContext`): the `JobBook` (live jobs of every
kind, saves, events, waiters), the `Connection` (client, auth pause), the `Sending` runner
(intents, in-flight POSTs, honest outcomes, the user's retry), the `Poller` (deadlines, typical
durations, poll plans), the `Submitter` (renders and publishes, credit refusals), the
`PostTracker` (schedule-API posts, kind POST), the `DownloadRunner` (slots, progress) and
`AutoDownload` (a subscriber of the event hub). This module adds the lifecycle and hands each
user action to the part that owns the job's kind; an action that belongs to one part only is
that part's method, offered here as it is.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from genpro_desktop.core.api import GenClient
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.jobs.book import JobActionError, JobBook
from genpro_desktop.core.jobs.connection import Connection
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.download_runner import AutoDownload, DownloadRunner
from genpro_desktop.core.jobs.events import EventHub
from genpro_desktop.core.jobs.model import JobKind, LocalJob, RenderOrigin
from genpro_desktop.core.jobs.poller import Poller
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.posts import PostTracker
from genpro_desktop.core.jobs.scheduler import PollScheduler
from genpro_desktop.core.jobs.sending import Sending
from genpro_desktop.core.jobs.submitter import Submitter

__all__ = ["SHUTDOWN_GRACE_S", "JobTracker"]

# How long aclose() lets cancelled tasks and queued saves finish. It bounds a real shutdown, so
# it is loop time rather than the injected clock (a fake clock would make it end at once).
SHUTDOWN_GRACE_S = 2.0


class JobTracker:
    """Tracks renders, downloads, publishes and posts durably; see the module docstring."""

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
        ctx = JobContext(self.book, self.connection, scheduler, clock, store, events)
        self.sending = Sending(ctx)
        self.poller = Poller(ctx)
        self.submitter = Submitter(ctx, self.sending, self.poller)
        self.posts = PostTracker(ctx, self.sending)
        self.downloads = DownloadRunner(ctx, downloader, download_dir=download_dir)
        self.auto_downloads = AutoDownload(self.downloads, events, enabled=auto_download)
        # Queries and actions that belong to one part, offered as that part's own methods.
        self.live_jobs = self.book.live_jobs
        self.wait = self.book.wait
        self.elapsed = self.book.elapsed
        self.typical_duration = self.poller.typical_duration
        self.is_overdue = self.poller.is_overdue
        self.idempotency_expired = self.sending.idempotency_expired
        self.submit_render = self.submitter.submit_render
        self.publish_intent = self.submitter.publish_intent
        self.download = self.downloads.download
        self.set_client = self.connection.set_client
        self.dismiss = self.book.dismiss
        self._started = False
        self._closed = False

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

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the job (live, else from the store); raises `UnknownJobError`."""
        return replace(await self.book.job(job_id))

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this job found it on GEN and followed it (no re-send)."""
        return self.submitter.found_on_gen(job_id) or self.posts.found_on_gen(job_id)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume every unfinished job from the store; never re-sends a POST."""
        self.book.ensure_open()
        if self._started:
            return
        self._started = True
        to_poll: list[LocalJob] = []
        for job in await self._store.active_jobs():
            self.book.load(job)
            if job.kind is JobKind.DOWNLOAD:
                await self.downloads.resume(job)
            elif await self.sending.resume(job):
                to_poll.append(job)
        for job, delay in zip(to_poll, self._scheduler.resume_spread(len(to_poll)), strict=True):
            if job.kind is JobKind.POST:
                self.posts.start_polling(job, delay)
            else:
                self.poller.resume(job, delay)
        await self.poller.follow_unreadable()
        for kind in JobKind:
            await self.poller.typical_duration(kind)

    async def aclose(self) -> None:
        """Cancel and await every task (within ~2 s); in-flight POSTs become OUTCOME_UNKNOWN."""
        if self._closed:
            return
        self.book.close()
        await self.auto_downloads.aclose()
        # One grace period for everything; loop time, because a fake clock would end it at once.
        loop = asyncio.get_running_loop()
        ends = loop.time() + SHUTDOWN_GRACE_S
        await self.book.cancel_tasks(SHUTDOWN_GRACE_S)
        self.sending.close()
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

    # -- user actions, handed to the part that owns the job's kind ------------------------

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

    async def refresh(self, job_id: str) -> LocalJob:
        """Read a render/publish/post from GEN now and apply it (a user's "check now")."""
        job = await self.book.job(job_id)
        return await (self.posts if job.kind is JobKind.POST else self.poller).refresh(job)

    async def retry(self, job_id: str, *, force: bool = False) -> LocalJob:
        """User-confirmed retry: re-send with the same idempotency key, or resume a download.

        Past GEN's 24-hour idempotency window, see `Sending.retry` (`DuplicateRiskError`
        unless `force`).
        """
        job = await self.book.retryable(job_id)
        if job.kind is JobKind.DOWNLOAD:
            return await self.downloads.retry(job)
        return await (self.posts if job.kind is JobKind.POST else self.submitter).retry(
            job, force=force
        )

    async def stop(self, job_id: str) -> LocalJob:
        """Stop a running render on GEN (re-read to confirm) or cancel a download."""
        self.book.ensure_open()
        job = await self.book.job(job_id)
        if not job.can_stop():
            raise JobActionError(f"This {job.kind} job is {job.state} and cannot be stopped.")
        if job.kind is JobKind.DOWNLOAD:
            return await self.downloads.cancel(job)
        return await self.poller.stop_render(job)

    async def keep_waiting(self, job_id: str) -> LocalJob:
        """Resume polling a job that needed attention (e.g. it ran past its deadline)."""
        job = await self.book.needing_attention(job_id)
        return await (self.posts if job.kind is JobKind.POST else self.poller).keep_waiting(job)
