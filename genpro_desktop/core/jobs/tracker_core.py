"""The tracker's shared state: live jobs, owned tasks, durable saves, events and waiters.

Every live (non-terminal) job has exactly one in-memory `LocalJob`; all changes happen on the
event loop and go through `_set_state`, which refuses to move a job out of a terminal state.
Saves run as tracked tasks, so a cancelled caller never loses a write and `aclose` can drain
them; the events and `wait()` futures fire once the write is on disk.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from genpro_desktop.core.api import APIStatusError, GenClient
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.downloads import Downloader
from genpro_desktop.core.jobs.events import EventHub, EventType
from genpro_desktop.core.jobs.model import (
    TERMINAL_STATES,
    JobKind,
    JobState,
    LocalJob,
    can_transition,
    new_job_id,
)
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.scheduler import PollScheduler

__all__ = [
    "JobActionError",
    "TrackerClosedError",
    "TrackerCore",
    "UnknownJobError",
    "WaitTimeout",
    "consume_exception",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

_Saved = tuple[LocalJob, EventType]

# How long aclose() lets cancelled tasks and queued saves finish. It bounds a real shutdown, so
# it is loop time rather than the injected clock (a fake clock would make it end at once).
SHUTDOWN_GRACE_S = 2.0
MAX_CONCURRENT_DOWNLOADS = 3


class UnknownJobError(LookupError):
    """No job with that id exists in the store."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"There is no job {job_id} in the job history.")
        self.job_id = job_id


class JobActionError(ValueError):
    """The action does not apply to the job in its current state (the message says why)."""


class WaitTimeout(TimeoutError):
    """`wait()` gave up before the job finished or needed attention."""


class TrackerClosedError(RuntimeError):
    """The tracker was closed (the app is shutting down)."""


