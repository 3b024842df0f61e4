"""`PostTracker`: multi-platform posts through GEN's schedule API, one durable job per post.

A composed part of the job tracker (not a mixin), built on its `JobContext`: the `JobBook` keeps
the live posts, their tasks, saves, events and waiters; the `Sending` runner records the intent
and applies the outcome of the one POST; the one `PollScheduler` gives request slots, pauses,
the publish cadence and its 24 h deadline. `JobTracker` owns one and hands it every job of kind
POST.

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

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from genpro_desktop.core import api
from genpro_desktop.core.api.errors import PlatformValidationError, ScheduleUnavailableError
from genpro_desktop.core.api.schedule_types import (
    PostPlatformStatus,
    ScheduleCreated,
    ScheduledPost,
    SchedulePostRequest,
    SkippedPlatform,
)
from genpro_desktop.core.jobs.book import JobActionError
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.model import FailureKind, JobKind, JobState, LocalJob, PostPlatform
from genpro_desktop.core.jobs.poller import DEFAULT_RATE_LIMIT_S
from genpro_desktop.core.jobs.sending import Sending

__all__ = [
    "PostTracker",
    "merge_platforms",
    "post_status",
    "schedule_not_available",
]

logger = logging.getLogger("genpro_desktop.core.jobs")

# Posts use the publish cadence (5 s backing off to 60 s) and its 24 h deadline.
CADENCE_KIND = JobKind.PUBLISH
# While a post waits for its time, it is read at least this often.
MAX_SCHEDULED_SLEEP_S = 900.0
_CLOCK_SKEW = timedelta(minutes=10)
_FOUND_WINDOW = timedelta(days=31)
SCHEDULE_UNAVAILABLE = "schedule_unavailable"


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

    def __init__(self, ctx: JobContext, sending: Sending) -> None:
        self._ctx = ctx
        self._book = ctx.book
        self._sending = sending
        self._found_on_gen: set[str] = set()

    def live_jobs(self) -> list[LocalJob]:
        """Copies of the posts being tracked or waiting for the user (the calendar's)."""
        return [replace(job) for job in self._book.live() if job.kind is JobKind.POST]

    async def get(self, job_id: str) -> LocalJob:
        """A copy of the post's job (live, else from the store)."""
        return replace(await self._book.job(job_id))

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this post found it on GEN and followed it."""
        return job_id in self._found_on_gen

    # -- submitting ------------------------------------------------------------------

    async def submit(self, job: LocalJob) -> LocalJob:
        """Record a post's intent, POST it once, then track it; returns the job as it stands.

        `job` is a POST job in SUBMITTING with its request (`post_request`) and platforms.
        """
        self._book.ensure_open()
        if job.kind is not JobKind.POST or not job.post_request:
            raise ValueError("submit needs a post job with its request")
        return await self._submit(self._sending.new_intent(job), True)

    async def _submit(self, job: LocalJob, added: bool) -> LocalJob:
        return await self._sending.submit(job, added=added, send=self._send, then=self._poll_loop)

    async def _send(self, job: LocalJob) -> None:
        if await self._sending.held_back(job):
            return
        try:
            request = SchedulePostRequest.model_validate_json(job.post_request or "")
        except ValidationError as exc:
            await self._sending.not_sent(job, f"the stored post request is not valid: {exc}")
            return
        async with self._ctx.scheduler.request_slot():
            try:
                with self._sending.in_flight(job):
                    created = await self._ctx.connection.client.schedule.create(
                        request, idempotency_key=job.idempotency_key
                    )
            except api.GenError as exc:
                await self._apply_create_error(job, exc)
                return
        self._ctx.scheduler.note_online()
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
        self._book.set_state(job, state, **fields)
        await self._book.save(job)

    async def _apply_create_error(self, job: LocalJob, exc: api.GenError) -> None:
        if isinstance(exc, PlatformValidationError):
            problems = "; ".join(
                ": ".join(part for part in (p.platform, p.field) if part) + f": {p.error}"
                if p.platform or p.field
                else p.error
                for p in exc.problems
            )
            await self._sending.not_started(job, f"GEN refused the post: {problems}", exc)
        elif isinstance(exc, ScheduleUnavailableError):
            await self._book.finish(
                job,
                JobState.FAILED,
                failed_reason=str(exc),
                failure=FailureKind.REFUSED,
                error_code=SCHEDULE_UNAVAILABLE,
                http_status=exc.status_code,
            )
        else:
            await self._sending.refused(job, exc)

    # -- polling ---------------------------------------------------------------------

    def start_polling(self, job: LocalJob, first_delay: float | None) -> None:
        """Give the post its poll task unless it already has one."""
        self._book.spawn(job, lambda: self._poll_loop(job, first_delay))

    def _deadline_passed(self, job: LocalJob) -> bool:
        due = max(job.created_at, job.scheduled_utc or job.created_at)
        limit = timedelta(seconds=self._ctx.scheduler.deadline(CADENCE_KIND))
        return self._ctx.clock.wall() > due + limit

    def _delay(self, job: LocalJob, attempt: int) -> float:
        elapsed = (self._ctx.clock.wall() - job.created_at).total_seconds()
        delay = self._ctx.scheduler.next_delay(CADENCE_KIND, attempt, elapsed=elapsed, typical=None)
        if job.scheduled_utc is not None:
            until = (job.scheduled_utc - self._ctx.clock.wall()).total_seconds()
            if until > delay:
                delay = min(until, MAX_SCHEDULED_SLEEP_S)
        return delay

    async def _poll_loop(self, job: LocalJob, first_delay: float | None = None) -> None:
        attempt = 0
        delay = self._delay(job, 0) if first_delay is None else first_delay
        while True:
            await self._ctx.clock.sleep(delay)
            if not job.is_active or not self._book.is_live(job):
                return
            if not await self._poll_once(job):
                return
            attempt += 1
            delay = self._delay(job, attempt)

    async def _poll_once(self, job: LocalJob) -> bool:
        """One read of the post; False when tracking ends (settled or parked)."""
        remote_id = job.remote_id
        if remote_id is None:
            await self._book.park(job, JobState.NEEDS_ATTENTION, "GEN never gave this post an id")
            return False
        try:
            async with self._ctx.scheduler.poll_slot():
                post = await self._ctx.connection.client.schedule.get(remote_id)
        except (api.AuthenticationError, api.PermissionDeniedError) as exc:
            self._ctx.connection.pause_auth(exc)
            return True
        except api.RateLimitedError as exc:
            self._ctx.scheduler.rate_limit(exc.retry_after or DEFAULT_RATE_LIMIT_S)
            return True
        except ScheduleUnavailableError as exc:
            logger.info("Polling post %s: %s", job.id, exc)
            return await self._check_deadline(job)
        except api.NotFoundError as exc:
            self._ctx.scheduler.note_online()
            await self._book.park(
                job, JobState.NEEDS_ATTENTION, f"GEN no longer finds this post ({exc})"
            )
            return False
        except api.APIConnectionError as exc:
            logger.info("Polling post %s: %s", job.id, exc)
            self._ctx.scheduler.note_offline()
            return True
        except (
            api.ServerError,
            api.InvalidResponseError,
            api.APIStatusError,
            api.MissingAgentError,
        ) as exc:
            # Never abandon a post over an odd answer: keep reading until the deadline.
            logger.info("Polling post %s: %s", job.id, exc)
            return await self._check_deadline(job)
        self._ctx.scheduler.note_online()
        return await self._apply_post(job, post)

    async def _check_deadline(self, job: LocalJob) -> bool:
        if not self._deadline_passed(job):
            return True
        hours = self._ctx.scheduler.deadline(CADENCE_KIND) / 3600
        await self._book.park(
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
        if changed and self._book.set_state(job, state, attention_reason=None, **fields):
            await self._book.save(job)
        if job.is_terminal:
            return False
        return await self._check_deadline(job)

    # -- user actions ----------------------------------------------------------------

    async def adopt(
        self, post: ScheduledPost, *, agent_id: str | None, title: str | None = None
    ) -> LocalJob:
        """Track a post read from GEN (or return the job already tracking it)."""
        self._book.ensure_open()
        live = self._book.find_live(JobKind.POST, post.id)
        if live is not None:
            return replace(live)
        existing = await self._ctx.store.find_by_remote(JobKind.POST, post.id)
        if existing is not None:
            return replace(existing)
        targets = [p.platform for p in post.platforms_status if p.platform]
        job = self._book.new_job(
            JobKind.POST,
            JobState.PENDING,
            agent_id=agent_id,
            remote_id=post.id,
            title=title or f"post {post.id}",
            platform=",".join(targets) or None,
            media_url=post.media_url,
            caption=post.description,
            post_title=post.title,
            scheduled_utc=_parse_time(post.scheduled_time),
            post_platforms=tuple(PostPlatform(name) for name in targets),
        )
        self._book.track(job)
        await self._book.save(job, added=True)
        if await self._apply_post(job, post):
            self.start_polling(job, None)
        return replace(job)

    async def refresh(self, job: LocalJob) -> LocalJob:
        """Read the post from GEN now and apply it (a user's "check now")."""
        if job.remote_id is None:
            raise JobActionError("This post has no GEN id to check.")
        async with self._ctx.scheduler.request_slot():
            post = await self._ctx.connection.client.schedule.get(job.remote_id)
        self._ctx.scheduler.note_online()
        if job.is_parked:
            self._book.set_state(job, JobState.PENDING, attention_reason=None)
            self._book.track(job)
        if await self._apply_post(job, post) and job.is_active:
            self.start_polling(job, None)
        return replace(await self._book.job(job.id))

    async def keep_waiting(self, job: LocalJob) -> LocalJob:
        """Resume tracking a post that needed attention."""
        self._book.set_state(job, JobState.PENDING, attention_reason=None)
        self._book.track(job)
        await self._book.save(job)
        self.start_polling(job, None)
        return replace(job)

    async def apply_edit(
        self, job_id: str, post: ScheduledPost, changes: dict[str, Any]
    ) -> LocalJob:
        """Record an edit GEN accepted: the changed fields, then the post as GEN returned it."""
        job = await self._book.job(job_id)
        if job.is_terminal:
            return replace(job)
        self._book.set_state(job, job.state, **changes)
        self._book.track(job)
        if await self._apply_post(job, post) and job.is_active:
            self.start_polling(job, None)
        return replace(job)

    async def cancelled(self, job_id: str) -> LocalJob:
        """GEN deleted the post before it was sent: the job is stopped."""
        job = await self._book.job(job_id)
        platforms = tuple(
            p if p.is_terminal else replace(p, status="cancelled") for p in job.post_platforms
        )
        await self._book.finish(job, JobState.STOPPED, post_platforms=platforms)
        return replace(job)

    async def retry(self, job: LocalJob, *, force: bool = False) -> LocalJob:
        """User-confirmed retry with the same idempotency key (see the module doc)."""
        return await self._sending.retry(
            job, force=force, find=self._find_on_gen, resubmit=self._submit
        )

    async def _find_on_gen(self, job: LocalJob, force: bool) -> LocalJob | None:
        """Past the window: follow the post if GEN lists it; else refuse unless `force`."""
        self._found_on_gen.discard(job.id)
        try:
            found = await self._post_on_gen(job)
        except api.GenError as exc:
            looked = f"GEN's list of the agent's posts could not be read ({exc})"
        else:
            if found is not None:
                logger.info("Post %s found on GEN as %s; following it", job.id, found.id)
                self._book.set_state(
                    job, JobState.PENDING, remote_id=found.id, attention_reason=None
                )
                self._found_on_gen.add(job.id)
                self._book.track(job)
                await self._book.save(job)
                if await self._apply_post(job, found):
                    self.start_polling(job, None)
                return replace(job)
            looked = "GEN lists no post of this video and caption sent since then"
        self._sending.check_duplicate_risk(
            job, force=force, cost="publish it a second time", looked=looked, where="the accounts"
        )
        return None

    async def _post_on_gen(self, job: LocalJob) -> ScheduledPost | None:
        """The earliest post on GEN with this video, caption and platforms not tracked by
        another job (GEN lists no idempotency key, so the match is on the content)."""
        since = job.created_at - _CLOCK_SKEW
        until = max(job.created_at, job.scheduled_utc or job.created_at) + _FOUND_WINDOW
        posts = await self._ctx.connection.client.schedule.list(
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
            tracked = await self._ctx.store.find_by_remote(JobKind.POST, post.id)
            if tracked is None or tracked.id == job.id:
                return post
        return None


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
