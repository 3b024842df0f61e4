"""`JobTracker`: the one owner of every render, download and publish the app tracks.

It owns one asyncio task per active job (no other code polls GEN), persists every change to the
store before announcing it on the `EventHub`, and never re-sends a charged or publish POST by
itself. On `start()` it resumes what a previous run left: intents without a GEN id become
OUTCOME_UNKNOWN, jobs with one resume polling (spread out), downloads resume from their `.part`.
`aclose()` cancels and awaits every task; a POST in flight is saved as OUTCOME_UNKNOWN.

The work is split by concern: `tracker_core` (state, saves, events, wait), `tracker_polling`,
`tracker_downloads` and `tracker_submit`; this module adds the lifecycle and the user actions.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from genpro_desktop.core.api import (
    GenClient,
    JobCannotBeStoppedError,
    OutcomeUnknownError,
)
from genpro_desktop.core.jobs.model import TERMINAL_STATES, JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.posts import PostTracker
from genpro_desktop.core.jobs.tracker_core import (
    SHUTDOWN_GRACE_S,
    JobActionError,
    TrackerClosedError,
    UnknownJobError,
    WaitTimeout,
)
from genpro_desktop.core.jobs.tracker_submit import DuplicateRiskError, SubmitMixin

__all__ = [
    "RESTART_REASON",
    "DuplicateRiskError",
    "JobActionError",
    "JobTracker",
    "TrackerClosedError",
    "UnknownJobError",
    "WaitTimeout",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

RESTART_REASON = "the app stopped before GEN answered; check GEN before retrying"


class JobTracker(SubmitMixin):
    """Tracks renders, downloads and publishes durably; see the module docstring.

    Schedule-API posts (kind POST) are tracked by its composed `PostTracker` (`posts`); the
    job-level actions below hand those jobs to it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.posts = PostTracker(
            lambda: self._client, self._store, self._scheduler, self._clock, self._events
        )

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Resume every unfinished job from the store; never re-sends a POST."""
        self._ensure_open()
        if self._started:
            return
        self._started = True
        to_poll: list[LocalJob] = []
        posts: list[LocalJob] = []
        for job in await self._store.active_jobs():
            if job.kind is JobKind.POST:
                posts.append(job)
                continue
            self._saved_states[job.id] = job.state
            self._jobs[job.id] = job
            await self._resume(job, to_poll)
        now = self._clock.now()
        for job, delay in zip(to_poll, self._scheduler.resume_spread(len(to_poll)), strict=True):
            # The deadline counts the time the job already ran (wall clock, only at start-up).
            left = self._scheduler.deadline(job.kind) - self.elapsed(job)
            self._deadlines[job.id] = now + max(0.0, left)
            self._start_polling(job, delay)
        await self.posts.start(posts)
        await self._follow_unreadable()
        for kind in JobKind:
            await self.typical_duration(kind)

    async def _follow_unreadable(self) -> None:
        """Keep following the GEN id of an unfinished job whose stored record cannot be read.

        The record stays untouched (a newer version may read it); a new job tracks its GEN id,
        so the render or post is still followed to the end and shows up in the history.
        """
        kinds = {JobKind.RENDER.value: JobKind.RENDER, JobKind.PUBLISH.value: JobKind.PUBLISH}
        finished = {state.value for state in TERMINAL_STATES}
        for record in await self._store.unreadable_jobs():
            kind = kinds.get(record.kind)
            if kind is None or not record.remote_id or record.state in finished:
                continue
            noun = "render" if kind is JobKind.RENDER else "publish"
            title = f"{noun} of unreadable job {record.id[:8]}"
            await self._adopt(kind, record.remote_id, record.agent_id, title)

    async def _resume(self, job: LocalJob, to_poll: list[LocalJob]) -> None:
        if job.kind is JobKind.DOWNLOAD and job.state in (JobState.QUEUED, JobState.DOWNLOADING):
            if job.state is JobState.DOWNLOADING:
                self._set_state(job, JobState.QUEUED)
                await self._save(job)
            self._spawn(job, lambda: self._run_download(job))
            return
        if job.state is JobState.SUBMITTING and job.kind is not JobKind.DOWNLOAD:
            if job.remote_id is None:
                await self._park(job, JobState.OUTCOME_UNKNOWN, RESTART_REASON)
                return
            self._set_state(job, JobState.PENDING)
            await self._save(job)
        pollable = job.kind is not JobKind.DOWNLOAD and job.remote_id is not None
        if pollable and job.state in (JobState.PENDING, JobState.PROCESSING):
            to_poll.append(job)
        elif job.is_active:
            # Nothing this version knows how to continue: show it rather than lose it.
            await self._park(job, JobState.NEEDS_ATTENTION, "this job could not be resumed")

    async def aclose(self) -> None:
        """Cancel and await every task (within ~2 s); in-flight POSTs become OUTCOME_UNKNOWN."""
        if self._closed:
            return
        self._closing = True
        await self.posts.aclose(SHUTDOWN_GRACE_S)
        # One grace period for everything; loop time, because a fake clock would end it at once.
        loop = asyncio.get_running_loop()
        ends = loop.time() + SHUTDOWN_GRACE_S
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)
            for task in stuck:
                logger.error(
                    "Task %s did not stop within %.0f s", task.get_name(), SHUTDOWN_GRACE_S
                )
        for job in list(self._jobs.values()):
            # A submission whose task never got to run is still only an intent.
            self._mark_interrupted(job)
        for job_id, submitted in list(self._submissions.items()):
            live = self._jobs.get(job_id)
            if not submitted.done() and live is not None:
                submitted.set_result(replace(live))
        self._submissions.clear()
        writes = set(self._writes)
        if writes:
            await asyncio.wait(writes, timeout=max(0.1, ends - loop.time()))
        self._fail_waiters()
        self._scheduler.set_listener(None)
        self._closed = True

    async def __aenter__(self) -> JobTracker:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def set_client(self, client: GenClient) -> None:
        """Use a new API client (the user signed in again) and lift an auth pause."""
        self._client = client
        self._scheduler.resume_auth()

    # -- adopting existing GEN jobs ------------------------------------------------------

    async def adopt_generation(
        self, generation_id: str, *, agent_id: str | None = None, title: str | None = None
    ) -> LocalJob:
        """Track an existing generation (or return the job already tracking it)."""
        return await self._adopt(JobKind.RENDER, str(generation_id), agent_id, title)

    async def adopt_user_job(
        self, user_job_id: str, *, agent_id: str | None = None, title: str | None = None
    ) -> LocalJob:
        """Track an existing publish user job (or return the job already tracking it)."""
        return await self._adopt(JobKind.PUBLISH, str(user_job_id), agent_id, title)

    async def _adopt(
        self, kind: JobKind, remote_id: str, agent_id: str | None, title: str | None
    ) -> LocalJob:
        self._ensure_open()
        for live in self._jobs.values():
            if live.kind is kind and live.remote_id == remote_id:
                return replace(live)
        existing = await self._store.find_by_remote(kind, remote_id)
        if existing is not None:
            return replace(existing)
        job = self._new_job(
            kind,
            JobState.PENDING,
            agent_id=agent_id if agent_id is not None else self._client.agent_id,
            remote_id=remote_id,
            title=title,
        )
        self._jobs[job.id] = job
        await self._save(job, added=True)
        self._start_polling(job, 0.0)
        return replace(job)

    # -- posts (kind POST) are the PostTracker's --------------------------------------

    async def _is_post(self, job_id: str) -> bool:
        if self.posts.owns(job_id):
            return True
        if job_id in self._jobs:
            return False
        stored = await self._store.get_job(job_id)
        return stored is not None and stored.kind is JobKind.POST

    def live_jobs(self) -> list[LocalJob]:
        """Copies of every job the tracker is working on or waiting on the user for."""
        return [*super().live_jobs(), *self.posts.live_jobs()]

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the job (live, else from the store); raises `UnknownJobError`."""
        if self.posts.owns(job_id):
            return await self.posts.get(job_id)
        return await super().get(job_id)

    async def wait(self, job_id: str, *, timeout: float | None = None) -> LocalJob:  # noqa: ASYNC109
        """Resolve when the job is terminal or parked; `WaitTimeout` after `timeout` seconds."""
        if await self._is_post(job_id):
            return await self.posts.wait(job_id, timeout=timeout)
        return await super().wait(job_id, timeout=timeout)

    async def retry(self, job_id: str, *, force: bool = False) -> LocalJob:
        """User-confirmed retry (see `SubmitMixin.retry`; posts: `PostTracker.retry`)."""
        if await self._is_post(job_id):
            self._ensure_open()
            return await self.posts.retry(job_id, force=force)
        return await super().retry(job_id, force=force)

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this job found it on GEN and followed it (no re-send)."""
        return super().found_on_gen(job_id) or self.posts.found_on_gen(job_id)

    async def refresh(self, job_id: str) -> LocalJob:
        """Read a render/publish/post from GEN now and apply it (a user's "check now")."""
        if await self._is_post(job_id):
            return await self.posts.refresh(job_id)
        return await super().refresh(job_id)

    # -- user actions --------------------------------------------------------------------

    async def stop(self, job_id: str) -> LocalJob:
        """Stop a running render on GEN (re-read to confirm) or cancel a download."""
        self._ensure_open()
        job = await self._job(job_id)
        if not job.can_stop():
            raise JobActionError(f"This {job.kind} job is {job.state} and cannot be stopped.")
        if job.kind is JobKind.DOWNLOAD:
            return await self._cancel_download(job)
        remote_id = job.remote_id
        assert remote_id is not None  # can_stop() checked it
        try:
            async with self._scheduler.request_slot():
                await self._client.generations.stop(remote_id)
        except (JobCannotBeStoppedError, OutcomeUnknownError) as exc:
            # Already finished, or unknown whether the stop landed: the re-read below tells.
            logger.info("Stopping generation %s: %s", remote_id, exc)
        async with self._scheduler.request_slot():
            generation = await self._client.generations.get(remote_id)
        await self._apply_remote(job, generation)
        return replace(job)

    async def dismiss(self, job_id: str) -> LocalJob:
        """The user gives up on a parked job (outcome unknown / needs attention), or on one
        whose status GEN reports as one this app does not know (its polling ends)."""
        if await self._is_post(job_id):
            return await self.posts.dismiss(job_id)
        job = await self._job(job_id)
        if not job.can_dismiss():
            raise JobActionError(
                f"This {job.kind} job is {job.state}; only a job waiting for you "
                "(outcome unknown, needs attention, or a status GEN reports that this app "
                "does not know) can be dismissed."
            )
        await self._finish(job, JobState.DISMISSED)
        return replace(job)

    async def keep_waiting(self, job_id: str) -> LocalJob:
        """Resume polling a job that needed attention (e.g. it ran past its deadline)."""
        self._ensure_open()
        if await self._is_post(job_id):
            return await self.posts.keep_waiting(job_id)
        job = await self._job(job_id)
        if job.state is not JobState.NEEDS_ATTENTION or job.remote_id is None:
            raise JobActionError(
                f"This {job.kind} job is {job.state}; only a job that needs "
                "attention and has a GEN id can keep waiting."
            )
        state = JobState.PENDING if job.raw_status == "pending" else JobState.PROCESSING
        self._set_state(job, state, attention_reason=None, unknown_count=0)
        self._deadlines[job.id] = self._clock.now() + self._scheduler.deadline(job.kind)
        self._no_output.pop(job.id, None)
        self._jobs[job.id] = job
        await self._save(job)
        self._start_polling(job, None)
        return replace(job)
