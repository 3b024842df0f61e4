"""`JobBook`: the tracker's book of live jobs, their owned tasks, durable saves, events, waiters.

Every live (non-terminal) job has exactly one in-memory `LocalJob`; all changes happen on the
event loop and go through `set_state`, which refuses to move a job out of a terminal state.
Saves run as tracked tasks, so a cancelled caller never loses a write and `drain` can wait for
them at shutdown; the events and `wait()` futures fire once the write is on disk.

The other parts of the tracker (submitter, sending, poller, download runner, post tracker) hold
the book and work through these methods; none of them touches another part's state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from genpro_desktop.core.clock import Clock
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

__all__ = [
    "JobActionError",
    "JobBook",
    "TrackerClosedError",
    "UnknownJobError",
    "WaitTimeout",
    "consume_exception",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

_Saved = tuple[LocalJob, EventType]
Work = Callable[[], Coroutine[Any, Any, None]]


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


class JobBook:
    """Live jobs, their one owned task each, their saves, events and waiters."""

    def __init__(self, store: JobStore, clock: Clock, events: EventHub) -> None:
        self._store = store
        self._clock = clock
        self._events = events
        self._jobs: dict[str, LocalJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._writes: set[asyncio.Task[Any]] = set()
        self._saved_states: dict[str, JobState] = {}
        self._waiters: dict[str, list[asyncio.Future[LocalJob]]] = {}
        # Called with a job's id when it leaves the book (terminal and saved).
        self._retire_listeners: list[Callable[[str], None]] = []
        self._closing = False

    # -- lookups -------------------------------------------------------------------------

    def live_jobs(self) -> list[LocalJob]:
        """Copies of every job the tracker is working on or waiting on the user for."""
        return [replace(job) for job in self._jobs.values()]

    def live(self) -> list[LocalJob]:
        """The live jobs themselves (not copies), for the tracker's parts."""
        return list(self._jobs.values())

    def live_job(self, job_id: str) -> LocalJob | None:
        """The live job with that id (not a copy), if any."""
        return self._jobs.get(job_id)

    def is_live(self, job: LocalJob) -> bool:
        """True when `job` is the book's live object for its id."""
        return self._jobs.get(job.id) is job

    def find_live(self, kind: JobKind, remote_id: str) -> LocalJob | None:
        """The live job of `kind` tracking that GEN id, if any."""
        for live in self._jobs.values():
            if live.kind is kind and live.remote_id == remote_id:
                return live
        return None

    async def job(self, job_id: str) -> LocalJob:
        """The live job, else the stored one; raises `UnknownJobError`."""
        live = self._jobs.get(job_id)
        if live is not None:
            return live
        stored = await self._store.get_job(job_id)
        if stored is None:
            raise UnknownJobError(job_id)
        self._saved_states.setdefault(stored.id, stored.state)
        return stored

    def track(self, job: LocalJob) -> None:
        """Make `job` the live object for its id."""
        self._jobs[job.id] = job

    def load(self, job: LocalJob) -> None:
        """Track a job read from the store (its state there is the saved one)."""
        self._saved_states[job.id] = job.state
        self._jobs[job.id] = job

    def forget(self, job_id: str) -> None:
        """Drop a job that was never durably recorded."""
        self._jobs.pop(job_id, None)

    def on_retire(self, listener: Callable[[str], None]) -> None:
        """Call `listener(job_id)` whenever a finished job leaves the book."""
        self._retire_listeners.append(listener)

    # -- open / closing ------------------------------------------------------------------

    @property
    def closing(self) -> bool:
        return self._closing

    def ensure_open(self) -> None:
        if self._closing:
            raise TrackerClosedError("The job tracker is shutting down.")

    def close(self) -> None:
        """From now on, `ensure_open` refuses (the tracker is shutting down)."""
        self._closing = True

    # -- state changes and saves ---------------------------------------------------------

    def new_job(self, kind: JobKind, state: JobState, **fields: Any) -> LocalJob:
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

    def set_state(self, job: LocalJob, state: JobState, **fields: Any) -> bool:
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

    def persist(
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
        self.track_write(task)
        return task

    async def save(self, job: LocalJob, *, added: bool = False, announce: bool = True) -> None:
        """Save `job`, then announce it; a cancelled caller neither cancels nor silences it.

        `announce=False` only persists: for bookkeeping nobody watches (download checkpoints,
        dozens a second at full speed; their progress has its own throttled event).
        """
        task = self.persist(job, added=added, announce=False)
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

    def recorded(self, job: LocalJob, *, added: bool) -> None:
        """A job's intent was written by the store directly: note it saved and announce it."""
        self._saved_states[job.id] = job.state
        self._events.job_event("job_added" if added else "job_updated", job)

    def track_write(self, task: asyncio.Task[Any]) -> None:
        """Keep `task` (a write or other short bookkeeping) until done; `drain` waits for it."""
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

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
        if snapshot.is_terminal or snapshot.is_parked:
            for waiter in self._waiters.pop(snapshot.id, []):
                if not waiter.done():
                    waiter.set_result(replace(snapshot))
        if snapshot.is_terminal:
            live = self._jobs.get(snapshot.id)
            if live is not None and live.is_terminal:
                del self._jobs[snapshot.id]
                for listener in self._retire_listeners:
                    listener(snapshot.id)

    # -- the user's checks and dismissal (any kind) ---------------------------------------

    async def retryable(self, job_id: str) -> LocalJob:
        """The job the user asks to retry; `JobActionError` when a retry does not apply."""
        self.ensure_open()
        return await self._job_for(
            job_id,
            LocalJob.can_retry,
            "a job whose outcome is unknown, a render, publish or post that was never started, "
            "or a failed download can be retried",
        )

    async def needing_attention(self, job_id: str) -> LocalJob:
        """The job the user wants to keep waiting for: it needs attention and has a GEN id
        (`JobActionError` otherwise)."""
        self.ensure_open()
        return await self._job_for(
            job_id,
            lambda job: job.state is JobState.NEEDS_ATTENTION and job.remote_id is not None,
            "a job that needs attention and has a GEN id can keep waiting",
        )

    async def dismiss(self, job_id: str) -> LocalJob:
        """The user gives up on a parked job (outcome unknown / needs attention), or on one
        whose status GEN reports as one this app does not know (its polling ends)."""
        job = await self._job_for(
            job_id,
            LocalJob.can_dismiss,
            "a job waiting for you (outcome unknown, needs attention, or a status GEN reports "
            "that this app does not know) can be dismissed",
        )
        await self.finish(job, JobState.DISMISSED)
        return replace(job)

    async def _job_for(
        self, job_id: str, allowed: Callable[[LocalJob], bool], only: str
    ) -> LocalJob:
        job = await self.job(job_id)
        if not allowed(job):
            raise JobActionError(f"This {job.kind} job is {job.state}; only {only}.")
        return job

    async def park(self, job: LocalJob, state: JobState, reason: str) -> None:
        """Move a job to OUTCOME_UNKNOWN / NEEDS_ATTENTION with a reason and save it."""
        if self.set_state(job, state, attention_reason=reason):
            await self.save(job)

    async def finish(self, job: LocalJob, state: JobState, **fields: Any) -> None:
        """Move a job to a terminal state and save it."""
        if self.set_state(job, state, **fields):
            await self.save(job)

    # -- tasks ---------------------------------------------------------------------------

    def spawn(self, job: LocalJob, work: Work) -> bool:
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

    async def _guarded(self, job: LocalJob, work: Work) -> None:
        # The coroutine is created here, so a task cancelled before it starts leaves none behind.
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # A bug must not leave a job silently stuck: show it to the user instead.
            logger.exception("Tracking job %s failed unexpectedly", job.id)
            if not job.is_terminal:
                await self.park(
                    job, JobState.NEEDS_ATTENTION, f"tracking stopped on an internal error: {exc}"
                )

    def task(self, job_id: str) -> asyncio.Task[None] | None:
        """The job's owned task, if it has one that is still running."""
        task = self._tasks.get(job_id)
        return task if task is not None and not task.done() else None

    def has_task(self, job_id: str) -> bool:
        return self.task(job_id) is not None

    async def cancel_tasks(self, within: float) -> None:
        """Cancel every owned task and wait (up to `within` s of loop time) for them to end."""
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            _, stuck = await asyncio.wait(tasks, timeout=within)
            for task in stuck:
                logger.error("Task %s did not stop within %.0f s", task.get_name(), within)

    async def drain(self, within: float) -> None:
        """Wait (up to `within` s of loop time) for the saves and bookkeeping still under way."""
        writes = set(self._writes)
        if writes:
            await asyncio.wait(writes, timeout=within)

    # -- waiting -------------------------------------------------------------------------

    # The timeout runs on the tracker's clock (fake in tests), which asyncio.timeout cannot do.
    async def wait(self, job_id: str, *, timeout: float | None = None) -> LocalJob:  # noqa: ASYNC109
        """Resolve when the job is terminal or parked; `WaitTimeout` after `timeout` seconds."""
        job = await self.job(job_id)
        if job.is_terminal or job.is_parked:
            return replace(job)
        self.ensure_open()
        done = await wait_for_job(self._waiters, job_id, self._clock, timeout)
        if done is None:
            raise WaitTimeout(f"Job {job_id} is still {job.state} after {timeout:.0f} s.")
        return done

    def fail_waiters(self) -> None:
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(TrackerClosedError("The job tracker was closed."))
        self._waiters.clear()

    def elapsed(self, job: LocalJob) -> float:
        """Seconds since the job was created (for a finished job: what it took, GEN's own time
        when GEN gave it; see `LocalJob.run_seconds`)."""
        return job.run_seconds(self._clock.wall())


# The timeout runs on the tracker's clock (fake in tests), which asyncio.timeout cannot do.
async def wait_for_job(
    waiters: dict[str, list[asyncio.Future[LocalJob]]],
    job_id: str,
    clock: Clock,
    timeout: float | None,  # noqa: ASYNC109
) -> LocalJob | None:
    """Register a waiter for `job_id` in `waiters` and wait for whoever resolves it (the job's
    final save, or closing); None when `timeout` seconds of `clock` pass first."""
    waiter: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
    waiter.add_done_callback(consume_exception)
    waiters.setdefault(job_id, []).append(waiter)
    if timeout is None:
        return await waiter
    timer = asyncio.ensure_future(clock.sleep(timeout))
    try:
        await asyncio.wait({waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        await asyncio.gather(timer, return_exceptions=True)
    if waiter.done():
        return waiter.result()
    waiter.cancel()
    return None


def consume_exception(future: asyncio.Future[Any]) -> None:
    """Mark a future's exception as seen, so an abandoned one is not logged at shutdown."""
    if not future.cancelled():
        future.exception()
