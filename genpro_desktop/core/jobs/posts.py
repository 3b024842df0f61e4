"""`PostTracker`: multi-platform posts through GEN's schedule API, one durable job per post.

A composed part of the job tracker (not a mixin): it owns its live posts, their tasks and
waiters, and reaches the rest through narrow interfaces: the store (`PostStore`), the one
`PollScheduler` (request slots, pauses, the publish cadence and its 24 h deadline), the
`EventHub` and a function returning the current `GenClient`. `JobTracker` owns one and hands it
every job of kind POST.

The rules are the render/publish ones:

- the intent (SUBMITTING, with its Idempotency-Key) is on disk before `POST /schedule/with-post`
  leaves; the POST is sent once. An ambiguous failure parks the post as OUTCOME_UNKNOWN, a
  refusal fails it "not started", a request that never left fails it "not sent";
- only `retry()`, which the user confirms, sends again, with the same key. Past GEN's 24 h
  idempotency window the post is first looked for among the agent's posts on GEN
  (`schedule.list`) and followed when found; otherwise `DuplicateRiskError` unless `force`;
- a post is tracked until every platform is published or failed (24 h after it is due, like
  publish jobs); each platform's status, URL, id, error and warning are kept on the job. A
  status this app does not know keeps the post tracked (never abandoned); so do read errors.

Job states: PENDING (accepted or scheduled), PROCESSING (publishing), COMPLETED (every platform
settled and at least one published: a partial post is COMPLETED with failed platforms), FAILED
(every platform failed, or refused before it started), STOPPED (cancelled before it was sent).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from genpro_desktop.core.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    GenError,
    InvalidResponseError,
    MissingAgentError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from genpro_desktop.core.api.errors import PlatformValidationError, ScheduleUnavailableError
from genpro_desktop.core.api.schedule_types import (
    PostPlatformStatus,
    ScheduleCreated,
    ScheduledPost,
    SchedulePostRequest,
    SkippedPlatform,
)
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.jobs.book import (
    JobActionError,
    TrackerClosedError,
    UnknownJobError,
    WaitTimeout,
    consume_exception,
    wait_for_job,
)
from genpro_desktop.core.jobs.connection import Connection
from genpro_desktop.core.jobs.events import EventHub, EventType
from genpro_desktop.core.jobs.model import (
    FailureKind,
    JobKind,
    JobState,
    LocalJob,
    PostPlatform,
    can_transition,
    new_job_id,
)
from genpro_desktop.core.jobs.scheduler import PollScheduler
from genpro_desktop.core.jobs.submitter import (
    CLOSED_BEFORE_SEND,
    CLOSED_IN_FLIGHT,
    IDEMPOTENCY_WINDOW,
    DuplicateRiskError,
    refusal_fields,
)

__all__ = [
    "PostStore",
    "PostTracker",
    "merge_platforms",
    "post_status",
    "schedule_not_available",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

RESTART_REASON = "the app stopped before GEN answered; check GEN before retrying"
DEFAULT_RATE_LIMIT_S = 10.0
# Posts use the publish cadence (5 s backing off to 60 s) and its 24 h deadline.
CADENCE_KIND = JobKind.PUBLISH
# While a post waits for its time, it is read at least this often.
MAX_SCHEDULED_SLEEP_S = 900.0
_CLOCK_SKEW = timedelta(minutes=10)
_FOUND_WINDOW = timedelta(days=31)
SCHEDULE_UNAVAILABLE = "schedule_unavailable"


class PostStore(Protocol):
    """The part of `core.store.Store` the post tracker uses."""

    async def save_job(self, job: LocalJob, *, detail: str | None = None) -> None: ...

    async def record_intent(self, job: LocalJob) -> None: ...

    async def get_job(self, job_id: str) -> LocalJob | None: ...

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None: ...


def post_status(job: LocalJob) -> str:
    """A post's overall status: scheduled, publishing, published, failed or partial
    (or the local state while GEN has no say: submitting, outcome_unknown, cancelled...)."""
    if job.state is JobState.STOPPED:
        return "cancelled"
    if job.remote_id is None:
        return job.state.value
    sent = [p for p in job.post_platforms if p.status != "skipped"]
    if sent and all(p.is_terminal for p in sent):
        published = sum(p.status == "published" for p in sent)
        if published == len(sent):
            return "published"
        return "failed" if published == 0 else "partial"
    if job.state is JobState.FAILED:
        return "failed"
    if any(p.status in ("publishing", "published", "failed") for p in sent):
        return "publishing"
    return "scheduled"


def schedule_not_available(job: LocalJob) -> bool:
    """True when GEN refused the post because the server has no schedule API."""
    return job.state is JobState.FAILED and job.error_code == SCHEDULE_UNAVAILABLE


class PostTracker:
    """Submits, tracks, retries, edits and cancels schedule-API posts; see the module doc."""

    def __init__(
        self,
        connection: Connection,
        store: PostStore,
        scheduler: PollScheduler,
        clock: Clock,
        events: EventHub,
    ) -> None:
        self._connection = connection
        self._store = store
        self._scheduler = scheduler
        self._clock = clock
        self._events = events
        self._jobs: dict[str, LocalJob] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._writes: set[asyncio.Task[Any]] = set()
        self._saved_states: dict[str, JobState] = {}
        self._waiters: dict[str, list[asyncio.Future[LocalJob]]] = {}
        self._in_flight: set[str] = set()
        self._found_on_gen: set[str] = set()
        self._closing = False

    # -- lookups ---------------------------------------------------------------------

    def owns(self, job_id: str) -> bool:
        """True when the post tracker is working on (or holding) this job right now."""
        return job_id in self._jobs

    def live_jobs(self) -> list[LocalJob]:
        """Copies of every post being tracked or waiting for the user."""
        return [replace(job) for job in self._jobs.values()]

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the post's job (live, else from the store)."""
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

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this post found it on GEN and followed it."""
        return job_id in self._found_on_gen

    def _ensure_open(self) -> None:
        if self._closing:
            raise TrackerClosedError("The job tracker is shutting down.")

    # -- lifecycle -------------------------------------------------------------------

    async def start(self, jobs: Sequence[LocalJob]) -> None:
        """Resume unfinished posts from the store; never re-sends a POST."""
        to_poll: list[LocalJob] = []
        for job in jobs:
            self._saved_states[job.id] = job.state
            self._jobs[job.id] = job
            if job.state is JobState.SUBMITTING:
                if job.remote_id is None:
                    await self._park(job, JobState.OUTCOME_UNKNOWN, RESTART_REASON)
                    continue
                self._set_state(job, JobState.PENDING)
                await self._save(job)
            if job.remote_id is not None and job.state in (JobState.PENDING, JobState.PROCESSING):
                to_poll.append(job)
            elif job.is_active:
                await self._park(job, JobState.NEEDS_ATTENTION, "this post could not be resumed")
        for job, delay in zip(to_poll, self._scheduler.resume_spread(len(to_poll)), strict=True):
            self._start_polling(job, delay)

    async def aclose(self, grace: float) -> None:
        """Cancel every task; a POST in flight is saved as OUTCOME_UNKNOWN."""
        self._closing = True
        tasks = [task for task in self._tasks.values() if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for job in list(self._jobs.values()):
            self._mark_interrupted(job)
        if self._writes:
            await asyncio.wait(set(self._writes), timeout=grace)
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(TrackerClosedError("The job tracker was closed."))
        self._waiters.clear()

    # -- submitting ------------------------------------------------------------------

    async def submit(self, job: LocalJob) -> LocalJob:
        """Record a post's intent, POST it once, then track it; returns the job as it stands.

        `job` is a POST job in SUBMITTING with its request (`post_request`) and platforms.
        """
        self._ensure_open()
        if job.kind is not JobKind.POST or not job.post_request:
            raise ValueError("submit needs a post job with its request")
        job = replace(job)
        job.state = JobState.SUBMITTING
        job.remote_id = None
        job.idempotency_key = job.idempotency_key or str(uuid.uuid4())
        job.updated_at = self._clock.wall()
        return await self._submit(job, added=True)

    async def _submit(self, job: LocalJob, *, added: bool) -> LocalJob:
        submitted: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
        submitted.add_done_callback(consume_exception)
        self._jobs[job.id] = job
        self._spawn(job, lambda: self._run_submission(job, submitted, added))
        # The owned task carries on (and sends) even if this caller is cancelled.
        return await asyncio.shield(submitted)

    async def _run_submission(
        self, job: LocalJob, submitted: asyncio.Future[LocalJob], added: bool
    ) -> None:
        try:
            record = self._track(self._store.record_intent(replace(job)))
            try:
                await asyncio.shield(record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Nothing was sent: without a durable intent there is no POST.
                logger.error("Could not record the intent of post %s: %s", job.id, exc)
                if added:
                    self._jobs.pop(job.id, None)
                else:
                    self._set_state(
                        job, JobState.OUTCOME_UNKNOWN, attention_reason=f"not re-sent: {exc}"
                    )
                if not submitted.done():
                    submitted.set_exception(exc)
                return
            self._saved_states[job.id] = job.state
            self._events.job_event("job_added" if added else "job_updated", job)
            await self._send(job)
        except asyncio.CancelledError:
            self._mark_interrupted(job)
            raise
        finally:
            if not submitted.done():
                submitted.set_result(replace(job))
        if job.is_active:
            await self._poll_loop(job, None)

    async def _send(self, job: LocalJob) -> None:
        if self._scheduler.auth_paused:
            reason = self._scheduler.pause_reason or "GEN did not accept the API key"
            await self._not_sent(job, f"{reason}; sign in again, then retry")
            return
        try:
            request = SchedulePostRequest.model_validate_json(job.post_request or "")
        except ValidationError as exc:
            await self._not_sent(job, f"the stored post request is not valid: {exc}")
            return
        async with self._scheduler.request_slot():
            self._in_flight.add(job.id)
            try:
                created = await self._connection.client.schedule.create(
                    request, idempotency_key=job.idempotency_key
                )
            except GenError as exc:
                self._in_flight.discard(job.id)
                await self._apply_create_error(job, exc)
                return
            except Exception as exc:
                # A bug after the request may have left: never call it not sent.
                self._in_flight.discard(job.id)
                logger.exception("Sending post %s failed unexpectedly", job.id)
                await self._park(
                    job,
                    JobState.OUTCOME_UNKNOWN,
                    f"internal error while sending: {type(exc).__name__}: {exc}; "
                    "check GEN before retrying",
                )
                return
            self._in_flight.discard(job.id)
        self._scheduler.note_online()
        await self._apply_created(job, created)

    async def _apply_created(self, job: LocalJob, created: ScheduleCreated) -> None:
        platforms = merge_platforms(
            job.post_platforms, created.platforms_status, created.platforms_skipped
        )
        if created.post is not None:
            platforms = merge_platforms(platforms, created.post.platforms_status, ())
        fields: dict[str, Any] = {
            "remote_id": created.post_id,
            "post_platforms": platforms,
            "raw_status": created.post.status if created.post is not None else None,
        }
        if created.post is not None and job.scheduled_utc is None:
            # next_available: GEN picks the slot; the deadline and the JSON count from it.
            fields["scheduled_utc"] = _future(_parse_time(created.post.scheduled_time), job)
        state = _state_of(platforms)
        if state in (JobState.COMPLETED, JobState.FAILED):
            state = JobState.PROCESSING  # settled at once: the first poll confirms it
        self._set_state(job, state, **fields)
        await self._save(job)

    async def _apply_create_error(self, job: LocalJob, exc: GenError) -> None:
        if isinstance(exc, OutcomeUnknownError):
            await self._park(job, JobState.OUTCOME_UNKNOWN, str(exc))
        elif isinstance(exc, PlatformValidationError):
            problems = "; ".join(
                ": ".join(part for part in (p.platform, p.field) if part) + f": {p.error}"
                if p.platform or p.field
                else p.error
                for p in exc.problems
            )
            await self._not_started(job, f"GEN refused the post: {problems}", exc)
        elif isinstance(exc, ScheduleUnavailableError):
            await self._finish(
                job,
                JobState.FAILED,
                failed_reason=str(exc),
                failure=FailureKind.REFUSED,
                error_code=SCHEDULE_UNAVAILABLE,
                http_status=exc.status_code,
            )
        elif isinstance(exc, AuthenticationError | PermissionDeniedError):
            self._connection.pause_auth(exc)
            await self._not_sent(job, f"{exc}; sign in again, then retry", exc)
        elif isinstance(exc, RateLimitedError):
            self._scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            await self._not_started(job, str(exc), exc)
        elif isinstance(exc, APIConnectionError):
            self._scheduler.note_offline()
            await self._not_sent(job, str(exc))
        elif isinstance(exc, APIStatusError | MissingAgentError):
            await self._not_started(job, str(exc), exc)
        else:
            await self._park(job, JobState.OUTCOME_UNKNOWN, str(exc))

    async def _not_sent(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        await self._finish(
            job,
            JobState.FAILED,
            failed_reason=why,
            failure=FailureKind.NOT_SENT,
            **refusal_fields(refusal),
        )

    async def _not_started(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        await self._finish(
            job,
            JobState.FAILED,
            failed_reason=why,
            failure=FailureKind.REFUSED,
            **refusal_fields(refusal),
        )

    def _mark_interrupted(self, job: LocalJob) -> None:
        if job.state is not JobState.SUBMITTING:
            return
        if job.id in self._in_flight:
            self._set_state(job, JobState.OUTCOME_UNKNOWN, attention_reason=CLOSED_IN_FLIGHT)
        else:
            self._set_state(
                job,
                JobState.FAILED,
                failed_reason=CLOSED_BEFORE_SEND,
                failure=FailureKind.NOT_SENT,
            )
        self._in_flight.discard(job.id)
        self._track(self._write(replace(job)))

    # -- polling ---------------------------------------------------------------------

    def _start_polling(self, job: LocalJob, first_delay: float | None) -> None:
        self._spawn(job, lambda: self._poll_loop(job, first_delay))

    def _deadline_passed(self, job: LocalJob) -> bool:
        due = max(job.created_at, job.scheduled_utc or job.created_at)
        limit = timedelta(seconds=self._scheduler.deadline(CADENCE_KIND))
        return self._clock.wall() > due + limit

    def _delay(self, job: LocalJob, attempt: int) -> float:
        elapsed = (self._clock.wall() - job.created_at).total_seconds()
        delay = self._scheduler.next_delay(CADENCE_KIND, attempt, elapsed=elapsed, typical=None)
        if job.scheduled_utc is not None:
            until = (job.scheduled_utc - self._clock.wall()).total_seconds()
            if until > delay:
                delay = min(until, MAX_SCHEDULED_SLEEP_S)
        return delay

    async def _poll_loop(self, job: LocalJob, first_delay: float | None) -> None:
        attempt = 0
        delay = self._delay(job, 0) if first_delay is None else first_delay
        while True:
            await self._clock.sleep(delay)
            if not job.is_active or self._jobs.get(job.id) is not job:
                return
            if not await self._poll_once(job):
                return
            attempt += 1
            delay = self._delay(job, attempt)

    async def _poll_once(self, job: LocalJob) -> bool:
        """One read of the post; False when tracking ends (settled or parked)."""
        remote_id = job.remote_id
        if remote_id is None:
            await self._park(job, JobState.NEEDS_ATTENTION, "GEN never gave this post an id")
            return False
        try:
            async with self._scheduler.request_slot():
                post = await self._connection.client.schedule.get(remote_id)
        except (AuthenticationError, PermissionDeniedError) as exc:
            self._scheduler.pause_auth(str(exc))
            return True
        except RateLimitedError as exc:
            self._scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            return True
        except ScheduleUnavailableError as exc:
            logger.info("Polling post %s: %s", job.id, exc)
            return await self._check_deadline(job)
        except NotFoundError as exc:
            self._scheduler.note_online()
            await self._park(
                job, JobState.NEEDS_ATTENTION, f"GEN no longer finds this post ({exc})"
            )
            return False
        except APIConnectionError as exc:
            logger.info("Polling post %s: %s", job.id, exc)
            self._scheduler.note_offline()
            return True
        except (ServerError, InvalidResponseError, APIStatusError, MissingAgentError) as exc:
            # Never abandon a post over an odd answer: keep reading until the deadline.
            logger.info("Polling post %s: %s", job.id, exc)
            return await self._check_deadline(job)
        self._scheduler.note_online()
        return await self._apply_post(job, post)

    async def _check_deadline(self, job: LocalJob) -> bool:
        if not self._deadline_passed(job):
            return True
        hours = self._scheduler.deadline(CADENCE_KIND) / 3600
        await self._park(
            job,
            JobState.NEEDS_ATTENTION,
            f"not every platform finished within {hours:.0f} h of the post's time; "
            "check the accounts, keep waiting or dismiss it",
        )
        return False

    async def _apply_post(self, job: LocalJob, post: ScheduledPost) -> bool:
        """Apply what GEN reports; False once the post is settled (or parked)."""
        if job.is_terminal:
            return False
        platforms = merge_platforms(job.post_platforms, post.platforms_status, ())
        state = _state_of(platforms)
        fields: dict[str, Any] = {"post_platforms": platforms, "raw_status": post.status}
        slot = _future(_parse_time(post.scheduled_time), job)
        if slot is not None and slot != job.scheduled_utc:
            fields["scheduled_utc"] = slot
        if state is JobState.FAILED:
            fields["failed_reason"] = _failures(platforms)
            fields["error_code"] = next((p.error_code for p in platforms if p.error_code), None)
        changed = (
            state is not job.state
            or platforms != job.post_platforms
            or post.status != job.raw_status
            or job.attention_reason is not None
            or "scheduled_utc" in fields
        )
        if changed and self._set_state(job, state, attention_reason=None, **fields):
            await self._save(job)
        if job.is_terminal:
            return False
        return await self._check_deadline(job)

    # -- user actions ----------------------------------------------------------------

    async def adopt(
        self, post: ScheduledPost, *, agent_id: str | None, title: str | None = None
    ) -> LocalJob:
        """Track a post read from GEN (or return the job already tracking it)."""
        self._ensure_open()
        for live in self._jobs.values():
            if live.remote_id == post.id:
                return replace(live)
        existing = await self._store.find_by_remote(JobKind.POST, post.id)
        if existing is not None:
            return replace(existing)
        now = self._clock.wall()
        targets = [p.platform for p in post.platforms_status if p.platform]
        job = LocalJob(
            id=new_job_id(),
            kind=JobKind.POST,
            state=JobState.PENDING,
            agent_id=agent_id,
            created_at=now,
            updated_at=now,
            remote_id=post.id,
            title=title or f"post {post.id}",
            platform=",".join(targets) or None,
            media_url=post.media_url,
            caption=post.description,
            post_title=post.title,
            scheduled_utc=_parse_time(post.scheduled_time),
            post_platforms=tuple(PostPlatform(name) for name in targets),
        )
        self._jobs[job.id] = job
        await self._save(job, added=True)
        if await self._apply_post(job, post):
            self._start_polling(job, None)
        return replace(job)

    async def refresh(self, job_id: str) -> LocalJob:
        """Read the post from GEN now and apply it (a user's "check now")."""
        job = await self._job(job_id)
        if job.remote_id is None:
            raise JobActionError("This post has no GEN id to check.")
        async with self._scheduler.request_slot():
            post = await self._connection.client.schedule.get(job.remote_id)
        self._scheduler.note_online()
        if job.is_parked:
            self._set_state(job, JobState.PENDING, attention_reason=None)
            self._jobs[job.id] = job
        if await self._apply_post(job, post) and job.is_active:
            self._start_polling(job, None)
        return await self.get(job.id)

    async def keep_waiting(self, job_id: str) -> LocalJob:
        """Resume tracking a post that needed attention."""
        self._ensure_open()
        job = await self._job(job_id)
        if job.state is not JobState.NEEDS_ATTENTION or job.remote_id is None:
            raise JobActionError(
                f"This post is {job.state}; only a post that needs attention and has a GEN id "
                "can keep waiting."
            )
        self._set_state(job, JobState.PENDING, attention_reason=None)
        self._jobs[job.id] = job
        await self._save(job)
        self._start_polling(job, None)
        return replace(job)

    async def dismiss(self, job_id: str) -> LocalJob:
        """The user gives up on a parked post (outcome unknown / needs attention)."""
        job = await self._job(job_id)
        if not job.can_dismiss():
            raise JobActionError(
                f"This post is {job.state}; only a post waiting for you (outcome unknown or "
                "needs attention) can be dismissed."
            )
        await self._finish(job, JobState.DISMISSED)
        return replace(job)

    async def apply_edit(
        self, job_id: str, post: ScheduledPost, changes: dict[str, Any]
    ) -> LocalJob:
        """Record an edit GEN accepted: the changed fields, then the post as GEN returned it."""
        job = await self._job(job_id)
        if job.is_terminal:
            return replace(job)
        self._set_state(job, job.state, **changes)
        self._jobs[job.id] = job
        if await self._apply_post(job, post) and job.is_active:
            self._start_polling(job, None)
        return replace(job)

    async def cancelled(self, job_id: str) -> LocalJob:
        """GEN deleted the post before it was sent: the job is stopped."""
        job = await self._job(job_id)
        platforms = tuple(
            p if p.is_terminal else replace(p, status="cancelled") for p in job.post_platforms
        )
        await self._finish(job, JobState.STOPPED, post_platforms=platforms)
        return replace(job)

    async def retry(self, job_id: str, *, force: bool = False) -> LocalJob:
        """User-confirmed retry with the same idempotency key (see the module doc)."""
        self._ensure_open()
        job = await self._job(job_id)
        if not job.can_retry():
            raise JobActionError(
                f"This post is {job.state}; only a post whose outcome is unknown or that was "
                "never started can be retried."
            )
        task = self._tasks.get(job.id)
        if task is not None and not task.done():
            raise JobActionError("This post is still being worked on; try again in a moment.")
        if job.state is JobState.OUTCOME_UNKNOWN:
            if self._clock.wall() - job.created_at > IDEMPOTENCY_WINDOW:
                found = await self._find_on_gen(job, force=force)
                if found is not None:
                    return found
                if job.state is not JobState.OUTCOME_UNKNOWN:
                    raise JobActionError("This post is already being retried.")
            self._set_state(job, JobState.SUBMITTING, attention_reason=None)
            return await self._submit(job, added=False)
        now = self._clock.wall()
        fresh = replace(
            job,
            id=new_job_id(),
            state=JobState.SUBMITTING,
            created_at=now,
            updated_at=now,
            raw_status=None,
            failed_reason=None,
            failure=None,
            error_code=None,
            http_status=None,
            attention_reason=None,
            finished_at=None,
        )
        return await self._submit(fresh, added=True)

    async def _find_on_gen(self, job: LocalJob, *, force: bool) -> LocalJob | None:
        """Past the window: follow the post if GEN lists it; else refuse unless `force`."""
        self._found_on_gen.discard(job.id)
        age = self._clock.wall() - job.created_at
        try:
            found = await self._post_on_gen(job)
        except GenError as exc:
            looked = f"GEN's list of the agent's posts could not be read ({exc})"
        else:
            if found is not None:
                logger.info("Post %s found on GEN as %s; following it", job.id, found.id)
                self._set_state(job, JobState.PENDING, remote_id=found.id, attention_reason=None)
                self._found_on_gen.add(job.id)
                self._jobs[job.id] = job
                await self._save(job)
                if await self._apply_post(job, found):
                    self._start_polling(job, None)
                return replace(job)
            looked = "GEN lists no post of this video and caption sent since then"
        if force:
            logger.warning("Retrying post %s past the idempotency window (confirmed)", job.id)
            return None
        hours = age.total_seconds() / 3600
        raise DuplicateRiskError(
            f"This post was first sent {hours:.0f} hours ago. GEN honours its idempotency key "
            "for 24 hours only, so GEN no longer protects against a duplicate: sending it again "
            f"may publish it a second time. {looked}. Check the accounts first; to send it "
            "anyway, confirm the duplicate risk (--force in the CLI).",
            job_id=job.id,
            age=age,
        )

    async def _post_on_gen(self, job: LocalJob) -> ScheduledPost | None:
        """The earliest post on GEN with this video, caption and platforms not tracked by
        another job (GEN lists no idempotency key, so the match is on the content)."""
        since = job.created_at - _CLOCK_SKEW
        until = max(job.created_at, job.scheduled_utc or job.created_at) + _FOUND_WINDOW
        posts = await self._connection.client.schedule.list(
            _day(since) - timedelta(days=1), _day(until), agent_id=job.agent_id
        )
        targets = {p.platform for p in job.post_platforms}
        for post in posts:
            names = {p.platform for p in post.platforms_status if p.platform}
            if (
                (post.media_url or "") != (job.media_url or "")
                or (post.description or "").strip() != (job.caption or "").strip()
                or not names & targets
            ):
                continue
            tracked = await self._store.find_by_remote(JobKind.POST, post.id)
            if tracked is None or tracked.id == job.id:
                return post
        return None

    # -- wait ------------------------------------------------------------------------

    async def wait(self, job_id: str, *, timeout: float | None = None) -> LocalJob:  # noqa: ASYNC109
        """Resolve when the post is terminal or parked; `WaitTimeout` after `timeout` s."""
        job = await self._job(job_id)
        if job.is_terminal or job.is_parked:
            return replace(job)
        self._ensure_open()
        done = await wait_for_job(self._waiters, job_id, self._clock, timeout)
        if done is None:
            raise WaitTimeout(
                f"Post {job.remote_id or job_id} is still {job.state} after {timeout:.0f} s."
            )
        return done

    # -- state, saves, tasks ---------------------------------------------------------

    def _set_state(self, job: LocalJob, state: JobState, **fields: Any) -> bool:
        if not can_transition(job.state, state):
            logger.info("Ignored %s -> %s for finished post %s", job.state, state, job.id)
            return False
        for name, value in fields.items():
            setattr(job, name, value)
        if (
            state.value in ("completed", "failed", "stopped", "dismissed")
            and job.state is not state
        ):
            job.finished_at = self._clock.wall()
        job.state = state
        job.updated_at = self._clock.wall()
        return True

    async def _park(self, job: LocalJob, state: JobState, reason: str) -> None:
        if self._set_state(job, state, attention_reason=reason):
            await self._save(job)

    async def _finish(self, job: LocalJob, state: JobState, **fields: Any) -> None:
        if self._set_state(job, state, **fields):
            await self._save(job)

    def _track(self, work: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(consume_exception)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return task

    async def _save(self, job: LocalJob, *, added: bool = False) -> None:
        """Save a snapshot, then announce it; a cancelled caller never loses the write."""
        await asyncio.shield(self._track(self._write(replace(job), added=added)))

    async def _write(self, snapshot: LocalJob, *, added: bool = False) -> None:
        previous = self._saved_states.get(snapshot.id)
        self._saved_states[snapshot.id] = snapshot.state
        event: EventType = "job_updated"
        if added:
            event = "job_added"
        elif snapshot.is_terminal and previous is not snapshot.state:
            event = "job_finished"
        try:
            await self._store.save_job(snapshot)
        except Exception as exc:
            logger.error("Could not save post %s (%s): %s", snapshot.id, snapshot.state, exc)
            self._events.job_event("job_updated", snapshot, detail=f"could not save: {exc}")
            return
        self._events.job_event(event, snapshot)
        if snapshot.is_terminal or snapshot.is_parked:
            for waiter in self._waiters.pop(snapshot.id, []):
                if not waiter.done():
                    waiter.set_result(replace(snapshot))
        live = self._jobs.get(snapshot.id)
        if snapshot.is_terminal and live is not None and live.is_terminal:
            del self._jobs[snapshot.id]

    def _spawn(self, job: LocalJob, work: Callable[[], Any]) -> None:
        running = self._tasks.get(job.id)
        if running is not None and not running.done():
            return
        self._jobs[job.id] = job

        async def guarded() -> None:
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.exception("Tracking post %s failed unexpectedly", job.id)
                if not job.is_terminal and job.state is not JobState.SUBMITTING:
                    await self._park(
                        job,
                        JobState.NEEDS_ATTENTION,
                        f"tracking stopped on an internal error: {exc}",
                    )

        task = asyncio.get_running_loop().create_task(guarded(), name=f"genpro-post-{job.id[:8]}")
        self._tasks[job.id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job.id) is done:
                del self._tasks[job.id]

        task.add_done_callback(forget)


def merge_platforms(
    current: Iterable[PostPlatform],
    statuses: Iterable[PostPlatformStatus],
    skipped: Iterable[SkippedPlatform],
) -> tuple[PostPlatform, ...]:
    """The platforms with GEN's latest report applied (platforms GEN did not mention keep
    what they had; a skipped platform is marked so; GEN's platforms we did not know are added)."""
    merged: dict[str, PostPlatform] = {p.platform: p for p in current}
    for entry in skipped:
        if entry.platform:
            old = merged.get(entry.platform) or PostPlatform(entry.platform)
            merged[entry.platform] = replace(old, status="skipped", error=entry.reason)
    for entry in statuses:
        if not entry.platform:
            continue
        old = merged.get(entry.platform) or PostPlatform(entry.platform)
        if old.status == "skipped":
            continue
        merged[entry.platform] = replace(
            old,
            status=entry.normalized_status.value,
            raw_status=entry.status,
            post_url=entry.post_url or old.post_url,
            platform_post_id=entry.platform_post_id or old.platform_post_id,
            error=entry.error,
            error_code=entry.error_code,
            failed_step=entry.failed_step,
            warning=entry.warning or old.warning,
        )
    return tuple(merged.values())


def _state_of(platforms: Sequence[PostPlatform]) -> JobState:
    sent = [p for p in platforms if p.status != "skipped"]
    if not sent:
        return JobState.FAILED
    if all(p.is_terminal for p in sent):
        if all(p.status == "failed" for p in sent):
            return JobState.FAILED
        return JobState.COMPLETED
    if any(p.status in ("publishing", "published", "failed") for p in sent):
        return JobState.PROCESSING
    return JobState.PENDING


def _failures(platforms: Sequence[PostPlatform]) -> str:
    failed = [p for p in platforms if p.status == "failed"]
    return "; ".join(f"{p.platform}: {p.error or 'failed without a reason'}" for p in failed)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _future(moment: datetime | None, job: LocalJob) -> datetime | None:
    """GEN's time for the post, kept only when it is a real slot (not before the post)."""
    if moment is None or moment < job.created_at - _CLOCK_SKEW:
        return None
    return moment


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
