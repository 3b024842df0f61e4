"""`Submitter`: renders and publishes sent once, and the user-confirmed retry of them.

The intent, the one send and the honest outcome are the `Sending` runner's (shared with posts);
this part builds render and publish jobs, holds renders back behind a credit refusal, and past
GEN's idempotency window looks for a render on GEN before sending it again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from genpro_desktop.core.api import GenError, InsufficientCreditsError, PublishContent
from genpro_desktop.core.jobs.book import JobActionError
from genpro_desktop.core.jobs.context import JobContext
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, RenderOrigin
from genpro_desktop.core.jobs.poller import Poller
from genpro_desktop.core.jobs.sending import Sending

__all__ = ["Submitter", "check_gen_id", "publish_content_for"]

logger = logging.getLogger("genpro_desktop.core.jobs")

# GEN's clock and ours differ a little: a render created this long before our intent still counts.
_CLOCK_SKEW = timedelta(minutes=10)


class Submitter:
    """Submitting renders and publishes (credit refusals included), and the user-confirmed
    retry; a sent job is handed to the poller in the same owned task."""

    def __init__(self, ctx: JobContext, sending: Sending, poller: Poller) -> None:
        self._ctx = ctx
        self._book = ctx.book
        self._sending = sending
        self._poller = poller
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
            agent_id=agent_id if agent_id is not None else self._ctx.connection.client.agent_id,
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
        job = self._sending.new_intent(job)
        if job.agent_id is None:
            job.agent_id = self._ctx.connection.client.agent_id
        return await self._submit(job, added=True)

    async def retry(self, job: LocalJob, *, force: bool = False) -> LocalJob:
        """User-confirmed retry of a render or publish: re-send with the same idempotency key.

        Past GEN's 24-hour idempotency window a render is first looked for among its cell's
        renders on GEN (see `Sending.retry`).
        """
        return await self._sending.retry(
            job, force=force, find=self._find_on_gen, resubmit=self._resubmit
        )

    def found_on_gen(self, job_id: str) -> bool:
        """True when the last retry of this job found it on GEN and followed it (no re-send)."""
        return job_id in self._found_on_gen

    async def _find_on_gen(self, job: LocalJob, force: bool) -> LocalJob | None:
        """Past the window: follow the job if GEN has it; else refuse unless `force`."""
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
        self._sending.check_duplicate_risk(job, force=force, cost=cost, looked=looked, where=where)
        return None

    async def _render_on_gen(self, job: LocalJob) -> tuple[str, str] | None:
        """A render of the job's cell that GEN started at or after the job's intent, if any.

        GEN exposes no idempotency key on a cell's `user_jobs`, so the match is tolerant: the
        earliest generation created since the intent (less a little clock skew) that no other
        local job already tracks.
        """
        if not job.engine_id or not job.cell_id:
            return None
        cell = await self._ctx.connection.client.cells.get(
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
            tracked = await self._ctx.store.find_by_remote(JobKind.RENDER, take.id)
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

    async def _resubmit(self, job: LocalJob, added: bool) -> LocalJob:
        return await self._submit(job, added=added)

    async def _submit(self, job: LocalJob, *, added: bool) -> LocalJob:
        epoch = self._credit_refusals

        async def send(job: LocalJob) -> None:
            await self._send(job, epoch)

        return await self._sending.submit(job, added=added, send=send, then=self._poller.poll_loop)

    async def _send(self, job: LocalJob, epoch: int) -> None:
        """Send the job's POST once and apply the answer."""
        if await self._sending.held_back(job):
            return
        async with self._ctx.scheduler.request_slot():
            if job.kind is JobKind.RENDER and self._credit_refusals > epoch:
                # Row 21: renders queued behind a credit refusal are not fired into it one by one.
                await self._sending.not_sent(
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
                await self._sending.not_sent(job, str(exc))
                return
            try:
                with self._sending.in_flight(job):
                    remote_id, raw = await self._post(job, content)
            except GenError as exc:
                await self._apply_post_error(job, exc)
                return
        self._ctx.scheduler.note_online()
        state = JobState.PROCESSING if raw == JobState.PROCESSING.value else JobState.PENDING
        self._book.set_state(job, state, remote_id=remote_id, raw_status=raw)
        self._poller.start_deadline(job)
        await self._book.save(job)

    async def _post(self, job: LocalJob, content: PublishContent | None) -> tuple[str, str]:
        if content is not None:
            created = await self._ctx.connection.client.user_jobs.create_publish(
                content, agent_id=job.agent_id, idempotency_key=job.idempotency_key
            )
            return created.user_job_id, JobState.PENDING.value
        started = await self._ctx.connection.client.renders.create(
            job.engine_id or "",
            job.cell_id or "",
            agent_id=job.agent_id,
            idempotency_key=job.idempotency_key,
        )
        return started.generation_id, started.raw_status or started.status.value

    async def _apply_post_error(self, job: LocalJob, exc: GenError) -> None:
        if isinstance(exc, InsufficientCreditsError):
            self._credit_refusals += 1
            await self._sending.not_started(job, f"insufficient credits: {exc}", exc)
        else:
            await self._sending.refused(job, exc)


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
