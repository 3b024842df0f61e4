"""The posts calendar's model: GEN's scheduled and recent posts for the agent, merged with the
app's own post jobs, read in 60-day windows and kept current while a calendar is open.

Reading (gen-api.md 11.1: `GET /schedule/posts` takes a date window of at most 60 days):

- Windows sit on a fixed grid of `WINDOW_DAYS`-day blocks (`window_of`), so paging a week or a
  month back and forth reuses what was read. A visible range of local dates is widened by a day
  on each side (GEN's dates may be UTC dates) and needs one or two windows.
- One read per window at a time (single flight: a second caller joins the read in progress);
  each read is remembered with its time. A window is read again only while the calendar is
  active (open and visible): every `REFRESH_S`, or every `DUE_REFRESH_S` while a post in it is
  due or going out. Nothing is read while the calendar is hidden.
- After a move, edit or cancel only the windows holding the post's old and new day are read
  again (after any read in flight, which may predate the change).
- Requests take the one `PollScheduler`'s request slots, so they wait out its pauses (key
  refused, offline, 429) and count against its cap, like the render watcher's reads. The
  cadence runs in one owned task (`start`/`aclose`), which sleeps on the injected clock and
  wakes early when the visible range or activity changes.

Merging: GEN's list is the truth for what exists; a post this app made (a `post` job with that
GEN id) is shown once, with its job id, so edits keep the job's history right
(`PostService.record_edit`, `PostTracker.cancelled`). Posts made elsewhere (GEN's web app)
appear as GEN lists them. Our jobs GEN has not listed (not sent yet, outcome unknown, or outside
what was read) are shown from the job. Cancelled jobs are not shown.

Changing: move = PATCH `scheduled_time` (the post keeps its time of day on the new day, in the
user's zone; a time a DST change skips or repeats is refused with the instants meant), edit =
PATCH caption and/or time, cancel = DELETE. These are ACTION requests (never re-sent by the
client once they may have reached GEN). Refusals become `CalendarActionError` with a sentence
that says what happened; nothing local changes unless GEN accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from genpro_desktop.core.api import (
    APIConnectionError,
    AuthenticationError,
    GenError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
)
from genpro_desktop.core.api.errors import (
    PlatformValidationError,
    ScheduleUnavailableError,
    UnprocessableError,
)
from genpro_desktop.core.api.schedule_types import PostUpdate, ScheduledPost
from genpro_desktop.core.jobs.events import JobEvent
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.publishing.platforms import LABELS
from genpro_desktop.core.publishing.schedule import ScheduleError, format_utc, parse_schedule

if TYPE_CHECKING:
    from genpro_desktop.core.api import GenClient
    from genpro_desktop.core.clock import Clock

__all__ = [
    "DUE_REFRESH_S",
    "PLATFORM_STATES",
    "REFRESH_S",
    "WINDOW_DAYS",
    "CalendarActionError",
    "CalendarPlatform",
    "CalendarPost",
    "PostsCalendar",
    "moved_to_day",
    "window_of",
    "windows_for",
]

logger = logging.getLogger("genpro_desktop.core.publishing.calendar")

# GEN refuses a list window longer than 60 days; the grid uses exactly that.
WINDOW_DAYS = 60
_GRID_ORIGIN = date(2000, 1, 3)
# While the calendar is open: each window read every 2 minutes; every 20 s while a post in it
# is due (within DUE_AHEAD of its time) or going out.
REFRESH_S = 120.0
DUE_REFRESH_S = 20.0
DUE_AHEAD = timedelta(minutes=2)
# A publishing post keeps the fast cadence this long after its time, at most.
DUE_AFTER = timedelta(minutes=30)
# While active, the task looks at least this often whether anything is due (no request).
CHECK_S = 15.0
MIN_SLEEP_S = 1.0
# Windows kept in memory (about a year around the visible range).
MAX_WINDOWS = 8
# Local post jobs read from the store for the merge (newest first).
LOCAL_JOBS_LIMIT = 1000
# A read that failed is tried again after this long (the scheduler's pauses come first).
RETRY_AFTER_ERROR_S = 30.0

# A platform's state in the calendar: GEN's normalized states, with "scheduled" for a platform
# waiting for its time (GEN says "publishing" for both), plus local ones for our unsent posts.
PLATFORM_STATES = ("scheduled", "accepted", "publishing", "published", "failed")

_UNSENT_STATES = (JobState.SUBMITTING, JobState.OUTCOME_UNKNOWN, JobState.QUEUED)


class CalendarActionError(Exception):
    """A move, edit or cancel did not happen (or may not have); `str()` says what to do."""

    def __init__(self, message: str, *, gone: bool = False, unknown: bool = False) -> None:
        super().__init__(message)
        self.gone = gone  # GEN no longer has the post
        self.unknown = unknown  # the change may have reached GEN; the list was re-read


@dataclass(frozen=True)
class CalendarPlatform:
    """One platform of a calendar post."""

    platform: str
    state: str  # one of PLATFORM_STATES, or GEN's own word when it is something else
    post_url: str | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        """The platform's name as people write it (TikTok, YouTube...)."""
        return LABELS.get(self.platform, self.platform)


