"""Publishing a video safely: validate, refuse duplicates, single-flight, then one tracked POST.

``PublishService.publish`` is the one entry point the GUI and the CLI use (fault matrix row 22):

1. the request is checked locally (``validate_publish`` plus the schedule's time zone); any
   error raises ``PublishValidationError`` before a single request is made;
2. its ``dedupe_key`` is computed; concurrent calls with the same key share one submission, so
   a double-click, a repeated Enter or two windows make exactly one POST, whatever
   ``allow_duplicate`` says;
3. unless ``allow_duplicate``, a publish with the same key that is pending, published or of
   unknown outcome in the local history is refused with ``DuplicatePublishError``;
4. the job (scheduled time in UTC plus the IANA zone it was chosen in) goes to
   ``tracker.publish_intent``, which records the intent durably, POSTs once and tracks it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.publishing.dedupe import dedupe_key
from genpro_desktop.core.publishing.schedule import ScheduleError, parse_schedule
from genpro_desktop.core.publishing.validation import (
    Issue,
    PublishForm,
    ValidationReport,
    validate_publish,
)

SUPPORTED_PLATFORMS = frozenset({"tiktok"})  # GEN's publish_content (gen-api.md 11.2)
_LABEL_CAPTION_CHARS = 40


_Key = TypeVar("_Key", bound=Hashable)


class PublishError(Exception):
    """A publish was not sent; ``str()`` says why and what to do."""


class PublishValidationError(PublishError):
    """The request breaks a rule; nothing was sent. ``report`` lists every issue."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        details = " ".join(issue.message for issue in report.errors)
        super().__init__(f"Not published, nothing was sent: {details}")


class DuplicatePublishError(PublishError):
    """The same post is already pending or published; ``existing`` are those jobs."""

    def __init__(self, existing: list[LocalJob]) -> None:
        self.existing = list(existing)
        super().__init__(_duplicate_message(self.existing))


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishRequest:
    """What the user asked to publish."""

    agent_id: str
    media_url: str
    caption: str
    platform: str = "tiktok"
    title: str | None = None
    thumbnail_url: str | None = None
    # When to post, as chosen: aware (ideally in `schedule_tz`), or naive wall time in
    # `schedule_tz`. None posts now.
    scheduled_local: datetime | None = None
    schedule_tz: str | None = None  # IANA name such as "Europe/Berlin"
    source_job_id: str | None = None  # the render job the video came from (the job's parent)
    label: str | None = None  # how job lists name it; defaults to the start of the caption


@dataclass(frozen=True, slots=True)
class ResolvedSchedule:
    """A scheduled post's instant in UTC, the zone it was chosen in, and GEN's offset."""

    utc: datetime
    zone: str | None
    offset_minutes: int | None

    def local(self) -> datetime:
        """The instant as wall time in its zone (UTC when the zone is unknown)."""
        return self.utc.astimezone(ZoneInfo(self.zone)) if self.zone else self.utc


class PublishTracker(Protocol):
    """What the service needs from ``core.jobs.JobTracker``."""

    async def publish_intent(self, job: LocalJob) -> LocalJob:
        """Record the intent, POST it once, track it; returns the job as it stands."""
        ...


class PublishHistory(Protocol):
    """What the service needs from ``core.store.Store``."""

    async def find_publish_duplicates(self, dedupe_key: str) -> list[LocalJob]:
        """Publishes with this key that are not failed, stopped or dismissed."""
        ...


class WallClock(Protocol):
    """Anything with an aware UTC ``wall()`` (``core.clock.Clock`` qualifies)."""

    def wall(self) -> datetime:
        """The current wall-clock time, aware, UTC."""
        ...


