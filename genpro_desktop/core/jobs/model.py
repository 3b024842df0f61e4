"""Plain job data shared by the tracker, the store, the CLI and the GUI.

A `LocalJob` is one render, download or publish the user started (or adopted). The store persists
it, the tracker is the only code that changes its state, and events carry copies of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "ACTIVE_STATES",
    "PARKED_STATES",
    "TERMINAL_STATES",
    "FailureKind",
    "JobKind",
    "JobState",
    "LocalJob",
    "PostPlatform",
    "RenderOrigin",
    "can_transition",
    "new_job_id",
]


class JobKind(StrEnum):
    """What a local job tracks."""

    RENDER = "render"
    DOWNLOAD = "download"
    PUBLISH = "publish"
    POST = "post"  # one multi-platform post through GEN's schedule API


class JobState(StrEnum):
    """The API's statuses plus the local ones the tracker needs to be honest about."""

    SUBMITTING = "submitting"  # intent recorded, POST not answered yet
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    OUTCOME_UNKNOWN = "outcome_unknown"  # POST may have been applied; never re-sent automatically
    NEEDS_ATTENTION = "needs_attention"  # 404, no output, deadline
    QUEUED = "queued"  # download waiting to start
    DOWNLOADING = "downloading"
    DOWNLOADED = "downloaded"
    DISMISSED = "dismissed"  # the user gave up on an outcome_unknown / needs_attention job


TERMINAL_STATES: frozenset[JobState] = frozenset(
    {
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.STOPPED,
        JobState.DOWNLOADED,
        JobState.DISMISSED,
    }
)
"""States a job never leaves."""

PARKED_STATES: frozenset[JobState] = frozenset({JobState.OUTCOME_UNKNOWN, JobState.NEEDS_ATTENTION})
"""States that wait for the user; only a user action moves a job on."""

ACTIVE_STATES: frozenset[JobState] = frozenset(
    {
        JobState.SUBMITTING,
        JobState.PENDING,
        JobState.PROCESSING,
        JobState.QUEUED,
        JobState.DOWNLOADING,
    }
)
"""States the tracker works on by itself (polling, submitting or downloading)."""


class FailureKind(StrEnum):
    """How a failed render/publish POST failed, when GEN provably started nothing.

    Stored with the job (and in its own column): `failed_reason` is only text for people.
    """

    NOT_SENT = "not_sent"  # the POST never left this computer (or was held back)
    REFUSED = "refused"  # GEN answered with a refusal: nothing was charged or posted


def can_transition(old: JobState, new: JobState) -> bool:
    """Whether a job may move from `old` to `new`: terminal states are sticky."""
    if old == new:
        return True
    return old not in TERMINAL_STATES


def new_job_id() -> str:
    """A fresh local job id (uuid4 hex)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class PostPlatform:
    """One platform of a schedule-API post, as GEN last reported it (plain data).

    `status` is GEN's normalized status (accepted, publishing, published, failed, unknown) or
    `skipped` for a platform GEN left out; `raw_status` is the worker status as sent.
    `dedupe_key` is this platform's duplicate-guard fingerprint.
    """

    platform: str
    status: str = "accepted"
    raw_status: str | None = None
    post_url: str | None = None
    platform_post_id: str | None = None
    error: str | None = None
    error_code: str | None = None
    failed_step: str | None = None
    warning: str | None = None
    dedupe_key: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Published, failed or skipped: this platform will not change any more."""
        return self.status in ("published", "failed", "skipped")


ROW_TEXT_KEPT = 120
"""How much of a row's text a render keeps for its title (lists show less)."""


@dataclass(frozen=True)
class RenderOrigin:
    """What a render is of, as the grid showed it when it was started (for titles and
    filters), and the batch it was started in (None for a single render)."""

    engine_title: str | None = None
    row_number: int | None = None
    row_text: str | None = None
    batch_id: str | None = None

    def fields(self) -> dict[str, object]:
        """The `LocalJob` fields this sets (the row's text collapsed and cut short)."""
        text = " ".join((self.row_text or "").split())[:ROW_TEXT_KEPT] or None
        return {
            "engine_title": self.engine_title or None,
            "row_number": self.row_number,
            "row_text": text,
            "batch_id": self.batch_id,
        }


