"""How a job is presented, the same way in both front ends (Qt-free).

The GUI's job model, row painter, Jobs panel and preview presenter and the CLI's job tables all
read a job through this module: its title, the explanation of why it failed or waits for the
user, the one "overdue" rule, the actions it allows now, a post's per-platform summary, and where
a render's results are (its downloaded file, its video URL, its publish jobs).

Relations between jobs (a render and its downloads and publishes) come from a `JobLookup`: the
GUI's job model is one; `JobIndex` builds one from any list of jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Protocol

from genpro_desktop.core.jobs.model import (
    ACTIVE_STATES,
    PARKED_STATES,
    JobKind,
    JobState,
    LocalJob,
)

OVERDUE_FACTOR = 1.5
"""A running job is overdue past this many times the typical duration of its kind."""

KIND_NOUN: dict[JobKind, str] = {
    JobKind.RENDER: "Render",
    JobKind.DOWNLOAD: "Download",
    JobKind.PUBLISH: "Publish",
    JobKind.POST: "Post",
}


class JobAction(StrEnum):
    """What the user can do with a job (the GUI offers all; the CLI has verbs for some)."""

    STOP = "stop"
    RETRY = "retry"
    DOWNLOAD = "download"
    OPEN = "open"
    SHOW_IN_FOLDER = "show_in_folder"
    COPY_URL = "copy_url"
    KEEP_WAITING = "keep_waiting"
    REMOVE = "remove"
    PUBLISH = "publish"
    COPY_POST_ID = "copy_post_id"
    OPEN_POST_LINK = "open_post_link"
    COPY_POST_LINK = "copy_post_link"
    RETRY_FAILED_PLATFORMS = "retry_failed_platforms"
    DISMISS = "dismiss"


# The actions the CLI has a command for, in the order `genpro jobs --json` lists them.
CLI_ACTIONS = (
    JobAction.STOP,
    JobAction.RETRY,
    JobAction.DOWNLOAD,
    JobAction.PUBLISH,
    JobAction.DISMISS,
)


class JobLookup(Protocol):
    """Where the jobs related to a job are found."""

    def find(self, job_id: str) -> LocalJob | None:
        """The job with this id, if known."""
        ...

    def children_of(self, parent_id: str) -> list[LocalJob]:
        """Jobs started from `parent_id` (a render's downloads and publishes), newest first."""
        ...


class JobIndex:
    """A `JobLookup` over a fixed list of jobs (given newest first)."""

    def __init__(self, jobs: Iterable[LocalJob] = ()) -> None:
        self._jobs = list(jobs)
        self._by_id = {job.id: job for job in self._jobs}

    def find(self, job_id: str) -> LocalJob | None:
        """The job with this id, if listed."""
        return self._by_id.get(job_id)

    def children_of(self, parent_id: str) -> list[LocalJob]:
        """Jobs started from `parent_id`, in list order."""
        return [job for job in self._jobs if job.parent_id == parent_id]


NO_JOBS = JobIndex()


# -- the overdue rule ------------------------------------------------------------------------


def is_overdue(job: LocalJob, elapsed: float, typical: float | None) -> bool:
    """True when a running job (not one still queued) has taken more than `OVERDUE_FACTOR`
    times the typical duration of its kind; never without a typical duration."""
    if typical is None or not job.is_active or job.state is JobState.QUEUED:
        return False
    return elapsed > OVERDUE_FACTOR * typical


# -- titles ----------------------------------------------------------------------------------


PLATFORM_LABELS: dict[str, str] = {
    "tiktok": "TikTok",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "youtube": "YouTube",
    "x": "X",
    "linkedin": "LinkedIn",
}
"""How each platform is written for people (GEN's names are lower case)."""

ROW_TEXT_SHOWN = 40
"""How many characters of a row's text a title shows."""


def platform_label(name: str) -> str:
    """TikTok for tiktok; a platform this app does not know keeps GEN's name."""
    return PLATFORM_LABELS.get(name, name)


def post_platforms(job: LocalJob) -> list[str]:
    """The platforms a post or publish job goes to ("tiktok" for a legacy publish)."""
    if job.post_platforms:
        return [p.platform for p in job.post_platforms]
    if job.platform:
        return [name for name in job.platform.split(",") if name]
    return ["tiktok"] if job.kind is JobKind.PUBLISH else []


def post_summary(job: LocalJob) -> str:
    """Each platform of a post with its state, e.g. "tiktok published · instagram failed"."""
    return " · ".join(f"{p.platform} {p.status}" for p in job.post_platforms)


def excerpt(text: str | None, limit: int = ROW_TEXT_SHOWN) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip(" ·,;:") + "…"


def _has_origin(job: LocalJob) -> bool:
    return job.engine_title is not None or job.row_number is not None


def origin_of(job: LocalJob, jobs: JobLookup = NO_JOBS) -> LocalJob | None:
    """The job that knows what `job` is of (engine, row): itself, or its render."""
    if _has_origin(job):
        return job
    parent = jobs.find(job.parent_id) if job.parent_id else None
    return parent if parent is not None and _has_origin(parent) else None


def job_subject(job: LocalJob, jobs: JobLookup = NO_JOBS) -> str | None:
    """What a job is of: `Engine title · row 5 · “the row's text…”` (None when unknown)."""
    origin = origin_of(job, jobs)
    if origin is None:
        return None
    parts = [origin.engine_title or f"engine {origin.engine_id or '?'}"]
    if origin.row_number is not None:
        parts.append(f"row {origin.row_number}")
    text = excerpt(origin.row_text)
    if text:
        parts.append(f"“{text}”")
    return " · ".join(parts)


def job_engine(job: LocalJob, jobs: JobLookup = NO_JOBS) -> tuple[str | None, str | None]:
    """(engine id, engine title) of a job, or of its render for a download or post."""
    source: LocalJob | None = job
    if job.engine_id is None and job.parent_id:
        source = jobs.find(job.parent_id)
    if source is None or source.engine_id is None:
        return (None, None)
    return (source.engine_id, source.engine_title)


def job_title(job: LocalJob, jobs: JobLookup = NO_JOBS) -> str:
    """What a job is called in a list: what it is of (engine, row number, the start of the
    row's text) when known, led by the kind for a download and the platforms for a post; else
    the tracker's title, else kind and ids. A render's download or post finds its subject
    through `jobs` when it has none of its own."""
    subject = job_subject(job, jobs)
    if job.kind in (JobKind.POST, JobKind.PUBLISH):
        platforms = ", ".join(platform_label(p) for p in post_platforms(job))
        lead = f"{KIND_NOUN[job.kind]} to {platforms}" if platforms else KIND_NOUN[job.kind]
        base = subject or job.title or (job.remote_id or job.id[:8])
        return f"{lead} · {base}"
    if job.kind is JobKind.DOWNLOAD:
        if subject:
            return f"Download · {subject}"
        if job.title:
            return job.title
        if job.target_path:
            return job.target_path.rsplit("/", 1)[-1]
    if subject:
        return subject
    if job.title:
        return job.title
    detail = f"engine {job.engine_id}" if job.engine_id else (job.remote_id or job.id[:8])
    return f"{KIND_NOUN[job.kind]} · {detail}"


def describe(job: LocalJob, jobs: JobLookup = NO_JOBS) -> str:
    """What the job is about, in a few words (the CLI's "What" column)."""
    if job.kind is JobKind.POST or job_subject(job, jobs) is not None:
        return job_title(job, jobs)
    if job.title:
        return job.title
    if job.kind is JobKind.RENDER:
        if job.engine_id and job.cell_id:
            return f"engine {job.engine_id}, cell {job.cell_id}"
        return f"generation {job.remote_id}" if job.remote_id else "render"
    if job.kind is JobKind.DOWNLOAD:
        return PurePath(job.target_path).name if job.target_path else "download"
    caption = " ".join((job.caption or "").split())
    if len(caption) > 40:
        caption = caption[:39] + "…"
    return f"{job.platform or 'tiktok'}: {caption}" if caption else "publish"


# -- explanations ----------------------------------------------------------------------------


def job_explanation(job: LocalJob) -> str | None:
    """The full reason a job failed or waits for the user, with the choices it has."""
    if job.state is JobState.OUTCOME_UNKNOWN:
        what = "render" if job.kind is JobKind.RENDER else "post"
        charge = "charge credits twice" if job.kind is JobKind.RENDER else "post twice"
        return (
            f"GEN may or may not have started this {what}: the answer to the request was lost"
            f"{' (' + job.failed_reason + ')' if job.failed_reason else ''}. "
            f"Check GEN before deciding. Retry re-sends the same request with the same "
            f"idempotency key, so GEN does not {charge}; Dismiss takes it off the watch list."
        )
    if job.status_unknown and job.is_active:
        return (
            f"GEN says `{job.raw_status}`, a status this app does not know. The job is still "
            "tracked (it may be running and charging) until GEN reports it finished, failed or "
            "stopped; Stop it on GEN, or Dismiss it if you have dealt with it there."
        )
    if job.state is JobState.NEEDS_ATTENTION:
        reason = job.attention_reason or job.failed_reason or "GEN's answer was not usable"
        return (
            f"{reason}. Keep waiting to poll GEN again, or Dismiss if you have dealt with it "
            "on GEN."
        )
    if job.failed_reason and job.state in (JobState.FAILED, JobState.STOPPED):
        return job.failure_note
    return None


# -- credits ---------------------------------------------------------------------------------

RENDER_RESERVATION = Decimal("50")
"""What GEN reserves (pre-charges) when a render starts: its estimate, documented as about 50
credits for a 30 s video (gen-api.md 12.3-12.4). GEN does not report the figure per render."""


@dataclass(frozen=True)
class CreditFacts:
    """A render's credits as GEN handles them: a reservation when it starts, settled at the end
    (the difference given back or charged extra; a failed or stopped render refunded in full).

    `reserved` is GEN's documented estimate, not a figure GEN reported for this render;
    `charged` is GEN's `execution_cost` once it said (None until then)."""

    reserved: Decimal | None
    charged: Decimal | None
    returned: Decimal | None  # reserved - charged once settled (negative: charged extra)
    refunded: bool  # failed or stopped on GEN: the whole reservation comes back
    settled: bool
    summary: str  # short: "reserved ~50, charged 47.5"
    note: str  # the explanation in full


def _credits(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _unsettled(reserved: Decimal | None, summary: str, note: str) -> CreditFacts:
    """Credits GEN holds for a render and has not said what it charged for (yet)."""
    return CreditFacts(reserved, None, None, False, False, summary, note)


def credit_facts(
    job: LocalJob, reserved: Decimal | None = RENDER_RESERVATION
) -> CreditFacts | None:
    """The credits of a render GEN started (None for other jobs, for a render GEN never started,
    and while it is unknown whether GEN started it)."""
    if job.kind is not JobKind.RENDER or job.remote_id is None:
        return None
    return render_credit_facts(job.state, job.execution_cost, reserved)


def render_credit_facts(
    state: JobState, execution_cost: Decimal | None, reserved: Decimal | None = RENDER_RESERVATION
) -> CreditFacts | None:
    """The credits of a render GEN has, from its state and GEN's `execution_cost` (a local job's
    or a generation read from GEN); None in a state that says nothing about them."""
    held = f"~{_credits(reserved)}" if reserved is not None else "GEN's estimate"
    if state in (JobState.FAILED, JobState.STOPPED):
        what = "stopped" if state is JobState.STOPPED else "failed"
        cost = execution_cost
        if cost is not None and cost > 0:  # GEN says it charged something after all
            return CreditFacts(
                reserved,
                cost,
                reserved - cost if reserved is not None else None,
                False,
                True,
                f"{what}, charged {_credits(cost)}",
                f"The render {what}; GEN reports {_credits(cost)} credits charged for it "
                f"(GEN normally refunds a {what} render's reservation in full).",
            )
        return CreditFacts(
            reserved,
            Decimal(0),
            reserved,
            True,
            True,
            f"{what}: reserved {held}, refunded",
            f"The render {what}, so GEN refunds the credits it reserved ({held}) in full: "
            "nothing is charged. `genpro credits` shows the balance once GEN has done so.",
        )
    if state is JobState.COMPLETED or state is JobState.DOWNLOADED:
        cost = execution_cost
        if cost is None:
            return _unsettled(
                reserved,
                f"reserved {held}, cost not reported",
                f"GEN reserved {held} credits when the render started and has not reported "
                "what it finally charged (execution_cost); the balance shows it.",
            )
        returned = reserved - cost if reserved is not None else None
        if returned is None:
            settle = ""
        elif returned > 0:
            settle = f" ({_credits(returned)} given back)"
        elif returned < 0:
            settle = f" ({_credits(-returned)} more than reserved)"
        else:
            settle = ""
        return CreditFacts(
            reserved,
            cost,
            returned,
            False,
            True,
            f"reserved {held}, charged {_credits(cost)}",
            f"GEN reserved {held} credits when the render started and charged "
            f"{_credits(cost)} when it finished{settle}.",
        )
    if state in ACTIVE_STATES or state in PARKED_STATES:
        return _unsettled(
            reserved,
            f"reserved {held}",
            f"GEN reserved {held} credits when the render started; they are settled when it "
            "finishes (the difference given back or charged), or refunded in full if it "
            "fails or is stopped.",
        )
    return None


# -- relations -------------------------------------------------------------------------------


def render_of(job: LocalJob, jobs: JobLookup) -> LocalJob | None:
    """The render behind a job: itself, or a download's or publish's parent render."""
    if job.kind is JobKind.RENDER:
        return job
    return jobs.find(job.parent_id) if job.parent_id else None


def local_file(job: LocalJob, jobs: JobLookup) -> Path | None:
    """The downloaded file of a download job, or of a render's newest finished download."""
    if job.kind is JobKind.DOWNLOAD:
        if job.state is JobState.DOWNLOADED and job.target_path:
            return Path(job.target_path)
        return None
    for child in jobs.children_of(job.id):
        if child.state is JobState.DOWNLOADED and child.target_path:
            return Path(child.target_path)
    return None


def video_url(job: LocalJob, jobs: JobLookup) -> str | None:
    """The rendered video's URL (a download or publish job uses its render's)."""
    if job.output_url:
        return job.output_url
    if job.parent_id:
        parent = jobs.find(job.parent_id)
        if parent is not None:
            return parent.output_url
    return None


def publish_jobs(render: LocalJob, jobs: JobLookup) -> list[LocalJob]:
    """The publish and post jobs started from `render`, newest first."""
    return [
        child
        for child in jobs.children_of(render.id)
        if child.kind in (JobKind.PUBLISH, JobKind.POST)
    ]


def is_downloading(render: LocalJob, jobs: JobLookup) -> bool:
    """True while one of the render's downloads runs."""
    return any(
        child.kind is JobKind.DOWNLOAD and child.is_active for child in jobs.children_of(render.id)
    )


# -- actions ---------------------------------------------------------------------------------


def post_links(job: LocalJob) -> list[tuple[str, str]]:
    """(platform, link) of each platform a post is published on, in the post's order."""
    return [(p.platform, p.post_url) for p in job.post_platforms if p.post_url]


def failed_platforms(job: LocalJob) -> list[str]:
    """The platforms of a settled post that failed (they can be posted again on their own)."""
    if job.kind is not JobKind.POST or not all(p.is_terminal for p in job.post_platforms):
        return []
    return [p.platform for p in job.post_platforms if p.status == "failed"]


def allowed_actions(job: LocalJob, jobs: JobLookup = NO_JOBS) -> set[JobAction]:
    """The actions `job` allows right now (those needing a related job look in `jobs`)."""
    allowed: set[JobAction] = set()
    if job.can_stop():
        allowed.add(JobAction.STOP)
    if job.can_retry():
        allowed.add(JobAction.RETRY)
    if job.can_download():
        allowed.add(JobAction.DOWNLOAD)
    if job.can_publish():
        allowed.add(JobAction.PUBLISH)
    if job.post_id:
        allowed.add(JobAction.COPY_POST_ID)
    if post_links(job):
        allowed.update({JobAction.OPEN_POST_LINK, JobAction.COPY_POST_LINK})
    if failed_platforms(job):
        allowed.add(JobAction.RETRY_FAILED_PLATFORMS)
    if local_file(job, jobs) is not None:
        allowed.update({JobAction.OPEN, JobAction.SHOW_IN_FOLDER})
    if video_url(job, jobs):
        allowed.add(JobAction.COPY_URL)
    if job.state is JobState.NEEDS_ATTENTION:
        allowed.add(JobAction.KEEP_WAITING)
    if job.can_dismiss():
        allowed.add(JobAction.DISMISS)
    if job.can_dismiss() or job.is_terminal:
        allowed.add(JobAction.REMOVE)
    return allowed


def cli_actions(job: LocalJob) -> list[str]:
    """The allowed actions the CLI has a command for, as its verbs, in a fixed order."""
    allowed = allowed_actions(job)
    return [action.value for action in CLI_ACTIONS if action in allowed]


# -- the queue: batches, filters, search -----------------------------------------------------


def needs_attention(job: LocalJob) -> bool:
    """Waiting for the user (outcome unknown, needs attention), flagged with a status this app
    does not know, failed, or a post with failed platforms."""
    return (
        job.is_parked
        or job.status_unknown
        or job.state is JobState.FAILED
        or bool(failed_platforms(job))
    )


class StatusFilter(StrEnum):
    """Which jobs the queue shows by state; "attention" comes before "active" and "finished"."""

    ALL = "all"
    ACTIVE = "active"
    ATTENTION = "attention"
    FINISHED = "finished"


class KindFilter(StrEnum):
    """Which jobs the queue shows by kind (a legacy TikTok publish counts as a post)."""

    ALL = "all"
    RENDER = "render"
    DOWNLOAD = "download"
    POST = "post"


def status_group(job: LocalJob) -> StatusFilter:
    """The one state filter a job is in: needs attention, active or finished."""
    if needs_attention(job):
        return StatusFilter.ATTENTION
    return StatusFilter.ACTIVE if job.is_active else StatusFilter.FINISHED


def kind_group(job: LocalJob) -> KindFilter:
    """The kind filter a job is in."""
    if job.kind in (JobKind.POST, JobKind.PUBLISH):
        return KindFilter.POST
    return KindFilter(job.kind.value)


_ID_MARK = "\x1f"  # starts each id in a search text: ids match from their start only
_IDS = "\x00"  # separates a search text's words from its ids


def search_text(job: LocalJob, jobs: JobLookup = NO_JOBS) -> str:
    """Everything the search box matches, lower case: title, engine, the row's text,
    platforms, the file name and the caption (anywhere), then the local, GEN and post ids
    (from their start: a digit typed must not match every hex id)."""
    origin = origin_of(job, jobs)
    engine_id, engine_title = job_engine(job, jobs)
    platforms = post_platforms(job)
    words = [
        job_title(job, jobs),
        engine_title or "",
        (origin.row_text or "") if origin is not None else "",
        *platforms,
        *(platform_label(p) for p in platforms),
        PurePath(job.target_path).name if job.target_path else "",
        job.caption or "",
    ]
    ids = [job.id, job.remote_id, job.post_id, engine_id]
    text = "\n".join(part for part in words if part)
    marked = "".join(_ID_MARK + part for part in ids if part)
    return f"{text}{_IDS}{marked}".casefold()


def _found(word: str, haystack: str) -> bool:
    text, _sep, ids = haystack.partition(_IDS)
    return word in text or _ID_MARK + word in ids


@dataclass(frozen=True)
class JobFilter:
    """What the queue shows: a state group, a kind, an engine id and search words."""

    status: StatusFilter = StatusFilter.ALL
    kind: KindFilter = KindFilter.ALL
    engine_id: str | None = None
    text: str = ""

    @property
    def is_empty(self) -> bool:
        """True when every job passes."""
        return (
            self.status is StatusFilter.ALL
            and self.kind is KindFilter.ALL
            and self.engine_id is None
            and not self.text.strip()
        )

    def matches(self, job: LocalJob, haystack: str, engine_id: str | None) -> bool:
        """True when `job` passes; `haystack` is its `search_text`, `engine_id` its engine."""
        if self.status is not StatusFilter.ALL and status_group(job) is not self.status:
            return False
        if self.kind is not KindFilter.ALL and kind_group(job) is not self.kind:
            return False
        if self.engine_id is not None and engine_id != self.engine_id:
            return False
        return all(_found(word, haystack) for word in self.text.casefold().split())


@dataclass(frozen=True)
class BatchProgress:
    """How far a batch of renders started together is, and how long it should still take."""

    total: int
    done: int  # finished, whatever the outcome
    failed: int  # failed or stopped
    waiting: int  # waiting for the user's decision
    seconds_left: float | None  # expected time to the last render's end (None: unknown)
    overdue: bool  # every running render has taken longer than the typical duration

    @property
    def finished(self) -> bool:
        """True once every render of the batch is done."""
        return self.done == self.total

    def summary(self) -> str:
        """E.g. "3 of 8 done · 1 failed · about 4 min left"."""
        parts = [f"{self.done} of {self.total} done"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.waiting:
            parts.append(f"{self.waiting} need{'s' if self.waiting == 1 else ''} you")
        if self.seconds_left is not None:
            parts.append(f"{about(self.seconds_left)} left")
        elif self.overdue:
            parts.append("taking longer than usual")
        return " · ".join(parts)


def about(seconds: float) -> str:
    """A rough duration for an estimate: "under a minute", "about 4 min", "about 1 h 5 min"."""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True)
class BatchTally:
    """A batch's counts and its youngest running render: what `BatchProgress` needs that does
    not change while time passes, so a header painted many times a second is one pass over
    the batch per change of a member, not one per paint."""

    total: int
    done: int
    failed: int
    waiting: int
    youngest: LocalJob | None  # the running render that has run the shortest time

    def progress(
        self, elapsed: Callable[[LocalJob], float], typical: float | None
    ) -> BatchProgress:
        """The progress now: running renders all age alike, so the one expected to finish
        last is still the youngest."""
        left: float | None = None
        overdue = False
        if self.youngest is not None and typical is not None:
            remaining = typical - elapsed(self.youngest)
            if remaining > 0:
                left = remaining
            else:
                overdue = True
        return BatchProgress(self.total, self.done, self.failed, self.waiting, left, overdue)


def tally_batch(members: Sequence[LocalJob], elapsed: Callable[[LocalJob], float]) -> BatchTally:
    """Count a batch's renders and find its youngest running one (one pass)."""
    done = failed = waiting = 0
    youngest: LocalJob | None = None
    youngest_elapsed = 0.0
    for job in members:
        if job.is_terminal:
            done += 1
        if job.state in (JobState.FAILED, JobState.STOPPED):
            failed += 1
        if job.is_parked:
            waiting += 1
        if job.is_active:
            seconds = elapsed(job)
            if youngest is None or seconds < youngest_elapsed:
                youngest, youngest_elapsed = job, seconds
    return BatchTally(len(members), done, failed, waiting, youngest)


def batch_progress(
    members: Sequence[LocalJob], elapsed: Callable[[LocalJob], float], typical: float | None
) -> BatchProgress:
    """Progress of a batch from its renders; the time left is that of the render expected to
    finish last, from the typical render duration (the renders of a batch run side by side on
    GEN), and unknown without a typical duration."""
    return tally_batch(members, elapsed).progress(elapsed, typical)
