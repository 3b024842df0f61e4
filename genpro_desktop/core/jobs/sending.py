"""`Sending`: the write-ahead intent, the one send and the honest outcome of a charged or
publishing POST, shared by the `Submitter` (renders, publishes) and the `PostTracker` (posts).

The intent (SUBMITTING, with its Idempotency-Key) is on disk before the POST leaves. The POST is
sent once: an ambiguous failure parks the job as OUTCOME_UNKNOWN, a refusal fails it with the
failure kind REFUSED, a request that never left (or was held back) with NOT_SENT; the reason is
only text for people. Only a retry the user confirms sends again, with the same idempotency key
so GEN replays instead of charging or posting twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Generator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta

from genpro_desktop.core.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    GenError,
    MissingAgentError,
    PermissionDeniedError,
    RateLimitedError,
)
from genpro_desktop.core.jobs.book import JobActionError, consume_exception
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.model import FailureKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.jobs.poller import DEFAULT_RATE_LIMIT_S

__all__ = [
    "CLOSED_BEFORE_SEND",
    "CLOSED_IN_FLIGHT",
    "IDEMPOTENCY_WINDOW",
    "INTERNAL_ERROR_CODE",
    "RESTART_REASON",
    "DuplicateRiskError",
    "Sending",
    "refusal_fields",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

CLOSED_IN_FLIGHT = (
    "the app closed while GEN was answering the request, so it is unknown whether it started; "
    "check GEN before retrying (a retry reuses the same idempotency key)"
)
CLOSED_BEFORE_SEND = "the app closed before sending it"
RESTART_REASON = "the app stopped before GEN answered; check GEN before retrying"
# `error_code` of a submission that broke on a bug in this app (nothing GEN said).
INTERNAL_ERROR_CODE = "internal_error"

IDEMPOTENCY_WINDOW = timedelta(hours=24)
"""How long GEN honours an Idempotency-Key (gen-api.md 3.8): a replay after it is a new request."""

# What a submission does with its job: send it once, then (while it is active) follow it.
Step = Callable[[LocalJob], Awaitable[None]]
# Past the idempotency window: the job as followed on GEN, or None to send it again (`force`).
FindOnGen = Callable[[LocalJob, bool], Awaitable[LocalJob | None]]
# Submit `job` again; `added` when it is a new job (a fresh attempt of a failed one).
Resubmit = Callable[[LocalJob, bool], Awaitable[LocalJob]]


class DuplicateRiskError(JobActionError):
    """A retry past GEN's idempotency window, with no sign of the job on GEN: GEN no longer
    protects against a duplicate, so only an explicit confirmation (`force`) sends it again."""

    def __init__(self, message: str, *, job_id: str, age: timedelta) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.age = age


class Sending:
    """Submissions under way: their intents, the POSTs in flight and the callers waiting."""

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._in_flight: set[str] = set()
        self._submissions: dict[str, asyncio.Future[LocalJob]] = {}

    def new_intent(self, job: LocalJob) -> LocalJob:
        """A copy of a job a service built (the caller's object stays theirs), as an intent:
        SUBMITTING, no GEN id yet, and an idempotency key."""
        job = replace(job)
        job.state = JobState.SUBMITTING
        job.remote_id = None
        job.idempotency_key = job.idempotency_key or str(uuid.uuid4())
        job.updated_at = self._ctx.clock.wall()
        return job

    async def resume(self, job: LocalJob) -> bool:
        """A render, publish or post a previous run left unfinished: True when it is to be
        polled. An intent without a GEN id is never re-sent: its outcome is unknown."""
        book = self._ctx.book
        if job.state is JobState.SUBMITTING:
            if job.remote_id is None:
                await book.park(job, JobState.OUTCOME_UNKNOWN, RESTART_REASON)
                return False
            book.set_state(job, JobState.PENDING)
            await book.save(job)
        if job.remote_id is not None and job.state in (JobState.PENDING, JobState.PROCESSING):
            return True
        if job.is_active:
            # Nothing this version knows how to continue: show it rather than lose it.
            await book.park(job, JobState.NEEDS_ATTENTION, f"this {job.kind} could not be resumed")
        return False

    async def submit(self, job: LocalJob, *, added: bool, send: Step, then: Step) -> LocalJob:
        """In the job's one owned task: record its intent, `send` it, then (while it is
        active) `then` (its polling); returns the job as it stands once sent or refused."""
        submitted: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
        submitted.add_done_callback(consume_exception)
        self._submissions[job.id] = submitted
        self._ctx.book.track(job)
        self._ctx.book.spawn(job, lambda: self._run(job, submitted, added, send, then))
        # The owned task carries on (and sends) even if this caller is cancelled.
        return await asyncio.shield(submitted)

    async def _run(
        self,
        job: LocalJob,
        submitted: asyncio.Future[LocalJob],
        added: bool,
        send: Step,
        then: Step,
    ) -> None:
        try:
            record = asyncio.get_running_loop().create_task(
                self._ctx.store.record_intent(replace(job))
            )
            record.add_done_callback(consume_exception)
            self._ctx.book.track_write(record)
            try:
                # Shielded: a shutdown mid-write still leaves a consistent intent behind.
                await asyncio.shield(record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Nothing was sent: without a durable intent there is no POST.
                self._forget_unrecorded(job, added, exc)
                if not submitted.done():
                    submitted.set_exception(exc)
                return
            self._ctx.book.recorded(job, added=added)
            try:
                await send(job)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # A bug while submitting is a failure, never a start: say so before answering.
                await self._crashed(job, exc)
        except asyncio.CancelledError:
            self._mark_interrupted(job)
            raise
        finally:
            self._submissions.pop(job.id, None)
            if not submitted.done():
                submitted.set_result(replace(job))
        if job.is_active:
            await then(job)

    async def held_back(self, job: LocalJob) -> bool:
        """True, with the job failed "not sent", while a refused key pauses every request."""
        scheduler = self._ctx.scheduler
        if not scheduler.auth_paused:
            return False
        reason = scheduler.pause_reason or "GEN did not accept the API key"
        refusal = self._ctx.connection.auth_refusal
        await self.not_sent(job, f"{reason}; sign in again, then retry", refusal)
        return True

    @contextmanager
    def in_flight(self, job: LocalJob) -> Generator[None]:
        """Around the POST itself: a bug or a shutdown inside it means the request may have
        left (outcome unknown); a `GenError` (GEN's answer, or provably not sent) does not."""
        self._in_flight.add(job.id)
        try:
            yield
        except GenError:
            self._in_flight.discard(job.id)
            raise
        self._in_flight.discard(job.id)

    async def refused(self, job: LocalJob, exc: GenError) -> None:
        """Apply the error a POST ended with (after the caller's own special cases)."""
        scheduler = self._ctx.scheduler
        if isinstance(exc, AuthenticationError | PermissionDeniedError):
            self._ctx.connection.pause_auth(exc)
            await self.not_sent(job, f"{exc}; sign in again, then retry", exc)
        elif isinstance(exc, RateLimitedError):
            scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            await self.not_started(job, str(exc), exc)
        elif isinstance(exc, APIConnectionError):
            # The client only lets this through for a POST that provably never left.
            scheduler.note_offline()
            await self.not_sent(job, str(exc))
        elif isinstance(exc, APIStatusError | MissingAgentError):
            await self.not_started(job, str(exc), exc)
        else:
            # Outcome unknown, or anything else that may have happened after sending.
            await self._ctx.book.park(job, JobState.OUTCOME_UNKNOWN, str(exc))

    async def not_sent(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        """The POST never left (or was held back): the job fails NOT_SENT."""
        await self._fail(job, why, FailureKind.NOT_SENT, refusal)

    async def not_started(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        """GEN refused the POST: the job fails REFUSED (nothing started, nothing charged)."""
        await self._fail(job, why, FailureKind.REFUSED, refusal)

    async def _fail(
        self, job: LocalJob, why: str, failure: FailureKind, refusal: GenError | None
    ) -> None:
        fields = refusal_fields(refusal)
        await self._ctx.book.finish(
            job, JobState.FAILED, failed_reason=why, failure=failure, **fields
        )

    async def _crashed(self, job: LocalJob, exc: Exception) -> None:
        """The submission broke on an internal error: record an honest outcome for it."""
        logger.exception("Submitting job %s failed unexpectedly", job.id)
        if job.state is not JobState.SUBMITTING:
            return  # the answer was already applied; the error came after it
        why = f"internal error while submitting: {type(exc).__name__}: {exc}"
        if job.id in self._in_flight:
            self._in_flight.discard(job.id)
            await self._ctx.book.park(
                job,
                JobState.OUTCOME_UNKNOWN,
                f"{why}; the request may have reached GEN, so check GEN before retrying "
                f"(a retry reuses the same idempotency key {job.idempotency_key})",
            )
            return
        await self._ctx.book.finish(
            job,
            JobState.FAILED,
            failed_reason=why,
            failure=FailureKind.NOT_SENT,
            error_code=INTERNAL_ERROR_CODE,
            http_status=None,
        )

    def _forget_unrecorded(self, job: LocalJob, added: bool, exc: Exception) -> None:
        logger.error("Could not record the intent of job %s: %s", job.id, exc)
        if added:
            self._ctx.book.forget(job.id)
        else:
            # The store still holds the job as outcome unknown; keep memory in step with it.
            self._ctx.book.set_state(
                job, JobState.OUTCOME_UNKNOWN, attention_reason=f"the retry was not sent: {exc}"
            )

    def close(self) -> None:
        """At shutdown (tasks cancelled): record every unsent submission honestly and answer
        the callers still waiting for one."""
        for job in self._ctx.book.live():
            # A submission whose task never got to run is still only an intent.
            self._mark_interrupted(job)
        for job_id, submitted in list(self._submissions.items()):
            live = self._ctx.book.live_job(job_id)
            if not submitted.done() and live is not None:
                submitted.set_result(replace(live))
        self._submissions.clear()

    def _mark_interrupted(self, job: LocalJob) -> None:
        """The job's task was cancelled (shutdown) while submitting: save the honest state."""
        if job.state is not JobState.SUBMITTING:
            return
        if job.id in self._in_flight:
            self._ctx.book.set_state(
                job, JobState.OUTCOME_UNKNOWN, attention_reason=CLOSED_IN_FLIGHT
            )
        else:
            self._ctx.book.set_state(
                job,
                JobState.FAILED,
                failed_reason=CLOSED_BEFORE_SEND,
                failure=FailureKind.NOT_SENT,
            )
        self._in_flight.discard(job.id)
        self._ctx.book.persist(job)

    # -- the user's retry ----------------------------------------------------------------

    def idempotency_expired(self, job: LocalJob) -> bool:
        """True when GEN no longer honours the job's idempotency key (first sent > 24 h ago)."""
        return self._ctx.clock.wall() - job.created_at > IDEMPOTENCY_WINDOW

    def check_duplicate_risk(
        self, job: LocalJob, *, force: bool, cost: str, looked: str, where: str
    ) -> None:
        """Past the window, with no sign of the job on GEN: go ahead only when the user
        confirmed the risk (`force`), else `DuplicateRiskError` says what a re-send may `cost`,
        what was `looked` at and `where` to check first."""
        if force:
            logger.warning("Retrying job %s past the idempotency window (confirmed)", job.id)
            return
        age = self._ctx.clock.wall() - job.created_at
        hours = age.total_seconds() / 3600
        raise DuplicateRiskError(
            f"This {job.kind} was first sent {hours:.0f} hours ago. GEN honours its idempotency "
            f"key for 24 hours only, so GEN no longer protects against a duplicate: sending it "
            f"again may {cost}. {_sentence(looked)}. Check {where} first; to send it anyway, "
            "confirm the duplicate risk (--force in the CLI).",
            job_id=job.id,
            age=age,
        )

    async def retry(
        self, job: LocalJob, *, force: bool, find: FindOnGen, resubmit: Resubmit
    ) -> LocalJob:
        """User-confirmed retry: re-send with the same idempotency key.

        Past GEN's 24-hour idempotency window the key no longer protects: `find` looks for the
        job on GEN and follows it if found; otherwise it raises `DuplicateRiskError` unless
        `force` (the user accepted a possible duplicate).
        """
        book = self._ctx.book
        if book.has_task(job.id):
            raise JobActionError(
                f"This {job.kind} is still being worked on; try again in a moment."
            )
        if job.state is JobState.OUTCOME_UNKNOWN:
            if self.idempotency_expired(job):
                found = await find(job, force)
                if found is not None:
                    return found
                if job.state is not JobState.OUTCOME_UNKNOWN or book.has_task(job.id):
                    # Another retry of this job went ahead while GEN was being asked.
                    raise JobActionError(f"This {job.kind} is already being retried.")
            book.set_state(job, JobState.SUBMITTING, attention_reason=None)
            return await resubmit(job, False)
        # A failed job stays failed (terminal is sticky); the retry is a new job, same key.
        now = self._ctx.clock.wall()
        fresh = replace(
            job,
            id=new_job_id(),
            state=JobState.SUBMITTING,
            created_at=now,
            updated_at=now,
            raw_status=None,
            unknown_count=0,
            failed_reason=None,
            failure=None,
            error_code=None,
            http_status=None,
            attention_reason=None,
            finished_at=None,
        )
        return await resubmit(fresh, True)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def refusal_fields(exc: GenError | None) -> dict[str, str | int | None]:
    """`error_code` and `http_status` of the error that refused (or held back) a POST."""
    if isinstance(exc, APIStatusError):
        return {"error_code": exc.error_code, "http_status": exc.status_code}
    if isinstance(exc, MissingAgentError):
        return {"error_code": "missing_agent", "http_status": None}
    return {"error_code": None, "http_status": None}