@dataclass
class LocalJob:
    """One render, download or publish as the app knows it (plain data; copy freely)."""

    id: str
    kind: JobKind
    state: JobState
    agent_id: str | None
    created_at: datetime
    updated_at: datetime
    remote_id: str | None = None
    idempotency_key: str | None = None
    parent_id: str | None = None
    engine_id: str | None = None
    cell_id: str | None = None
    title: str | None = None
    raw_status: str | None = None
    # Reads in a row whose status GEN sent and this app does not know (`raw_status` holds it);
    # the job keeps being tracked meanwhile, flagged (`status_unknown`), never parked for it.
    unknown_count: int = 0
    failed_reason: str | None = None
    # Set when the render/publish POST failed without GEN starting anything (None otherwise).
    failure: FailureKind | None = None
    # Why GEN refused a render/publish POST, kept apart from the text so no one parses it.
    error_code: str | None = None
    http_status: int | None = None
    attention_reason: str | None = None
    output_url: str | None = None
    thumbnail_url: str | None = None
    execution_cost: Decimal | None = None
    finished_at: datetime | None = None
    # How long GEN worked on it (GEN's created to last-update time, read when it finished), so
    # a job that finished while the app was closed does not count the hours the app was off.
    gen_seconds: float | None = None
    # download
    target_path: str | None = None
    part_path: str | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    # publish
    platform: str | None = None
    media_url: str | None = None
    caption: str | None = None
    post_title: str | None = None
    post_thumbnail_url: str | None = None
    scheduled_utc: datetime | None = None
    schedule_tz: str | None = None
    post_id: str | None = None
    dedupe_key: str | None = None
    # schedule-API post (kind POST): the request body as sent (JSON) and each platform's state
    post_request: str | None = None
    post_platforms: tuple[PostPlatform, ...] = ()
    # What a render is of, kept when it starts so lists name it without asking GEN: the
    # engine's title, the row as the grid numbers it (from 1) and the start of the row's text.
    # A download copies its render's; a post finds them through its render (`parent_id`).
    engine_title: str | None = None
    row_number: int | None = None
    row_text: str | None = None
    # Renders started together (one "Render rows" of several rows) share a batch id.
    batch_id: str | None = None

    @property
    def live_dedupe_keys(self) -> tuple[str, ...]:
        """The duplicate-guard keys of a post's platforms that are not failed or skipped."""
        return tuple(
            p.dedupe_key
            for p in self.post_platforms
            if p.dedupe_key and p.status not in ("failed", "skipped")
        )

    def run_seconds(self, now: datetime) -> float:
        """How long the job took (finished) or has been running: GEN's own time for a finished
        render or post when GEN gave it, else creation to finish (or to `now`) here."""
        if self.gen_seconds is not None and self.is_terminal:
            return self.gen_seconds
        end = self.finished_at or (self.updated_at if self.is_terminal else now)
        return max(0.0, (end - self.created_at).total_seconds())

    @property
    def is_terminal(self) -> bool:
        """True once the job can never change again."""
        return self.state in TERMINAL_STATES

    @property
    def is_parked(self) -> bool:
        """True while the job waits for the user (outcome unknown or needs attention)."""
        return self.state in PARKED_STATES

    @property
    def is_active(self) -> bool:
        """True while the tracker works on the job by itself."""
        return self.state in ACTIVE_STATES

    @property
    def status_unknown(self) -> bool:
        """True while GEN's latest status for an unfinished job is one this app does not know.

        The job is still tracked (GEN adds statuses without notice and the job may be running
        and charging); the UI and `genpro jobs` flag it and show `raw_status` as GEN sent it.
        """
        return self.unknown_count > 0 and not self.is_terminal

    @property
    def never_started_on_gen(self) -> bool:
        """True for a failed render/publish that GEN provably never started: its POST was not
        sent, or GEN refused it. Nothing was charged or posted, so sending it again is safe."""
        return (
            self.kind is not JobKind.DOWNLOAD
            and self.state is JobState.FAILED
            and self.remote_id is None
            and self.failure is not None
        )

    @property
    def failure_note(self) -> str | None:
        """`failed_reason` as people read it: led by "not sent" / "not started" when GEN
        started nothing (a label for display, never parsed back; `failure` is the data)."""
        if self.failed_reason is None or self.failure is None:
            return self.failed_reason
        label = "not sent" if self.failure is FailureKind.NOT_SENT else "not started"
        return f"{label}: {self.failed_reason}"

    def can_stop(self) -> bool:
        """A running render can be stopped on GEN; a queued or running download can be cancelled."""
        if self.kind is JobKind.RENDER:
            return self.remote_id is not None and self.state in {
                JobState.PENDING,
                JobState.PROCESSING,
            }
        if self.kind is JobKind.DOWNLOAD:
            return self.state in {JobState.QUEUED, JobState.DOWNLOADING}
        return False

    def can_retry(self) -> bool:
        """Whether a user-confirmed retry is possible (renders/publishes reuse their key)."""
        if self.kind is JobKind.DOWNLOAD:
            # Failed or cancelled downloads resume from their .part file when there is one.
            return self.state in {JobState.FAILED, JobState.STOPPED}
        if self.state is JobState.OUTCOME_UNKNOWN:
            return self.idempotency_key is not None
        return self.never_started_on_gen and self.idempotency_key is not None

    def can_download(self) -> bool:
        """A completed render with a video URL can be downloaded."""
        return (
            self.kind is JobKind.RENDER
            and self.state is JobState.COMPLETED
            and self.output_url is not None
        )

    def can_publish(self) -> bool:
        """A completed render with a video URL can be published."""
        return self.can_download()

    def can_dismiss(self) -> bool:
        """A parked job (outcome unknown / needs attention), or a render/publish whose status
        GEN reports as one this app does not know, can be dismissed by the user."""
        return self.is_parked or (self.status_unknown and self.kind is not JobKind.DOWNLOAD)