async def publish_once(
    inflight: dict[_Key, asyncio.Future[LocalJob]],
    key: _Key,
    *,
    duplicates: Callable[[], Awaitable[list[LocalJob]]] | None,
    submit: Callable[[], Awaitable[LocalJob]],
) -> LocalJob:
    """The duplicate guard and single flight every publish goes through: a publish with the same
    `key` already being submitted shares that outcome (never re-sent); else `duplicates` (None
    when the user allowed one) must find nothing before `submit` runs, once."""
    running = inflight.get(key)
    if running is not None:
        # The same publish is being submitted right now: share its outcome, never re-send.
        return replace(await asyncio.shield(running))
    future: asyncio.Future[LocalJob] = asyncio.get_running_loop().create_future()
    inflight[key] = future
    try:
        if duplicates is not None:
            existing = await duplicates()
            if existing:
                raise DuplicatePublishError(existing)
        result = await submit()
    except asyncio.CancelledError:
        future.cancel()
        raise
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # the callers sharing it re-raise it; this one is handled
        raise
    else:
        future.set_result(result)
        return result
    finally:
        if inflight.get(key) is future:
            del inflight[key]


class PublishService:
    """Validates, de-duplicates and single-flights publishes, then hands them to the tracker."""

    def __init__(self, tracker: PublishTracker, store: PublishHistory, clock: WallClock) -> None:
        self._tracker = tracker
        self._store = store
        self._clock = clock
        self._inflight: dict[str, asyncio.Future[LocalJob]] = {}

    async def publish(self, request: PublishRequest, *, allow_duplicate: bool = False) -> LocalJob:
        """Publish once; raises PublishValidationError or DuplicatePublishError before sending."""
        job = self.build_job(request)
        key = job.dedupe_key
        assert key is not None
        history = self._store
        return await publish_once(
            self._inflight,
            key,
            duplicates=None if allow_duplicate else lambda: history.find_publish_duplicates(key),
            submit=lambda: self._tracker.publish_intent(job),
        )

    async def duplicates(self, request: PublishRequest) -> list[LocalJob]:
        """Earlier publishes this request would duplicate (for a warning before confirming)."""
        job = self.build_job(request)
        assert job.dedupe_key is not None
        return await self._store.find_publish_duplicates(job.dedupe_key)

    def build_job(self, request: PublishRequest) -> LocalJob:
        """Validate ``request`` and build its (not yet saved) publish job."""
        now = self._clock.wall()
        issues: list[Issue] = []
        schedule: ResolvedSchedule | None = None
        try:
            schedule = resolve_schedule(request.scheduled_local, request.schedule_tz, now)
        except ScheduleError as exc:
            issues.append(Issue("scheduled_time", "bad_schedule", str(exc)))
        platform = request.platform.strip().lower()
        if platform not in SUPPORTED_PLATFORMS:
            message = f"GEN can publish to TikTok only, not {platform!r}."
            issues.append(Issue("platform", "unsupported", message))
        if not request.agent_id.strip():
            issues.append(
                Issue("agent_id", "required", "Choose the agent whose TikTok account posts it.")
            )
        form = PublishForm(
            media_url=request.media_url,
            description=request.caption,
            title=request.title,
            thumbnail_url=request.thumbnail_url,
            scheduled_time=schedule.utc if schedule is not None else None,
        )
        report = validate_publish(form, now)
        if issues or report.errors:
            raise PublishValidationError(
                ValidationReport(errors=[*issues, *report.errors], warnings=report.warnings)
            )
        scheduled_utc = schedule.utc if schedule is not None else None
        return LocalJob(
            id=new_job_id(),
            kind=JobKind.PUBLISH,
            state=JobState.SUBMITTING,
            agent_id=request.agent_id.strip(),
            created_at=now,
            updated_at=now,
            idempotency_key=str(uuid.uuid4()),
            parent_id=request.source_job_id,
            title=request.label or _default_label(request.caption),
            platform=platform,
            media_url=request.media_url.strip(),
            caption=request.caption,
            post_title=request.title,
            post_thumbnail_url=request.thumbnail_url,
            scheduled_utc=scheduled_utc,
            schedule_tz=schedule.zone if schedule is not None else request.schedule_tz,
            dedupe_key=dedupe_key(
                request.agent_id, platform, request.media_url, request.caption, scheduled_utc
            ),
        )