@dataclass(frozen=True)
class CalendarPost:
    """One post in the calendar (GEN's, ours, or both)."""

    key: str  # "gen:<post id>" or "job:<job id>"
    when: datetime  # UTC: the scheduled time (or, for a "now" post of ours, when it was made)
    caption: str
    platforms: tuple[CalendarPlatform, ...]
    post_id: str | None = None  # GEN's id
    job_id: str | None = None  # our job, when this app made (or adopted) the post
    title: str | None = None
    media_url: str | None = None
    schedule_type: str | None = None
    raw_status: str | None = None
    note: str | None = None  # e.g. "not confirmed by GEN yet"

    @property
    def made_here(self) -> bool:
        """True when this app made (or tracks) the post."""
        return self.job_id is not None

    @property
    def states(self) -> frozenset[str]:
        """Every platform state in the post."""
        return frozenset(p.state for p in self.platforms)

    @property
    def links(self) -> list[tuple[str, str]]:
        """(platform label, live post URL) for each published platform."""
        return [(p.label, p.post_url) for p in self.platforms if p.post_url]

    def editable(self, now: datetime) -> bool:
        """Whether GEN would still take an edit: a GEN post, not `now`, not yet due."""
        return (
            self.post_id is not None
            and self.schedule_type != "now"
            and self.when > now
            and all(p.state in ("scheduled", "accepted") for p in self.platforms)
        )

    def why_not_editable(self, now: datetime, verb: str = "changed") -> str | None:
        """A sentence saying why this post cannot be changed (or cancelled) any more, or None."""
        if self.post_id is None:
            return f"GEN has not confirmed this post yet; it can be {verb} once GEN lists it."
        if self.schedule_type == "now":
            return f"This post was sent to publish at once; GEN does not allow it to be {verb}."
        if self.when <= now or not self.editable(now):
            return f"GEN has already sent this post to its platforms; it can no longer be {verb}."
        return None

    def local_time(self, zone: tzinfo) -> datetime:
        """The post's time in `zone`."""
        return self.when.astimezone(zone)


def window_of(day: date) -> tuple[date, date]:
    """The grid window (first, last day; WINDOW_DAYS long) that holds `day`."""
    index = (day - _GRID_ORIGIN).days // WINDOW_DAYS
    first = _GRID_ORIGIN + timedelta(days=index * WINDOW_DAYS)
    return first, first + timedelta(days=WINDOW_DAYS - 1)


