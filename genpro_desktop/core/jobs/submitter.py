"""Charged and publish POSTs: write-ahead intent, one send, and honest outcomes.

The intent (SUBMITTING, with its Idempotency-Key) is on disk before the POST leaves. The POST is
sent once: an ambiguous failure parks the job as OUTCOME_UNKNOWN, a refusal fails it with the
failure kind REFUSED, a request that never left (or was held back) with NOT_SENT; the reason is
only text for people. Only `retry()`, which the user confirms, sends again, with the same
idempotency key so GEN replays instead of charging or posting twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from genpro_desktop.core.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    GenError,
    InsufficientCreditsError,
    MissingAgentError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PublishContent,
    RateLimitedError,
)
from genpro_desktop.core.clock import Clock
from genpro_desktop.core.jobs.book import JobActionError, JobBook, consume_exception
from genpro_desktop.core.jobs.connection import Connection
from genpro_desktop.core.jobs.model import (
    FailureKind,
    JobKind,
    JobState,
    LocalJob,
    RenderOrigin,
    new_job_id,
)
from genpro_desktop.core.jobs.poller import DEFAULT_RATE_LIMIT_S, Poller
from genpro_desktop.core.jobs.ports import JobStore
from genpro_desktop.core.jobs.scheduler import PollScheduler

__all__ = [
    "IDEMPOTENCY_WINDOW",
    "DuplicateRiskError",
    "Submitter",
    "check_gen_id",
    "publish_content_for",
    "refusal_fields",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

CLOSED_IN_FLIGHT = (
    "the app closed while GEN was answering the request, so it is unknown whether it started; "
    "check GEN before retrying (a retry reuses the same idempotency key)"
)
CLOSED_BEFORE_SEND = "the app closed before sending it"
# `error_code` of a submission that broke on a bug in this app (nothing GEN said).
INTERNAL_ERROR_CODE = "internal_error"

IDEMPOTENCY_WINDOW = timedelta(hours=24)
"""How long GEN honours an Idempotency-Key (gen-api.md 3.8): a replay after it is a new request."""

# GEN's clock and ours differ a little: a render created this long before our intent still counts.
_CLOCK_SKEW = timedelta(minutes=10)


class DuplicateRiskError(JobActionError):
    """A retry past GEN's idempotency window, with no sign of the job on GEN: GEN no longer
    protects against a duplicate, so only an explicit confirmation (`force`) sends it again."""

    def __init__(self, message: str, *, job_id: str, age: timedelta) -> None:
        super().__init__(message)
        self.job_id = job_id
        self.age = age


class Submitter:
    """Submitting renders and publishes (intents, in-flight POSTs, credit refusals), and the
    user-confirmed retry; a sent job is handed to the poller in the same owned task."""

    def __init__(
        self,
        book: JobBook,
        connection: Connection,
        scheduler: PollScheduler,
        clock: Clock,
        store: JobStore,
        poller: Poller,
    ) -> None:
        self._book = book
        self._connection = connection
        self._scheduler = scheduler
        self._clock = clock
        self._store = store
        self._poller = poller
        self._in_flight_posts: set[str] = set()
        self._submissions: dict[str, asyncio.Future[LocalJob]] = {}
        # Jobs whose last retry found them on GEN (past the idempotency window), not re-sent.
        self._found_on_gen: set[str] = set()
        self._credit_refusals: int = 0

    async def submit_render(
        self,
        engine_id: str,
        cell_id: str,
        *,
        agent_id: str | None = None,
        title: str | None = None,
        origin: RenderOrigin | None = None,
    ) -> LocalJob:
        """Record the intent, POST the render once, then track it; returns the job as it stands.

        `origin` names the engine and row (and batch) in lists; it is never sent to GEN.

        Raises `JobActionError` (nothing recorded, nothing sent) for an engine or cell id that
        cannot name anything on GEN.
        """
        self._book.ensure_open()
        engine = check_gen_id(engine_id, "engine id")
        cell = check_gen_id(cell_id, "cell id")
        job = self._book.new_job(
            JobKind.RENDER,
            JobState.SUBMITTING,
            agent_id=agent_id if agent_id is not None else self._connection.client.agent_id,
            engine_id=engine,
            cell_id=cell,
            title=title,
            idempotency_key=str(uuid.uuid4()),
            **(origin.fields() if origin is not None else {}),
        )
        return await self._submit(job, added=True)

    async def publish_intent(self, job: LocalJob) -> LocalJob:
        """Record a publish intent built by PublishService, POST it once, then track it."""
        self._book.ensure_open()
        if job.kind is not JobKind.PUBLISH or not job.media_url:
            raise ValueError("publish_intent needs a publish job with a media URL")
        job = replace(job)  # the tracker owns its copy; the caller's object stays theirs
        job.state = JobState.SUBMITTING
        job.remote_id = None
        job.idempotency_key = job.idempotency_key or str(uuid.uuid4())
        if job.agent_id is None:
            job.agent_id = self._connection.client.agent_id
        job.updated_at = self._clock.wall()
        return await self._submit(job, added=True)

    async def retry(self, job: LocalJob, *, force: bool = False) -> LocalJob:
        """User-confirmed retry of a render or publish: re-send with the same idempotency key.

        Past GEN's 24-hour idempotency window the key no longer protects: the job is first
        looked for on GEN (a render among its cell's renders) and followed if found; otherwise
        `DuplicateRiskError` is raised unless `force` (the user accepted a possible duplicate).
        """
        if self._book.has_task(job.id):
            raise JobActionError("This job is still being worked on; try again in a moment.")
        if job.state is JobState.OUTCOME_UNKNOWN:
            if self.idempotency_expired(job):
                found = await self._find_on_gen(job, force=force)
                if found is not None:
                    return found
                if job.state is not JobState.OUTCOME_UNKNOWN or self._book.has_task(job.id):
                    # Another retry of this job went ahead while GEN was being asked.
                    raise JobActionError("This job is already being retried.")
            self._book.set_state(job, JobState.SUBMITTING, attention_reason=None)
            return await self._submit(job, added=False)
        # A failed job stays failed (terminal is sticky); the retry is a new job, same key.
        now = self._clock.wall()
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
        return await self._submit(fresh, added=True)

    def idempotency_expired(self, job: LocalJob) -> bool:
        """True when GEN no longer honours the job's idempotency key (first sent > 24 h ago)."""
        return self._clock.wall() - job.created_at > IDEMPOTENCY_WINDOW

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this job found it on GEN and followed it (no re-send)."""
        return job_id in self._found_on_gen

    async def _find_on_gen(self, job: LocalJob, *, force: bool) -> LocalJob | None:
        """Past the window: follow the job if GEN has it; else refuse unless `force`."""
        age = self._clock.wall() - job.created_at
        self._found_on_gen.discard(job.id)
        if job.kind is JobKind.RENDER:
            try:
                remote = await self._render_on_gen(job)
            except GenError as exc:
                looked = f"GEN could not be checked for it ({exc})"
            else:
                if remote is not None:
                    return await self._follow_found(job, *remote)
                looked = (
                    f"GEN shows no render of cell {job.cell_id} started since this one was sent"
                )
            where = f"the row's renders (engine {job.engine_id}, cell {job.cell_id})"
            cost = "charge for a second render"
        else:
            looked = "this app cannot list the agent's posts on GEN to check for it"
            where = "the TikTok account and the GEN app"
            cost = "publish the post a second time"
        if force:
            logger.warning("Retrying job %s past the idempotency window (confirmed)", job.id)
            return None
        hours = age.total_seconds() / 3600
        raise DuplicateRiskError(
            f"This {job.kind} was first sent {hours:.0f} hours ago. GEN honours its idempotency "
            f"key for 24 hours only, so GEN no longer protects against a duplicate: sending it "
            f"again may {cost}. {looked[:1].upper()}{looked[1:]}. Check {where} first; to "
            "send it anyway, confirm the duplicate risk (--force in the CLI).",
            job_id=job.id,
            age=age,
        )

    async def _render_on_gen(self, job: LocalJob) -> tuple[str, str] | None:
        """A render of the job's cell that GEN started at or after the job's intent, if any.

        GEN exposes no idempotency key on a cell's `user_jobs`, so the match is tolerant: the
        earliest generation created since the intent (less a little clock skew) that no other
        local job already tracks.
        """
        if not job.engine_id or not job.cell_id:
            return None
        cell = await self._connection.client.cells.get(
            job.engine_id, job.cell_id, agent_id=job.agent_id
        )
        since = job.created_at - _CLOCK_SKEW
        takes = list(cell.user_jobs)
        if cell.default_user_job is not None:
            takes.append(cell.default_user_job)
        candidates = sorted(
            (take for take in takes if take.created_at is not None and take.created_at >= since),
            key=lambda take: take.created_at or since,
        )
        for take in candidates:
            tracked = await self._store.find_by_remote(JobKind.RENDER, take.id)
            if tracked is None or tracked.id == job.id:
                return take.id, take.raw_status or take.status.value
        return None

    async def _follow_found(self, job: LocalJob, remote_id: str, raw: str) -> LocalJob:
        """Track the generation found on GEN as this job's outcome; nothing is re-sent."""
        logger.info("Job %s found on GEN as %s; following it instead of re-sending", job.id, raw)
        state = JobState.PROCESSING if raw == JobState.PROCESSING.value else JobState.PENDING
        self._book.set_state(
            job, state, remote_id=remote_id, raw_status=None, attention_reason=None
        )
        self._found_on_gen.add(job.id)
        self._book.track(job)
        await self._book.save(job)
        self._poller.start_deadline(job)
        self._poller.start_polling(job, 0.0)
        return replace(job)

    async def _submit(self, job: LocalJob, *, added: bool) -> LocalJob:
        submitted: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
        submitted.add_done_callback(consume_exception)
        self._submissions[job.id] = submitted
        epoch = self._credit_refusals
        self._book.track(job)
        self._book.spawn(job, lambda: self._run_submission(job, epoch, submitted, added))
        # The owned task carries on (and sends) even if this caller is cancelled.
        return await asyncio.shield(submitted)

    async def _run_submission(
        self, job: LocalJob, epoch: int, submitted: asyncio.Future[LocalJob], added: bool
    ) -> None:
        try:
            record = asyncio.get_running_loop().create_task(self._store.record_intent(replace(job)))
            record.add_done_callback(consume_exception)
            self._book.track_write(record)
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
            self._book.recorded(job, added=added)
            try:
                await self._send(job, epoch)
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
            await self._poller.poll_loop(job)

    async def _crashed(self, job: LocalJob, exc: Exception) -> None:
        """The submission broke on an internal error: record an honest outcome for it."""
        logger.exception("Submitting job %s failed unexpectedly", job.id)
        if job.state is not JobState.SUBMITTING:
            return  # the answer was already applied; the error came after it
        why = f"internal error while submitting: {type(exc).__name__}: {exc}"
        if job.id in self._in_flight_posts:
            self._in_flight_posts.discard(job.id)
            await self._book.park(
                job,
                JobState.OUTCOME_UNKNOWN,
                f"{why}; the request may have reached GEN, so check GEN before retrying "
                f"(a retry reuses the same idempotency key {job.idempotency_key})",
            )
            return
        await self._book.finish(
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
            self._book.forget(job.id)
        else:
            # The store still holds the job as outcome unknown; keep memory in step with it.
            self._book.set_state(
                job, JobState.OUTCOME_UNKNOWN, attention_reason=f"the retry was not sent: {exc}"
            )

    def close(self) -> None:
        """At shutdown (tasks cancelled): record every unsent submission honestly and answer
        the callers still waiting for one."""
        for job in self._book.live():
            # A submission whose task never got to run is still only an intent.
            self._mark_interrupted(job)
        for job_id, submitted in list(self._submissions.items()):
            live = self._book.live_job(job_id)
            if not submitted.done() and live is not None:
                submitted.set_result(replace(live))
        self._submissions.clear()

    def _mark_interrupted(self, job: LocalJob) -> None:
        """The job's task was cancelled (shutdown) while submitting: save the honest state."""
        if job.state is not JobState.SUBMITTING:
            return
        if job.id in self._in_flight_posts:
            self._book.set_state(job, JobState.OUTCOME_UNKNOWN, attention_reason=CLOSED_IN_FLIGHT)
        else:
            self._book.set_state(
                job,
                JobState.FAILED,
                failed_reason=CLOSED_BEFORE_SEND,
                failure=FailureKind.NOT_SENT,
            )
        self._in_flight_posts.discard(job.id)
        self._book.persist(job)

    async def _send(self, job: LocalJob, epoch: int) -> None:
        """Send the job's POST once and apply the answer."""
        if self._scheduler.auth_paused:
            reason = self._scheduler.pause_reason or "GEN did not accept the API key"
            await self._not_sent(
                job, f"{reason}; sign in again, then retry", self._connection.auth_refusal
            )
            return
        async with self._scheduler.request_slot():
            if job.kind is JobKind.RENDER and self._credit_refusals > epoch:
                # Row 21: renders queued behind a credit refusal are not fired into it one by one.
                await self._not_sent(
                    job,
                    "GEN refused an earlier render for insufficient credits; add credits, "
                    "then retry",
                )
                return
            try:
                content = publish_content_for(job) if job.kind is JobKind.PUBLISH else None
                if content is None and (job.engine_id is None or job.cell_id is None):
                    raise ValueError("the render names no engine or cell")
            except ValueError as exc:
                await self._not_sent(job, str(exc))
                return
            self._in_flight_posts.add(job.id)
            try:
                remote_id, raw = await self._post(job, content)
            except GenError as exc:
                self._in_flight_posts.discard(job.id)
                await self._apply_post_error(job, exc)
                return
            self._in_flight_posts.discard(job.id)
        self._scheduler.note_online()
        state = JobState.PROCESSING if raw == JobState.PROCESSING.value else JobState.PENDING
        self._book.set_state(job, state, remote_id=remote_id, raw_status=raw)
        self._poller.start_deadline(job)
        await self._book.save(job)

    async def _post(self, job: LocalJob, content: PublishContent | None) -> tuple[str, str]:
        if content is not None:
            created = await self._connection.client.user_jobs.create_publish(
                content, agent_id=job.agent_id, idempotency_key=job.idempotency_key
            )
            return created.user_job_id, JobState.PENDING.value
        started = await self._connection.client.renders.create(
            job.engine_id or "",
            job.cell_id or "",
            agent_id=job.agent_id,
            idempotency_key=job.idempotency_key,
        )
        return started.generation_id, started.raw_status or started.status.value

    async def _apply_post_error(self, job: LocalJob, exc: GenError) -> None:
        if isinstance(exc, OutcomeUnknownError):
            await self._book.park(job, JobState.OUTCOME_UNKNOWN, str(exc))
        elif isinstance(exc, InsufficientCreditsError):
            self._credit_refusals += 1
            await self._not_started(job, f"insufficient credits: {exc}", exc)
        elif isinstance(exc, AuthenticationError | PermissionDeniedError):
            self._connection.pause_auth(exc)
            await self._not_sent(job, f"{exc}; sign in again, then retry", exc)
        elif isinstance(exc, RateLimitedError):
            self._scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            await self._not_started(job, str(exc), exc)
        elif isinstance(exc, APIConnectionError):
            # The client only lets this through for a POST that provably never left.
            self._scheduler.note_offline()
            await self._not_sent(job, str(exc))
        elif isinstance(exc, APIStatusError | MissingAgentError):
            await self._not_started(job, str(exc), exc)
        else:
            # Anything else may have happened after sending: never assume it did not.
            await self._book.park(job, JobState.OUTCOME_UNKNOWN, str(exc))

    async def _not_sent(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        fields = refusal_fields(refusal)
        await self._book.finish(
            job, JobState.FAILED, failed_reason=why, failure=FailureKind.NOT_SENT, **fields
        )

    async def _not_started(self, job: LocalJob, why: str, refusal: GenError | None = None) -> None:
        fields = refusal_fields(refusal)
        await self._book.finish(
            job, JobState.FAILED, failed_reason=why, failure=FailureKind.REFUSED, **fields
        )


def check_gen_id(value: object, what: str) -> str:
    """`value` as a GEN id for a URL path, or `JobActionError` saying why it cannot be one.

    Checked before an intent is recorded, so a local mistake never looks like a remote outcome.
    """
    text = str(value).strip()
    if text in ("", ".", ".."):
        raise JobActionError(f"The {what} is empty or not an id ({text!r}); nothing was sent.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JobActionError(
            f"The {what} {text!r} is not valid UTF-8 text; nothing was sent."
        ) from None
    if any(not char.isprintable() for char in text):
        raise JobActionError(f"The {what} {text!r} contains control characters; nothing was sent.")
    return text


def refusal_fields(exc: GenError | None) -> dict[str, str | int | None]:
    """`error_code` and `http_status` of the error that refused (or held back) a POST."""
    if isinstance(exc, APIStatusError):
        return {"error_code": exc.error_code, "http_status": exc.status_code}
    if isinstance(exc, MissingAgentError):
        return {"error_code": "missing_agent", "http_status": None}
    return {"error_code": None, "http_status": None}


def publish_content_for(job: LocalJob) -> PublishContent:
    """The publish_content request for a publish job (DST-aware offset for its schedule)."""
    offset: int | None = None
    if job.scheduled_utc is not None and job.schedule_tz:
        try:
            zone = ZoneInfo(job.schedule_tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {job.schedule_tz!r}") from exc
        delta = job.scheduled_utc.astimezone(zone).utcoffset()
        offset = int(delta.total_seconds() // 60) if delta is not None else None
    try:
        return PublishContent(
            media_url=job.media_url or "",
            description=job.caption or "",
            title=job.post_title,
            thumbnail_url=job.post_thumbnail_url,
            scheduled_time=job.scheduled_utc,
            platform=job.platform or "tiktok",
            timezone_offset=offset,
        )
    except ValidationError as exc:
        raise ValueError(f"the publish request is not valid: {exc}") from exc
