"""Tolerant wire models for GEN's JSON (pydantic v2; unknown fields are kept, not rejected).

GEN's documentation disagrees with itself about ids (int or string), costs (number or string)
and timestamps (ISO, epoch seconds, epoch milliseconds), so every such field is coerced once
(see `_coerce.py`) and the rest of the app sees one shape: ids as `str`, money as `Decimal`,
aware UTC times.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, cast
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from genpro_desktop.core.api._coerce import (
    Credits,
    Id,
    ModelList,
    OptionalBool,
    OptionalId,
    OptionalInt,
    OptionalModel,
    Text,
    Timestamp,
    scalar_text,
    to_balance,
    to_text,
)

_VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".webm")


class JobStatus(StrEnum):
    """A generation's or user job's status; anything GEN sends that we don't know is UNKNOWN."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    STOPPED = "stopped"
    UNKNOWN = "unknown"

    @property
    def is_terminal(self) -> bool:
        """True for completed, failed and stopped: the job will not change any more."""
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED)

    @classmethod
    def parse(cls, value: object) -> JobStatus:
        """The status for a raw server value; unknown values (and "unknown" itself) -> UNKNOWN."""
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                return cls.UNKNOWN
        return cls.UNKNOWN


class WireModel(BaseModel):
    """Base of every GEN response model: unknown fields are kept in `model_extra`."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


def _split_status(data: Any) -> Any:
    """Normalise `status` to a JobStatus and keep GEN's own word in `raw_status`."""
    if not isinstance(data, dict):
        return data
    fields = dict(cast(dict[str, Any], data))
    raw = fields.get("status")
    if fields.get("raw_status") is None:
        fields["raw_status"] = None if raw is None else to_text(raw)
    fields["status"] = JobStatus.parse(raw)
    return fields


def _with_alias(data: Any, target: str, *sources: str) -> Any:
    """Fill `target` from the first of `sources` present, for responses with varying shapes."""
    if not isinstance(data, dict):
        return data
    fields = dict(cast(dict[str, Any], data))
    if fields.get(target) is None:
        for source in sources:
            if fields.get(source) is not None:
                fields[target] = fields[source]
                break
    return fields


class Me(WireModel):
    """The user the API key belongs to."""

    id: Id
    email: Text = None
    name: Text = None
    username: Text = None
    created_at: Timestamp = None


class Workspace(WireModel):
    """A workspace (organization) the user owns or manages."""

    id: Id
    name: Text = None


class Agent(WireModel):
    """An agent as listed by `GET /agents`."""

    id: Id
    name: Text = None
    workspace_id: OptionalId = None


class AgentDetail(WireModel):
    """One agent in full, including the organization that holds its credits."""

    id: Id
    name: Text = None
    description: Text = None
    organization_id: OptionalId = None
    time_zone: Text = None
    agent_setup_project_id: OptionalId = None
    role: Text = None
    primary_avatar_url: Text = None


class CreditBalance(WireModel):
    """Credits available to a workspace: `generic` pays for generations and renders."""

    generic: Credits = None
    aura: Credits = None


class CreditPlan(WireModel):
    """The workspace's credit plan."""

    id: OptionalId = None
    name: Text = None
    cycle: Text = None


class Organization(WireModel):
    """A workspace/organization, which is where the credit balance lives."""

    id: Id
    uuid: Text = None
    name: Text = None
    user_role: Text = None
    credit: Credits = None
    available_credit: Annotated[CreditBalance | None, BeforeValidator(to_balance)] = None
    credit_plan: OptionalModel[CreditPlan] = None


class Column(WireModel):
    """A sheet column: content type plus role (`final_video` marks the rendered column)."""

    id: Id
    title: Text = None
    type: Text = None
    column_role: Text = None
    position: OptionalInt = None


class OutputResource(WireModel):
    """A media file a generation produced, on GEN's public CDN."""

    id: OptionalId = None
    url: Text = None
    thumbnail_url: Text = None
    object_type: Text = None
    type: Text = None

    @property
    def is_video(self) -> bool:
        """True when the object type or the URL's file suffix says video."""
        if self.object_type and "video" in self.object_type.lower():
            return True
        if self.url:
            return urlsplit(self.url).path.lower().endswith(_VIDEO_SUFFIXES)
        return False


class Generation(WireModel):
    """A generation (a "user job" on a cell): status, outputs and cost."""

    id: Id
    status: JobStatus = JobStatus.UNKNOWN
    raw_status: Text = None
    user_job_type: Text = None
    result: Any = None
    failed_reason: Text = None
    output_resources: ModelList[OutputResource] = Field(default_factory=list[OutputResource])
    execution_cost: Credits = None
    created_at: Timestamp = None
    updated_at: Timestamp = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        data = _with_alias(data, "created_at", "created_at_ts")
        return _split_status(_with_alias(data, "updated_at", "updated_at_ts"))

    def _video(self) -> OutputResource | None:
        return next((r for r in self.output_resources if r.is_video and r.url), None)

    @property
    def video_url(self) -> str | None:
        """The URL of the first video output, if any."""
        video = self._video()
        return video.url if video else None

    @property
    def thumbnail_url(self) -> str | None:
        """The thumbnail of the first video output, if any."""
        video = self._video()
        return video.thumbnail_url if video else None


class Layer(WireModel):
    """A timeline layer of a video cell."""

    id: Id
    name: Text = None
    type: Text = None
    position: OptionalInt = None


def _has_id(value: object) -> bool:
    if isinstance(value, BaseModel):
        return True
    if not isinstance(value, dict):
        return False
    return scalar_text(cast(dict[str, Any], value).get("id")) is not None