def windows_for(start: date, end: date) -> list[tuple[date, date]]:
    """The grid windows that cover [start - 1 day, end + 1 day] (local dates may be a UTC day
    off), in order."""
    if end < start:
        start, end = end, start
    windows: list[tuple[date, date]] = []
    cursor = start - timedelta(days=1)
    last = end + timedelta(days=1)
    while cursor <= last:
        window = window_of(cursor)
        windows.append(window)
        cursor = window[1] + timedelta(days=1)
    return windows


def moved_to_day(when: datetime, day: date, zone: tzinfo, now: datetime) -> datetime:
    """`when` moved to `day`, keeping its time of day in `zone`; raises `ScheduleError` when that
    time is in the past or a DST change skips or repeats it (with the instants meant)."""
    local = when.astimezone(zone)
    naive = datetime.combine(day, time(local.hour, local.minute, local.second))
    return parse_schedule(naive.isoformat(sep=" "), now, zone)


class LocalPosts(Protocol):
    """The part of the store the calendar reads."""

    async def list_jobs(
        self,
        *,
        kinds: Iterable[JobKind] | None = None,
        states: Iterable[JobState] | None = None,
        limit: int | None = None,
        older_than: str | None = None,
    ) -> list[LocalJob]: ...

    async def find_by_remote(self, kind: JobKind, remote_id: str) -> LocalJob | None: ...


class PostJobs(Protocol):
    """The post tracker (`JobTracker.posts`): live jobs and the cancel record."""

    def live_jobs(self) -> list[LocalJob]: ...

    async def cancelled(self, job_id: str) -> LocalJob: ...


class EditRecorder(Protocol):
    """`PostService.record_edit`."""

    async def record_edit(
        self,
        job: LocalJob,
        post: ScheduledPost,
        *,
        caption: str | None = None,
        title: str | None = None,
        scheduled_utc: datetime | None = None,
    ) -> LocalJob: ...


class RequestSlots(Protocol):
    """The one poll scheduler's request slots (and pauses)."""

    def request_slot(self) -> AbstractAsyncContextManager[None]: ...


Listener = Callable[[], None]


@dataclass
class _Window:
    first: date
    last: date
    posts: dict[str, ScheduledPost] = field(default_factory=lambda: dict[str, ScheduledPost]())
    read_at: float | None = None  # monotonic time of the last good read
    read_wall: datetime | None = None  # the same instant on the wall clock
    failed_at: float | None = None
    error: str | None = None
    flight: asyncio.Task[None] | None = None
    used_at: float = 0.0