def resolve_schedule(
    scheduled_local: datetime | None, schedule_tz: str | None, now: datetime
) -> ResolvedSchedule | None:
    """The UTC instant, zone and DST-aware minute offset of a chosen time (None = post now).

    A naive time is read as wall time in ``schedule_tz``; a time that does not exist there
    (clocks jump forward) or happens twice (clocks go back) is refused with the choices.
    """
    if scheduled_local is None:
        return None
    zone: tzinfo | None = None
    if schedule_tz:
        try:
            zone = ZoneInfo(schedule_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(f"{schedule_tz!r} is not a known time zone.") from None
    if scheduled_local.tzinfo is None:
        if zone is None:
            raise ScheduleError("The scheduled time has no time zone; choose one.")
        # parse_schedule explains DST gaps and overlaps (and refuses past times).
        instant = parse_schedule(scheduled_local.isoformat(sep=" "), now, zone)
        name = schedule_tz
    else:
        _refuse_skipped_time(scheduled_local)
        instant = scheduled_local.astimezone(UTC)
        name = schedule_tz or _zone_key(scheduled_local.tzinfo, scheduled_local)
    offset_zone = zone if zone is not None else scheduled_local.tzinfo
    offset = instant.astimezone(offset_zone).utcoffset() if offset_zone is not None else None
    minutes = int(offset.total_seconds() // 60) if offset is not None else None
    return ResolvedSchedule(utc=instant, zone=name, offset_minutes=minutes)


def _refuse_skipped_time(moment: datetime) -> None:
    """Refuse a wall time that the clocks skip in its zone (an aware time in a DST gap)."""
    wall = moment.replace(tzinfo=None)
    tz = moment.tzinfo
    assert tz is not None
    round_trip = moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != wall:
        raise ScheduleError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {_zone_key(tz, moment) or tz}: the clocks "
            f"skip it (daylight saving time). Did you mean {round_trip:%H:%M}?"
        )


def _zone_key(tz: tzinfo, moment: datetime) -> str | None:
    """An IANA name for ``tz``: its key, "UTC", or "Etc/GMT-2" for a whole-hour fixed offset."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    offset = tz.utcoffset(moment)
    if offset is None:
        return None
    if offset == timedelta(0):
        return "UTC"
    hours, rest = divmod(offset, timedelta(hours=1))
    if rest or not -12 <= hours <= 14:
        return None
    # POSIX-style names: Etc/GMT-2 is two hours *ahead* of UTC.
    return f"Etc/GMT{-hours:+d}"


def _default_label(caption: str) -> str:
    first = " ".join(caption.split())
    if len(first) > _LABEL_CAPTION_CHARS:
        first = first[: _LABEL_CAPTION_CHARS - 1].rstrip() + "…"
    return f"TikTok post · {first}" if first else "TikTok post"


def _duplicate_message(existing: list[LocalJob]) -> str:
    newest = max(existing, key=lambda job: job.created_at)
    when = newest.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    states = {
        JobState.COMPLETED: "was published",
        JobState.OUTCOME_UNKNOWN: "was sent, but whether GEN accepted it is unknown",
        JobState.NEEDS_ATTENTION: "was sent and needs attention",
    }
    what = states.get(newest.state, "was sent and is still being published")
    post = f", post {newest.post_id}" if newest.post_id else ""
    scheduled = ""
    if newest.scheduled_utc is not None:
        scheduled = f" for {newest.scheduled_utc.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
    return (
        f"Not published: this video with this caption{scheduled} {what} on {when} "
        f"(job {newest.id[:8]}{post}){more}. Check the account first; to post it again anyway, "
        "confirm the duplicate (--allow-duplicate in the CLI)."
    )