class TrackerCore:
    """State and plumbing shared by the tracker's polling, submitting and downloading parts."""

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
        self._client = client
        self._store = store
        self._downloader = downloader
        self._scheduler = scheduler
        self._clock = clock
        self._events = events
        self.download_dir = Path(download_dir)
        self.auto_download = auto_download
        self._jobs: dict[str, LocalJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._writes: set[asyncio.Task[Any]] = set()
        self._saved_states: dict[str, JobState] = {}
        self._waiters: dict[str, list[asyncio.Future[LocalJob]]] = {}
        self._deadlines: dict[str, float] = {}
        self._no_output: dict[str, int] = {}
        self._in_flight_posts: set[str] = set()
        self._submissions: dict[str, asyncio.Future[LocalJob]] = {}
        # Jobs whose last retry found them on GEN (past the idempotency window), not re-sent.
        self._found_on_gen: set[str] = set()
        self._typical: dict[JobKind, float | None] = {}
        # What the poll plan knows per kind: (median of recent successes, how many), even one.
        self._estimates: dict[JobKind, tuple[float | None, int]] = {}
        self._download_slots = asyncio.Semaphore(MAX_CONCURRENT_DOWNLOADS)
        self._credit_refusals: int = 0
        # The 401/403 that paused everything: submissions held back by it report it too.
        self._auth_refusal: APIStatusError | None = None
        self._started = False
        self._closing = False
        self._closed = False
        scheduler.set_listener(self._on_pause_change)

    # -- lookups -------------------------------------------------------------------------

    def live_jobs(self) -> list[LocalJob]:
        """Copies of every job the tracker is working on or waiting on the user for."""
        return [replace(job) for job in self._jobs.values()]

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the job (live, else from the store); raises `UnknownJobError`."""
        return replace(await self._job(job_id))

    async def _job(self, job_id: str) -> LocalJob:
        live = self._jobs.get(job_id)
        if live is not None:
            return live
        stored = await self._store.get_job(job_id)
        if stored is None:
            raise UnknownJobError(job_id)
        self._saved_states.setdefault(stored.id, stored.state)
        return stored

    def _ensure_open(self) -> None:
        if self._closing:
            raise TrackerClosedError("The job tracker is shutting down.")

    # -- state changes and saves ---------------------------------------------------------

    def _new_job(self, kind: JobKind, state: JobState, **fields: Any) -> LocalJob:
        now = self._clock.wall()
        return LocalJob(
            id=new_job_id(),
            kind=kind,
            state=state,
            agent_id=fields.pop("agent_id", None),
            created_at=now,
            updated_at=now,
            **fields,
        )

    def _set_state(self, job: LocalJob, state: JobState, **fields: Any) -> bool:
        """Move `job` to `state` and set `fields`; False (and nothing changed) from terminal."""
        if not can_transition(job.state, state):
            logger.info("Ignored %s -> %s for finished job %s", job.state, state, job.id)
            return False
        for name, value in fields.items():
            setattr(job, name, value)
        if state in TERMINAL_STATES and job.state is not state:
            job.finished_at = self._clock.wall()
        job.state = state
        job.updated_at = self._clock.wall()
        return True

    def _persist(
        self, job: LocalJob, *, added: bool = False, announce: bool = True
    ) -> asyncio.Task[_Saved | None]:
        """Start saving a snapshot of `job`; with `announce`, the write announces it when done."""
        snapshot = replace(job)
        previous = self._saved_states.get(job.id)
        self._saved_states[job.id] = job.state
        event: EventType = "job_updated"
        if added:
            event = "job_added"
        elif job.is_terminal and previous is not job.state:
            event = "job_finished"
        task = asyncio.get_running_loop().create_task(self._write(snapshot, event, announce))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    async def _save(self, job: LocalJob, *, added: bool = False, announce: bool = True) -> None:
        """Save `job`, then announce it; a cancelled caller neither cancels nor silences it.

        `announce=False` only persists: for bookkeeping nobody watches (download checkpoints,
        dozens a second at full speed; their progress has its own throttled event).
        """
        task = self._persist(job, added=added, announce=False)
        try:
            saved = await asyncio.shield(task)
        except asyncio.CancelledError:
            if announce:
                task.add_done_callback(self._announce_later)
            raise
        if not announce:
            return
        # Announced by the caller once the write landed, so whatever the caller does next
        # (e.g. a poll task going back to sleep) happens before subscribers react.
        if saved is not None:
            self._announce(*saved)

    def _announce_later(self, task: asyncio.Task[_Saved | None]) -> None:
        if not task.cancelled() and task.exception() is None and (saved := task.result()):
            self._announce(*saved)

    async def _write(self, snapshot: LocalJob, event: EventType, announce: bool) -> _Saved | None:
        try:
            await self._store.save_job(snapshot)
        except Exception as exc:
            # The tracker keeps going on what it knows; the store reports disk problems itself.
            logger.error("Could not save job %s (%s): %s", snapshot.id, snapshot.state, exc)
            self._events.job_event("job_updated", snapshot, detail=f"could not save: {exc}")
            return None
        if announce:
            self._announce(snapshot, event)
            return None
        return snapshot, event

    def _announce(self, snapshot: LocalJob, event: EventType) -> None:
        self._events.job_event(event, snapshot)
        if event == "job_finished" and snapshot.state in (JobState.COMPLETED, JobState.DOWNLOADED):
            # One more success changes the typical duration the UI compares against.
            refresh = asyncio.get_running_loop().create_task(self.typical_duration(snapshot.kind))
            refresh.add_done_callback(consume_exception)
            self._writes.add(refresh)
            refresh.add_done_callback(self._writes.discard)
        if snapshot.is_terminal or snapshot.is_parked:
            for waiter in self._waiters.pop(snapshot.id, []):
                if not waiter.done():
                    waiter.set_result(replace(snapshot))
        if snapshot.is_terminal:
            live = self._jobs.get(snapshot.id)
            if live is not None and live.is_terminal:
                del self._jobs[snapshot.id]
                self._deadlines.pop(snapshot.id, None)
                self._no_output.pop(snapshot.id, None)

    async def _park(self, job: LocalJob, state: JobState, reason: str) -> None:
        """Move a job to OUTCOME_UNKNOWN / NEEDS_ATTENTION with a reason and save it."""
        if self._set_state(job, state, attention_reason=reason):
            await self._save(job)

    async def _finish(self, job: LocalJob, state: JobState, **fields: Any) -> None:
        """Move a job to a terminal state and save it."""
        if self._set_state(job, state, **fields):
            await self._save(job)

    # -- tasks ---------------------------------------------------------------------------

    def _spawn(self, job: LocalJob, work: Callable[[], Coroutine[Any, Any, None]]) -> bool:
        """Run `work()` as the job's one owned task; False when the job already has one."""
        running = self._tasks.get(job.id)
        if running is not None and not running.done():
            return False
        self._jobs[job.id] = job
        task = asyncio.get_running_loop().create_task(
            self._guarded(job, work), name=f"genpro-{job.kind}-{job.id[:8]}"
        )
        self._tasks[job.id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job.id) is done:
                del self._tasks[job.id]

        task.add_done_callback(forget)
        return True

    async def _guarded(self, job: LocalJob, work: Callable[[], Coroutine[Any, Any, None]]) -> None:
        # The coroutine is created here, so a task cancelled before it starts leaves none behind.
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A bug must not leave a job silently stuck: show it to the user instead.
            logger.exception("Tracking job %s failed unexpectedly", job.id)
            if not job.is_terminal:
                await self._park(
                    job, JobState.NEEDS_ATTENTION, f"tracking stopped on an internal error: {exc}"
                )

    def _has_task(self, job_id: str) -> bool:
        task = self._tasks.get(job_id)
        return task is not None and not task.done()

    # -- waiting -------------------------------------------------------------------------

    # The timeout runs on the tracker's clock (fake in tests), which asyncio.timeout cannot do.
    async def wait(self, job_id: str, *, timeout: float | None = None) -> LocalJob:  # noqa: ASYNC109
        """Resolve when the job is terminal or parked; `WaitTimeout` after `timeout` seconds."""
        job = await self._job(job_id)
        if job.is_terminal or job.is_parked:
            return replace(job)
        self._ensure_open()
        waiter: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(consume_exception)
        self._waiters.setdefault(job_id, []).append(waiter)
        if timeout is None:
            return await waiter
        timer = asyncio.ensure_future(self._clock.sleep(timeout))
        try:
            await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            await asyncio.gather(timer, return_exceptions=True)
        if waiter.done():
            return waiter.result()
        waiter.cancel()
        raise WaitTimeout(f"Job {job_id} is still {job.state} after {timeout:.0f} s.")

    def _fail_waiters(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(TrackerClosedError("The job tracker was closed."))
        self._waiters.clear()

    # -- pauses --------------------------------------------------------------------------

    def _pause_auth(self, exc: APIStatusError) -> None:
        """GEN refused the key (401/403): pause every request until the user signs in again."""
        self._auth_refusal = exc
        self._scheduler.pause_auth(str(exc))

    def _on_pause_change(self, paused: bool, reason: str | None) -> None:
        self._events.job_event("tracker_paused" if paused else "tracker_resumed", None, reason)

    # -- durations -----------------------------------------------------------------------

    async def typical_duration(self, kind: JobKind) -> float | None:
        """Median seconds recent successful jobs of `kind` took (None with too little history).

        Also refreshes what the poll plan uses, which is not that picky: the median of however
        few recent successes there are (one sample is better than none).
        """
        value = await self._store.typical_duration(kind)
        self._typical[kind] = value
        samples = await self._store.recent_durations(kind)
        self._estimates[kind] = (statistics.median(samples) if samples else None, len(samples))
        return value

    def elapsed(self, job: LocalJob) -> float:
        """Seconds since the job was created (until it finished, for finished jobs)."""
        end = job.finished_at or self._clock.wall()
        return max(0.0, (end - job.created_at).total_seconds())

    def is_overdue(self, job: LocalJob) -> bool:
        """True when an unfinished job has run over 1.5 x the typical duration of its kind."""
        typical = self._typical.get(job.kind)
        if typical is None or job.is_terminal:
            return False
        return self.elapsed(job) > 1.5 * typical


def consume_exception(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as seen, so an abandoned one is not logged at shutdown."""
    if not future.cancelled():
        future.exception()