class PostsCalendar:
    """See the module docstring. Built by `core.services` (`AppServices.calendar`)."""

    def __init__(
        self,
        client: Callable[[], GenClient],
        slots: RequestSlots,
        clock: Clock,
        store: LocalPosts,
        posts: PostJobs,
        editor: EditRecorder,
        *,
        agent_id: Callable[[], str | None],
        subscribe: Callable[[Callable[[JobEvent], None]], Callable[[], None]] | None = None,
        zone: tzinfo = UTC,
        refresh_s: float = REFRESH_S,
        due_refresh_s: float = DUE_REFRESH_S,
    ) -> None:
        self._client = client
        self._slots = slots
        self._clock = clock
        self._store = store
        self._jobs = posts
        self._editor = editor
        self._agent_id = agent_id
        self.zone: tzinfo = zone
        self.refresh_s = refresh_s
        self.due_refresh_s = due_refresh_s
        self._range: tuple[date, date] | None = None
        self._active = False
        self._windows: dict[date, _Window] = {}
        self._windows_agent: str | None = None  # whose posts the windows hold
        self._listeners: list[Listener] = []
        self._merged: list[CalendarPost] = []  # every post of the windows read, any date
        self._posts: list[CalendarPost] = []  # those in the visible range
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self.last_error: str | None = None
        # Our post jobs changed (the tracker's events): merge again, without asking GEN.
        self._local_dirty = False
        self._unsubscribe = subscribe(self._job_event) if subscribe is not None else None
        # When the refresh task went to sleep (None while it works): tests wait for it.
        self.sleeping_since: float | None = None
        self.next_wake: float | None = None  # while asleep: when its timer ends (None: none)

    # -- what the view asks ----------------------------------------------------------------

    @property
    def visible_range(self) -> tuple[date, date] | None:
        """The local dates the view shows (first, last), if set."""
        return self._range

    @property
    def active(self) -> bool:
        """True while the calendar is open and visible (only then is GEN read)."""
        return self._active

    def posts(self) -> list[CalendarPost]:
        """The posts of the visible range as last merged, by time."""
        return list(self._posts)

    def post(self, key: str) -> CalendarPost | None:
        """The post with this key, if it is in what was read."""
        return next((p for p in self._merged if p.key == key), None)

    def _in_range(self, posts: Sequence[CalendarPost]) -> list[CalendarPost]:
        if self._range is None:
            return []
        first, last = self._range
        return [p for p in posts if first <= p.local_time(self.zone).date() <= last]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener()` whenever the posts change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def set_range(self, first: date, last: date) -> None:
        """Show these local dates (inclusive); windows not read yet are read soon."""
        if last < first:
            first, last = last, first
        if self._range == (first, last):
            return
        self._range = (first, last)
        # At once, from what was read: listeners hear of it even when every window of the new
        # range was read already (no read follows then); the next tick reads what is new.
        self._posts = self._in_range(self._merged)
        self._notify()
        self._wake.set()

    def set_active(self, active: bool) -> None:
        """The view was shown (True) or hidden/closed (False)."""
        if self._active == active:
            return
        self._active = active
        self._wake.set()

    def set_zone(self, zone: tzinfo) -> None:
        """The user's zone (the visible range is in its dates)."""
        self.zone = zone

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the refresh task runs."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the refresh task (idempotent); it reads only while active."""
        if self._closed:
            raise RuntimeError("the posts calendar was closed")
        if not self.running:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="posts-calendar")

    def _job_event(self, event: JobEvent) -> None:
        if event.job is not None and event.job.kind is JobKind.POST:
            self._local_dirty = True
            self._wake.set()

    async def aclose(self) -> None:
        """Stop the refresh task and any read in flight."""
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [t for t in (self._task, *(w.flight for w in self._windows.values())) if t]
        self._task = None
        for task in tasks:
            if not task.done():
                task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._listeners.clear()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not end the calendar for the session
                logger.exception("Refreshing the posts calendar failed")
                delay = RETRY_AFTER_ERROR_S
            if self._active:
                # A cheap local look now and then (another agent chosen, a new day): no request
                # is made unless a window is due.
                delay = CHECK_S if delay is None else min(delay, CHECK_S)
            if delay is not None:
                delay = max(delay, MIN_SLEEP_S)  # never a busy loop
            try:
                await self._sleep_or_wake(delay)
            finally:
                self.sleeping_since = None
                self.next_wake = None

    async def _sleep_or_wake(self, delay: float | None) -> None:
        waiter = asyncio.ensure_future(self._wake.wait())
        tasks: set[asyncio.Future[Any]] = {waiter}
        sleeper: asyncio.Future[Any] | None = None
        if delay is not None:
            sleeper = asyncio.ensure_future(self._clock.sleep(delay))
            tasks.add(sleeper)
        asleep_at = self._clock.now()
        try:
            await asyncio.sleep(0)  # both have started: the sleep is registered with the clock
            if not any(task.done() for task in tasks):
                self.sleeping_since = asleep_at
                self.next_wake = None if delay is None else asleep_at + delay
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- reading -----------------------------------------------------------------------------

    async def tick(self) -> float | None:
        """Read the visible windows that are due, then merge; returns the seconds until the next
        read is due (None: nothing to do until the range or activity changes)."""
        if not self._active or self._range is None:
            return None
        if self._agent_id() is None:
            return None  # no agent chosen yet: nothing to list (set_range/active wake us)
        windows = self._visible_windows()
        due = [w for w in windows if self._due_in(w) <= 0]
        if due:
            await asyncio.gather(*(self._read(w) for w in due))
            await self._merge()
        elif not self._merged or self._local_dirty:
            await self._merge()
        waits = [self._due_in(w) for w in self._visible_windows()]
        return max(0.0, min(waits)) if waits else None

    async def refresh(self) -> None:
        """Read every visible window now (the user's "refresh"), then merge."""
        if self._range is None or self._agent_id() is None:
            return
        await asyncio.gather(*(self._read(w, again=True) for w in self._visible_windows()))
        await self._merge()

    def _visible_windows(self) -> list[_Window]:
        assert self._range is not None
        agent = self._agent_id()
        if agent != self._windows_agent:
            # Another agent: what was read belongs to the old one (a read in flight finishes
            # into a window nobody keeps).
            self._windows.clear()
            self._windows_agent = agent
            self._merged = []
            self._posts = []
        now = self._clock.now()
        found: list[_Window] = []
        for first, last in windows_for(*self._range):
            window = self._windows.get(first)
            if window is None:
                window = self._windows[first] = _Window(first, last)
            window.used_at = now
            found.append(window)
        self._forget_old_windows()
        return found

    def _forget_old_windows(self) -> None:
        if len(self._windows) <= MAX_WINDOWS:
            return
        idle = sorted(
            (w for w in self._windows.values() if w.flight is None or w.flight.done()),
            key=lambda w: w.used_at,
        )
        for window in idle[: len(self._windows) - MAX_WINDOWS]:
            del self._windows[window.first]

    def _due_in(self, window: _Window) -> float:
        """Seconds until `window` should be read again (<= 0: now)."""
        now = self._clock.now()
        if window.read_at is None:
            if window.failed_at is None:
                return 0.0
            return window.failed_at + RETRY_AFTER_ERROR_S - now
        interval = self.due_refresh_s if self._has_due_post(window) else self.refresh_s
        return window.read_at + interval - now

    def _has_due_post(self, window: _Window) -> bool:
        wall = self._clock.wall()
        for post in window.posts.values():
            when = _parse_time(post.scheduled_time)
            if when is None:
                continue
            settled = bool(post.platforms_status) and all(
                p.normalized_status.is_terminal for p in post.platforms_status
            )
            if not settled and wall - DUE_AFTER <= when <= wall + DUE_AHEAD:
                return True
        return False

    async def _read(self, window: _Window, *, again: bool = False) -> None:
        """Read `window` from GEN (joining a read in flight; `again`: then read once more)."""
        flight = window.flight
        if flight is not None and not flight.done():
            await asyncio.shield(flight)
            if not again:
                return
            flight = window.flight  # someone else may have started the re-read already
            if flight is not None and not flight.done():
                await asyncio.shield(flight)
                return
        task = asyncio.get_running_loop().create_task(
            self._fetch(window), name=f"posts-calendar-{window.first}"
        )
        window.flight = task
        await asyncio.shield(task)

    async def _fetch(self, window: _Window) -> None:
        try:
            async with self._slots.request_slot():
                found = await self._client().schedule.list(
                    window.first, window.last, agent_id=self._agent_id()
                )
        except GenError as exc:
            self._read_failed(window, exc)
            return
        window.posts = {post.id: post for post in found}
        window.read_at = self._clock.now()  # when the answer came: the cadence counts from it
        window.read_wall = self._clock.wall()
        window.failed_at = None
        window.error = None
        self.last_error = None

    def _read_failed(self, window: _Window, exc: GenError) -> None:
        logger.info("Could not read GEN's posts %s..%s: %s", window.first, window.last, exc)
        window.failed_at = self._clock.now()
        if window.read_at is not None:
            # Keep showing what was read; try again on the normal cadence.
            window.read_at = self._clock.now() - self.refresh_s + RETRY_AFTER_ERROR_S
        window.error = _read_problem(exc)
        self.last_error = window.error

    # -- merging -----------------------------------------------------------------------------

    async def _merge(self) -> None:
        if self._range is None:
            return
        self._local_dirty = False
        gen: dict[str, ScheduledPost] = {}
        read_when: dict[str, datetime | None] = {}
        for window in sorted(self._windows.values(), key=lambda w: w.read_at or 0.0):
            gen.update(window.posts)  # a post in two windows: the later read wins
            read_when.update(dict.fromkeys(window.posts, window.read_wall))
        read = [w for w in self._windows.values() if w.read_at is not None]
        try:
            stored = await self._store.list_jobs(kinds=[JobKind.POST], limit=LOCAL_JOBS_LIMIT)
        except Exception as exc:  # the store is local: say so, keep GEN's posts
            logger.error("Could not read the local post jobs: %s", exc)
            stored = []
        agent = self._windows_agent
        jobs: dict[str, LocalJob] = {job.id: job for job in stored if job.agent_id in (None, agent)}
        for live in self._jobs.live_jobs():
            if live.kind is JobKind.POST and live.agent_id in (None, agent):
                jobs[live.id] = live
        by_remote = {job.remote_id: job for job in jobs.values() if job.remote_id}
        merged: list[CalendarPost] = []
        for post in gen.values():
            built = _from_gen(
                post, by_remote.get(post.id), self._clock.wall(), read_when.get(post.id)
            )
            if built is not None:
                merged.append(built)
        listed = set(gen)
        for job in jobs.values():
            if job.state in (JobState.STOPPED, JobState.DISMISSED):
                continue
            if job.remote_id is not None and job.remote_id in listed:
                continue
            built = _from_job(job, self._clock.wall())
            if built is None:
                continue
            if job.remote_id is not None and not _covered(built.when, read):
                continue  # not read from GEN yet: wait for GEN's word
            merged.append(built)
        merged.sort(key=lambda p: (p.when, p.key))
        self._merged = merged
        self._posts = self._in_range(merged)
        self._notify()

    def _notify(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:
                logger.exception("A posts calendar listener failed")

    # -- changing ----------------------------------------------------------------------------

    async def move(self, key: str, day: date) -> CalendarPost | None:
        """Move the post to `day`, keeping its time of day (in the calendar's zone)."""
        post = self._require(key)
        if post.local_time(self.zone).date() == day:
            return post
        try:
            when = moved_to_day(post.when, day, self.zone, self._clock.wall())
        except ScheduleError as exc:
            raise CalendarActionError(f"The post was not moved: {exc}") from exc
        return await self.edit(key, when=when)

    async def edit(
        self, key: str, *, caption: str | None = None, when: datetime | None = None
    ) -> CalendarPost | None:
        """Change the caption and/or the time (UTC-aware) of a scheduled post."""
        post = self._require(key)
        if caption is not None and caption == post.caption:
            caption = None
        if when is not None and when == post.when:
            when = None
        if caption is None and when is None:
            return post
        why = post.why_not_editable(self._clock.wall())
        if why is not None:
            raise CalendarActionError(why)
        if when is not None and when <= self._clock.wall():
            raise CalendarActionError("The new time is in the past; choose a later time.")
        assert post.post_id is not None
        update = PostUpdate(
            description=caption,
            schedule_type="specific_time" if when is not None else None,
            scheduled_time=format_utc(when) if when is not None else None,
        )
        try:
            async with self._slots.request_slot():
                changed = await self._client().schedule.edit(post.post_id, update)
        except GenError as exc:
            raise await self._refusal(post, exc, "changed") from exc
        if post.job_id is not None:
            job = await self._job_of(post)
            if job is not None:
                await self._editor.record_edit(job, changed, caption=caption, scheduled_utc=when)
        await self._reread(post.when, _parse_time(changed.scheduled_time) or when)
        return self.post(f"gen:{changed.id}")

    async def cancel(self, key: str) -> None:
        """Delete the post on GEN before it is sent (the caller has asked the user)."""
        post = self._require(key)
        if post.post_id is None:
            raise CalendarActionError(
                "GEN has not confirmed this post yet, so there is nothing to cancel on GEN; "
                "see it in the Jobs panel."
            )
        why = post.why_not_editable(self._clock.wall(), "cancelled")
        if why is not None:
            raise CalendarActionError(why)
        try:
            async with self._slots.request_slot():
                await self._client().schedule.cancel(post.post_id)
        except GenError as exc:
            raise await self._refusal(post, exc, "cancelled") from exc
        if post.job_id is not None:
            await self._jobs.cancelled(post.job_id)
        for window in self._windows.values():
            window.posts.pop(post.post_id, None)
        await self._reread(post.when, None)

    async def _refusal(self, post: CalendarPost, exc: GenError, verb: str) -> CalendarActionError:
        """Why GEN did not make the change; re-reads when GEN's state is in doubt."""
        if isinstance(exc, NotFoundError) and not isinstance(exc, ScheduleUnavailableError):
            assert post.post_id is not None
            for window in self._windows.values():
                window.posts.pop(post.post_id, None)
            await self._reread(post.when, None)
            return CalendarActionError(
                f"GEN no longer has this post (it was deleted, perhaps in GEN's web app), so it "
                f"was not {verb}.",
                gone=True,
            )
        if isinstance(exc, OutcomeUnknownError):
            await self._reread(post.when, None)
            return CalendarActionError(
                f"The connection to GEN failed while the post was being {verb}; it may or may "
                "not have been applied. The calendar now shows what GEN has.",
                unknown=True,
            )
        if isinstance(exc, APIConnectionError):
            return CalendarActionError(
                f"GEN could not be reached, so the post was not {verb}. Try again when you "
                "are online."
            )
        if isinstance(exc, UnprocessableError):
            return CalendarActionError(_refusal_text(exc, verb))
        return CalendarActionError(f"GEN did not accept the change: {exc}")

    async def _reread(self, old: datetime, new: datetime | None) -> None:
        """Read again only the windows holding the post's old and new days."""
        days = {old.astimezone(UTC).date()}
        if new is not None:
            days.add(new.astimezone(UTC).date())
        firsts = {window_of(d)[0] for d in days}
        # A post near a window's edge may sit in the neighbour for GEN's dates.
        for d in list(days):
            firsts |= {window_of(d - timedelta(days=1))[0], window_of(d + timedelta(days=1))[0]}
        targets = [w for first, w in self._windows.items() if first in firsts]
        await asyncio.gather(*(self._read(w, again=True) for w in targets))
        await self._merge()

    def _require(self, key: str) -> CalendarPost:
        post = self.post(key)
        if post is None:
            raise CalendarActionError("That post is no longer in the calendar; it may be gone.")
        return post

    async def _job_of(self, post: CalendarPost) -> LocalJob | None:
        for live in self._jobs.live_jobs():
            if live.id == post.job_id:
                return live
        if post.post_id is not None:
            return await self._store.find_by_remote(JobKind.POST, post.post_id)
        return None


# -- helpers -----------------------------------------------------------------------------------


def _refusal_text(exc: UnprocessableError, verb: str) -> str:
    said = (exc.error or str(exc)).strip().rstrip(".")
    field_name = exc.field if isinstance(exc, PlatformValidationError) else None
    lowered = said.lower()
    if field_name == "schedule_type" or "schedule_type now" in lowered or "created with" in lowered:
        return (
            f"GEN does not allow this post to be {verb}: it was sent to publish at once "
            '("now"). Nothing was changed.'
        )
    if "already" in lowered and ("sent" in lowered or "publish" in lowered):
        return (
            f"GEN has already sent this post to its platforms, so it can no longer be {verb}. "
            "Nothing was changed; a published post is removed on the platform itself."
        )
    return f"GEN did not accept the change ({said}). Nothing was changed."


def _read_problem(exc: GenError) -> str:
    if isinstance(exc, ScheduleUnavailableError):
        return "This GEN server has no schedule API, so it lists no scheduled posts."
    if isinstance(exc, AuthenticationError | PermissionDeniedError):
        return "GEN did not accept the API key; sign in again to see the posts."
    if isinstance(exc, APIConnectionError):
        return "GEN could not be reached; showing the posts as last read."
    return f"GEN's list of posts could not be read: {exc}"


def _covered(when: datetime, read: Sequence[_Window]) -> bool:
    day = when.astimezone(UTC).date()
    return any(w.first <= day <= w.last for w in read)


def _platform_state(normalized: str, when: datetime | None, now: datetime) -> str:
    if normalized == "publishing" and when is not None and when > now:
        return "scheduled"
    return normalized


def _from_gen(
    post: ScheduledPost, job: LocalJob | None, now: datetime, read_at: datetime | None
) -> CalendarPost | None:
    when = _parse_time(post.scheduled_time)
    if when is None and job is not None:
        when = job.scheduled_utc or job.created_at
    if when is None:
        return None
    if job is not None and job.post_platforms and (read_at is None or job.updated_at > read_at):
        # The tracker read this post after the list did: its platforms are fresher.
        platforms = _job_platforms(job, when, now)
    else:
        platforms = tuple(
            CalendarPlatform(
                p.platform,
                _platform_state(p.normalized_status.value, when, now),
                post_url=p.post_url,
                error=p.error,
            )
            for p in post.platforms_status
            if p.platform
        )
    return CalendarPost(
        key=f"gen:{post.id}",
        when=when,
        caption=post.description or "",
        platforms=platforms,
        post_id=post.id,
        job_id=job.id if job is not None else None,
        title=post.title,
        media_url=post.media_url,
        schedule_type=post.schedule_type,
        raw_status=post.status,
    )


def _from_job(job: LocalJob, now: datetime) -> CalendarPost | None:
    when = job.scheduled_utc or job.created_at
    note: str | None = None
    if job.remote_id is None:
        if job.state not in _UNSENT_STATES and job.state is not JobState.FAILED:
            return None
        note = {
            JobState.SUBMITTING: "being sent to GEN",
            JobState.OUTCOME_UNKNOWN: "not confirmed by GEN: check the Jobs panel",
            JobState.QUEUED: "waiting to be sent",
        }.get(job.state, "not sent: see the Jobs panel")
    return CalendarPost(
        key=f"job:{job.id}",
        when=when,
        caption=job.caption or "",
        platforms=_job_platforms(job, when, now),
        post_id=job.remote_id,
        job_id=job.id,
        title=job.post_title,
        media_url=job.media_url,
        schedule_type="now" if job.scheduled_utc is None else "specific_time",
        raw_status=job.raw_status,
        note=note,
    )


def _job_platforms(job: LocalJob, when: datetime, now: datetime) -> tuple[CalendarPlatform, ...]:
    """A local post job's platforms as the calendar shows them (those skipped left out)."""
    return tuple(
        _job_platform(p.platform, p.status, p.post_url, p.error, when, now, job)
        for p in job.post_platforms
        if p.status != "skipped"
    )


def _job_platform(
    platform: str,
    status: str,
    url: str | None,
    error: str | None,
    when: datetime,
    now: datetime,
    job: LocalJob,
) -> CalendarPlatform:
    """A job's platform as a calendar platform (unsent posts say so)."""
    if job.remote_id is None:
        state = "failed" if job.state is JobState.FAILED else "accepted"
        return CalendarPlatform(platform, state, url, error or job.failed_reason)
    if status in ("pending", "unknown"):
        status = "accepted"
    return CalendarPlatform(platform, _platform_state(status, when, now), url, error)


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