def _take_or_none(value: object) -> object:
    """A take with an id, else None: a take GEN sent without one cannot be followed."""
    return value if _has_id(value) else None


def _takes(value: object) -> list[object]:
    """The takes of a cell that have an id; anything else in the list is skipped, not fatal."""
    if not isinstance(value, list):
        return []
    return [item for item in cast(list[object], value) if _has_id(item)]


class Cell(WireModel):
    """One row x column cell, with its current take and its history."""

    id: Id
    value: Text = None
    cell_role: Text = None
    role: Text = None
    column_id: OptionalId = None
    default_user_job: Annotated[Generation | None, BeforeValidator(_take_or_none)] = None
    user_jobs: Annotated[list[Generation], BeforeValidator(_takes)] = Field(
        default_factory=list[Generation]
    )
    video_layers: ModelList[Layer] = Field(default_factory=list[Layer])


class Row(WireModel):
    """A sheet row: one video."""

    id: Id
    position: OptionalInt = None
    spreadsheet_cells: ModelList[Cell] = Field(default_factory=list[Cell])


class EngineSummary(WireModel):
    """An engine as a listing shows it."""

    id: Id
    title: Text = None
    slug: Text = None
    uuid: Text = None
    status: Text = None
    is_default: OptionalBool = None
    created_at: Timestamp = None


class Engine(WireModel):
    """A full engine (vidsheet): its columns and its rows of cells."""

    id: Id
    title: Text = None
    slug: Text = None
    uuid: Text = None
    status: Text = None
    is_default: OptionalBool = None
    created_at: Timestamp = None
    spreadsheet_columns: ModelList[Column] = Field(default_factory=list[Column])
    spreadsheet_rows: ModelList[Row] = Field(default_factory=list[Row])

    def _columns_in_order(self) -> list[Column]:
        return sorted(self.spreadsheet_columns, key=lambda c: (c.position is None, c.position or 0))

    def final_video_column(self) -> Column | None:
        """The column whose role is `final_video`, if the engine has one."""
        return next((c for c in self._columns_in_order() if c.column_role == "final_video"), None)

    def final_video_cell(self, row: Row) -> Cell | None:
        """The cell of `row` to render: by cell role, then column id, then column position order."""
        by_role = _first(row.spreadsheet_cells, lambda c: "final_video" in (c.cell_role, c.role))
        if by_role is not None:
            return by_role
        column = self.final_video_column()
        if column is None:
            return None
        by_column = _first(row.spreadsheet_cells, lambda c: c.column_id == column.id)
        if by_column is not None:
            return by_column
        if any(c.column_id is not None for c in row.spreadsheet_cells):
            return None  # cells name their columns and none names this one
        index = self._columns_in_order().index(column)
        return row.spreadsheet_cells[index] if index < len(row.spreadsheet_cells) else None


def _first(cells: list[Cell], predicate: Callable[[Cell], bool]) -> Cell | None:
    return next((c for c in cells if predicate(c)), None)


class RenderStarted(WireModel):
    """A render (or continue) was accepted: poll `generation_id`."""

    generation_id: Id
    status: JobStatus = JobStatus.UNKNOWN
    raw_status: Text = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _split_status(_with_alias(data, "generation_id", "id", "user_job_id"))


class StopResult(WireModel):
    """A stop was accepted; GEN may answer with `{generation_id, status}` or the full generation."""

    generation_id: Id
    status: JobStatus = JobStatus.UNKNOWN
    raw_status: Text = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _split_status(_with_alias(data, "generation_id", "id"))


class PublishContent(BaseModel):
    """A legacy `publish_content` request (gen-api.md 11.2); `to_data()` builds GEN's `data`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    media_url: str
    description: str
    title: str | None = None
    thumbnail_url: str | None = None
    scheduled_time: datetime | None = None
    platform: str = "tiktok"
    media_type: str = "VIDEO"
    timezone_offset: int | None = None

    @field_validator("scheduled_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("scheduled_time must be timezone-aware")
        return value

    def to_data(self) -> dict[str, Any]:
        """The `data` object GEN expects (sent JSON-encoded as a string)."""
        data: dict[str, Any] = {
            "platform": self.platform,
            "media_url": self.media_url,
            "description": self.description,
            "media_type": self.media_type,
            "schedule_type": "now",
        }
        if self.title is not None:
            data["title"] = self.title
        if self.thumbnail_url is not None:
            data["thumbnail_url"] = self.thumbnail_url
        if self.scheduled_time is not None:
            data["schedule_type"] = "scheduled"
            data["scheduled_time"] = self.scheduled_time.astimezone(UTC).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        if self.timezone_offset is not None:
            data["timezone_offset"] = self.timezone_offset
        return data


class PublishJobCreated(WireModel):
    """A publish job was accepted: poll `user_job_id`."""

    user_job_id: Id

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        return _with_alias(data, "user_job_id", "id")


class UserJob(WireModel):
    """A user job (here: publish_content) and its outcome."""

    id: Id
    user_job_type: Text = None
    status: JobStatus = JobStatus.UNKNOWN
    raw_status: Text = None
    result: Any = None
    failed_reason: Text = None
    created_at: Timestamp = None
    updated_at: Timestamp = None

    _normalise = model_validator(mode="before")(_split_status)

    @property
    def post_id(self) -> str | None:
        """The platform's post id from `result.post_id` (result may arrive JSON-encoded)."""
        result: object = self.result
        if isinstance(result, str):
            try:
                result = json.loads(result)
            except ValueError:
                return None
        if isinstance(result, dict):
            return scalar_text(cast(dict[str, object], result).get("post_id"))
        return None
