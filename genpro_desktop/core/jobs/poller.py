"""Polling renders (generations) and publishes (user jobs), and applying what GEN reports.

Rules (reliability anchors P1-P6 and rows 1, 8-10, 20, 25): pending/processing keep polling on
the scheduler's plan (predictive when the kind's typical duration is known) until the job's
deadline; completed/failed/stopped are terminal. A status this app does not know (GEN adds
statuses without notice) never ends tracking: the job keeps its last known state, is flagged
(`LocalJob.status_unknown`, GEN's word in `raw_status`) and is polled at the normal cadence until
a known terminal status, a 404, the user's dismissal or the deadline. A 404 on a known job, a
completion without a usable video link (after three re-reads) or a passed deadline park the job
as NEEDS_ATTENTION; a status arriving after a terminal one is logged and ignored. Read failures
after the client's own retries never change a job: the scheduler backs off (offline, 429) or
pauses (401/403).
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Callable
from dataclasses import replace
from enum import Enum

from genpro_desktop.core import api
from genpro_desktop.core.api import Generation, JobStatus, UserJob
from genpro_desktop.core.downloads import DownloadError, check_download_url
from genpro_desktop.core.jobs.book import JobActionError, consume_exception
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.model import (
    TERMINAL_STATES,
    JobKind,
    JobState,
    LocalJob,
    RenderOrigin,
)
from genpro_desktop.core.jobs.view import is_overdue

__all__ = ["PollStep", "Poller", "output_problem"]

logger = logging.getLogger("genpro_desktop.core.jobs")

NO_OUTPUT_REREADS = 3
# A 429 without Retry-After still pauses the origin for a moment rather than not at all.
DEFAULT_RATE_LIMIT_S = 10.0


class PollStep(Enum):
    """What the poll loop does after one read."""

    CONTINUE = "continue"
    STOP = "stop"


class Poller:
    """The poll loop of renders and publishes: deadlines, typical durations and poll plans."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._book = ctx.book
        self._deadlines: dict[str, float] = {}
        self._no_output: dict[str, int] = {}
        self._typical: dict[JobKind, float | None] = {}
        # What the poll plan knows per kind: (median of recent successes, how many), even one.
        self._estimates: dict[JobKind, tuple[float | None, int]] = {}
        ctx.book.on_retire(self._forget)
        self._unsubscribe: Callable[[], None] | None = ctx.events.subscribe(self._on_event)

    def close(self) -> None:
        """Stop following events (the tracker is closed)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _forget(self, job_id: str) -> None:
        self._deadlines.pop(job_id, None)
        self._no_output.pop(job_id, None)

    def _on_event(self, event: JobEvent) -> None:
        job = event.job
        if event.type != "job_finished" or job is None:
            return
        if job.state in (JobState.COMPLETED, JobState.DOWNLOADED):
            # One more success changes the typical duration the UI compares against.
            refresh = asyncio.get_running_loop().create_task(self.typical_duration(job.kind))
            refresh.add_done_callback(consume_exception)
            self._book.track_write(refresh)

    # -- deadlines -----------------------------------------------------------------------

    def start_deadline(self, job: LocalJob) -> None:
        """The job's deadline runs from now (it was just sent, found, or the user keeps waiting)."""
        self._deadlines[job.id] = self._ctx.clock.now() + self._ctx.scheduler.deadline(job.kind)
        self._no_output.pop(job.id, None)

    def resume(self, job: LocalJob, first_delay: float) -> None:
        """At start-up: poll a job a previous run left; its deadline counts the time it
        already ran (wall clock)."""
        left = self._ctx.scheduler.deadline(job.kind) - self._book.elapsed(job)
        self._deadlines[job.id] = self._ctx.clock.now() + max(0.0, left)
        self.start_polling(job, first_delay)

    # -- durations -----------------------------------------------------------------------

    async def typical_duration(self, kind: JobKind) -> float | None:
        """Median seconds recent successful jobs of `kind` took (None with too little history).

        Also refreshes what the poll plan uses, which is not that picky: the median of however
        few recent successes there are (one sample is better than none).
        """
        value = await self._ctx.store.typical_duration(kind)
        self._typical[kind] = value
        samples = await self._ctx.store.recent_durations(kind)
        self._estimates[kind] = (statistics.median(samples) if samples else None, len(samples))
        return value

    def is_overdue(self, job: LocalJob) -> bool:
        """True when a running job has run over 1.5 x the typical duration of its kind."""
        return is_overdue(job, self._book.elapsed(job), self._typical.get(job.kind))

    # -- polling -------------------------------------------------------------------------

    async def poll_loop(self, job: LocalJob, first_delay: float | None = None) -> None:
        """Poll `job` on its plan until it is terminal or parked (the job's owned task).

        The plan sees how long the job has run: from its creation on the wall clock when the
        loop starts (so a job resumed after a restart counts the time it already ran), then on
        the monotonic clock, so a wall-clock jump mid-job does not disturb it.
        """
        if job.kind not in self._typical:
            await self.typical_duration(job.kind)  # once per kind; refreshed as jobs finish
        ran_before = self._book.elapsed(job)
        loop_start = self._ctx.clock.now()

        def next_delay(attempt: int) -> float:
            elapsed = ran_before + (self._ctx.clock.now() - loop_start)
            typical, samples = self._estimates.get(job.kind, (None, 0))
            return self._ctx.scheduler.next_delay(
                job.kind, attempt, elapsed=elapsed, typical=typical, samples=samples
            )

        attempt = 0
        if first_delay is None:
            delay = next_delay(0)
            attempt = 1
        else:
            delay = first_delay
        self._deadlines.setdefault(
            job.id, self._ctx.clock.now() + self._ctx.scheduler.deadline(job.kind)
        )
        while True:
            await self._ctx.clock.sleep(delay)
            if not job.is_active or not self._book.is_live(job):
                return
            if await self._poll_once(job) is PollStep.STOP:
                return
            delay = next_delay(attempt)
            attempt += 1

    async def _poll_once(self, job: LocalJob) -> PollStep:
        """One read of the job on GEN, applied to the job."""
        remote_id = job.remote_id
        if remote_id is None:
            await self._book.park(job, JobState.NEEDS_ATTENTION, "GEN never gave this job an id")
            return PollStep.STOP
        try:
            async with self._ctx.scheduler.poll_slot():
                remote = await self._read_remote(job, remote_id)
        except (api.AuthenticationError, api.PermissionDeniedError) as exc:
            self._ctx.connection.pause_auth(exc)
            return PollStep.CONTINUE
        except api.RateLimitedError as exc:
            self._ctx.scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            return PollStep.CONTINUE
        except api.NotFoundError as exc:
            self._ctx.scheduler.note_online()
            reason = f"GEN no longer finds this job ({exc}); it was kept here"
            await self._book.park(job, JobState.NEEDS_ATTENTION, reason)
            return PollStep.STOP
        except api.APIConnectionError as exc:
            logger.info("Polling job %s: %s", job.id, exc)
            self._ctx.scheduler.note_offline()
            return PollStep.CONTINUE
        except (api.ServerError, api.InvalidResponseError) as exc:
            # Transient for reads: the job stays as it is and the next cadence step tries again.
            self._ctx.scheduler.note_online()
            logger.info("Polling job %s: %s", job.id, exc)
            return PollStep.CONTINUE
        except api.MissingAgentError as exc:
            await self._book.park(job, JobState.NEEDS_ATTENTION, str(exc))
            return PollStep.STOP
        except api.APIStatusError as exc:
            # An unexpected refusal: shown like an unknown status; the deadline still ends it.
            self._ctx.scheduler.note_online()
            return await self._apply_unknown(job, f"HTTP {exc.status_code}")
        self._ctx.scheduler.note_online()
        return await self.apply_remote(job, remote)

    async def _read_remote(self, job: LocalJob, remote_id: str) -> Generation | UserJob:
        if job.kind is JobKind.RENDER:
            return await self._ctx.connection.client.generations.get(remote_id)
        return await self._ctx.connection.client.user_jobs.get(remote_id, agent_id=job.agent_id)

    async def apply_remote(self, job: LocalJob, remote: Generation | UserJob) -> PollStep:
        """Apply a status read from GEN to `job` (terminal jobs ignore it)."""
        raw = remote.raw_status or remote.status.value
        if job.is_terminal:
            if remote.status.value != job.state.value:
                logger.warning(
                    "Job %s is %s; ignoring the later status %r from GEN", job.id, job.state, raw
                )
            return PollStep.STOP
        match remote.status:
            case JobStatus.PENDING | JobStatus.PROCESSING:
                return await self._apply_running(job, JobState(remote.status.value), raw)
            case JobStatus.COMPLETED:
                return await self._apply_completed(job, remote)
            case JobStatus.FAILED | JobStatus.STOPPED:
                state = JobState(remote.status.value)
                reason = remote.failed_reason
                if reason is None and state is JobState.FAILED:
                    reason = f"GEN reported that the {job.kind} failed without saying why"
                await self._book.finish(
                    job,
                    state,
                    raw_status=raw,
                    unknown_count=0,
                    failed_reason=reason,
                    gen_seconds=gen_seconds(remote),
                )
                return PollStep.STOP
            case JobStatus.UNKNOWN:
                return await self._apply_unknown(job, raw)

    async def _apply_running(self, job: LocalJob, state: JobState, raw: str) -> PollStep:
        changed = job.state is not state or job.raw_status != raw or job.unknown_count
        if changed and self._book.set_state(job, state, raw_status=raw, unknown_count=0):
            await self._book.save(job)
        return await self._check_deadline(job, raw)

    async def _apply_unknown(self, job: LocalJob, raw: str) -> PollStep:
        """A status this app does not know: flag the job and keep tracking it (never parks)."""
        if job.is_parked:
            # A user's "check now" of a parked job: show what GEN says; it stays parked.
            if job.raw_status != raw:
                job.raw_status = raw
                job.updated_at = self._ctx.clock.wall()
                await self._book.save(job)
            return PollStep.STOP
        first = job.unknown_count == 0 or job.raw_status != raw
        job.unknown_count += 1
        job.raw_status = raw
        if first:
            logger.warning(
                "Job %s: GEN reports the status %r, which this app does not know; "
                "still tracking it",
                job.id,
                raw,
            )
            job.updated_at = self._ctx.clock.wall()
            await self._book.save(job)
        return await self._check_deadline(job, raw)

    async def _check_deadline(self, job: LocalJob, raw: str) -> PollStep:
        deadline = self._deadlines.get(job.id)
        if deadline is not None and self._ctx.clock.now() > deadline:
            span = _span(self._ctx.scheduler.deadline(job.kind))
            reason = (
                f"taking much longer than usual: still {raw} after {span}; "
                "keep waiting, stop it or dismiss it"
            )
            await self._book.park(job, JobState.NEEDS_ATTENTION, reason)
            return PollStep.STOP
        return PollStep.CONTINUE

    async def _apply_completed(self, job: LocalJob, remote: Generation | UserJob) -> PollStep:
        raw = remote.raw_status or remote.status.value
        if isinstance(remote, UserJob):
            await self._book.finish(
                job,
                JobState.COMPLETED,
                raw_status=raw,
                unknown_count=0,
                post_id=remote.post_id,
                gen_seconds=gen_seconds(remote),
            )
            return PollStep.STOP
        url = remote.video_url
        problem = output_problem(url)
        if problem is not None:
            seen = self._no_output.get(job.id, 0) + 1
            self._no_output[job.id] = seen
            if seen <= NO_OUTPUT_REREADS:
                # Often eventual consistency: the output appears a moment after the status.
                return PollStep.CONTINUE
            reason = f"completed without output: {problem}; contact GEN support"
            await self._book.park(job, JobState.NEEDS_ATTENTION, reason)
            return PollStep.STOP
        await self._book.finish(
            job,
            JobState.COMPLETED,
            raw_status=raw,
            unknown_count=0,
            output_url=url,
            thumbnail_url=remote.thumbnail_url,
            execution_cost=remote.execution_cost,
            attention_reason=None,
            gen_seconds=gen_seconds(remote),
        )
        return PollStep.STOP

    async def refresh(self, job: LocalJob) -> LocalJob:
        """Read a render/publish from GEN now and apply it (a user's "check now")."""
        if job.kind is JobKind.DOWNLOAD or job.remote_id is None:
            raise JobActionError(f"This {job.kind} job has no GEN job to check.")
        async with self._ctx.scheduler.request_slot():
            remote = await self._read_remote(job, job.remote_id)
        self._ctx.scheduler.note_online()
        running = (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.UNKNOWN)
        if job.is_parked and remote.status in running:
            # Checking a parked job that is running again (or that GEN reports with a status
            # this app does not know) is the user choosing to keep waiting.
            unknown = remote.status is JobStatus.UNKNOWN
            state = JobState.PROCESSING if unknown else JobState(remote.status.value)
            self._book.set_state(
                job,
                state,
                attention_reason=None,
                raw_status=remote.raw_status or remote.status.value,
                unknown_count=1 if unknown else 0,
            )
            await self._book.save(job)
            self.start_polling(job, None)
        else:
            step = await self.apply_remote(job, remote)
            if step is PollStep.CONTINUE and job.is_active:
                self.start_polling(job, None)
        return replace(await self._book.job(job.id))

    async def adopt(
        self,
        kind: JobKind,
        remote_id: str,
        agent_id: str | None,
        title: str | None,
        *,
        engine_id: str | None = None,
        cell_id: str | None = None,
        origin: RenderOrigin | None = None,
    ) -> LocalJob:
        """Track an existing GEN job of `kind` (or return the job already tracking it); a
        render's engine, cell and row (`origin`) name it in lists when the caller knows them."""
        self._book.ensure_open()
        live = self._book.find_live(kind, remote_id)
        if live is not None:
            return replace(live)
        existing = await self._ctx.store.find_by_remote(kind, remote_id)
        if existing is not None:
            return replace(existing)
        job = self._book.new_job(
            kind,
            JobState.PENDING,
            agent_id=agent_id if agent_id is not None else self._ctx.connection.client.agent_id,
            remote_id=remote_id,
            title=title,
            engine_id=engine_id,
            cell_id=cell_id,
            **(origin.fields() if origin is not None else {}),
        )
        self._book.track(job)
        await self._book.save(job, added=True)
        self.start_polling(job, 0.0)
        return replace(job)

    async def follow_unreadable(self) -> None:
        """Keep following the GEN id of an unfinished job whose stored record cannot be read.

        The record stays untouched (a newer version may read it); a new job tracks its GEN id,
        so the render or post is still followed to the end and shows up in the history.
        """
        kinds = {JobKind.RENDER.value: JobKind.RENDER, JobKind.PUBLISH.value: JobKind.PUBLISH}
        finished = {state.value for state in TERMINAL_STATES}
        for record in await self._ctx.store.unreadable_jobs(unfinished_only=True):
            kind = kinds.get(record.kind)
            if kind is None or not record.remote_id or record.state in finished:
                continue
            noun = "render" if kind is JobKind.RENDER else "publish"
            title = f"{noun} of unreadable job {record.id[:8]}"
            await self.adopt(kind, record.remote_id, record.agent_id, title)

    async def stop_render(self, job: LocalJob) -> LocalJob:
        """Stop a running render on GEN, then re-read it to learn how it ended."""
        remote_id = job.remote_id
        assert remote_id is not None  # can_stop() checked it
        try:
            async with self._ctx.scheduler.request_slot():
                await self._ctx.connection.client.generations.stop(remote_id)
        except (api.JobCannotBeStoppedError, api.OutcomeUnknownError) as exc:
            # Already finished, or unknown whether the stop landed: the re-read below tells.
            logger.info("Stopping generation %s: %s", remote_id, exc)
        async with self._ctx.scheduler.request_slot():
            generation = await self._ctx.connection.client.generations.get(remote_id)
        await self.apply_remote(job, generation)
        return replace(job)

    async def keep_waiting(self, job: LocalJob) -> LocalJob:
        """Resume polling a job that needed attention (e.g. it ran past its deadline)."""
        state = JobState.PENDING if job.raw_status == "pending" else JobState.PROCESSING
        self._book.set_state(job, state, attention_reason=None, unknown_count=0)
        self.start_deadline(job)
        self._book.track(job)
        await self._book.save(job)
        self.start_polling(job, None)
        return replace(job)

    def start_polling(self, job: LocalJob, first_delay: float | None) -> None:
        """Give `job` its poll task unless it already has one."""
        self._book.spawn(job, lambda: self.poll_loop(job, first_delay))


def gen_seconds(remote: Generation | UserJob) -> float | None:
    """GEN's own time on a finished job: its created to last-update time (None unless GEN gave
    both, in order; a job that ended while the app was closed is then timed by GEN, not by when
    the app next looked)."""
    if remote.created_at is None or remote.updated_at is None:
        return None
    seconds = (remote.updated_at - remote.created_at).total_seconds()
    return seconds if seconds >= 0 else None


def _span(seconds: float) -> str:
    """A deadline for people: "60 min", "24 h"."""
    return f"{seconds / 3600:.0f} h" if seconds >= 7200 else f"{seconds / 60:.0f} min"


def output_problem(url: str | None) -> str | None:
    """Why a completed render's video link cannot be used, or None when it can."""
    if not url:
        return "GEN gave no video link"
    try:
        check_download_url(url)
    except DownloadError as exc:
        return str(exc)
    return None
