"""Serializers from simulator records to GEN's JSON shapes (plain dicts).

IDs are deliberately mixed on the wire, as GEN's own docs and OpenAPI disagree: some routes
send integers, others strings, so clients must treat every id as opaque.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from genpro_desktop.simulator.models import (
    AgentRec,
    CellRec,
    ColumnRec,
    EngineRec,
    LayerRec,
    OrgRec,
    PublishRec,
    RenderRec,
    RowRec,
)


def iso(moment: datetime) -> str:
    """Rails-style ISO-8601 with milliseconds and Z."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def ms(moment: datetime) -> int:
    """Epoch milliseconds."""
    return int(moment.timestamp() * 1000)


def number(value: Decimal) -> float | int:
    """Credits as a JSON number (int when whole)."""
    return int(value) if value == value.to_integral_value() else float(value)


class Wire:
    """Turns records into response dicts for one read at sim time `now`."""

    def __init__(
        self,
        *,
        cdn_base_url: str,
        now: float,
        wall_at: Callable[[float], datetime],
        renders: dict[int, RenderRec],
        url_versions: dict[int, int] | None = None,
    ) -> None:
        self.cdn = cdn_base_url
        self.now = now
        self.wall_at = wall_at
        self.renders = renders
        self.url_versions = url_versions or {}

    def output_url(self, render_id: int) -> str:
        """The CDN URL of a render's MP4 (with `?v=N` once an earlier URL was expired)."""
        version = self.url_versions.get(render_id, 1)
        query = f"?v={version}" if version > 1 else ""
        return f"{self.cdn}/outputs/render_{render_id}.mp4{query}"

    def thumbnail_url(self, render_id: int) -> str:
        """The CDN URL of a render's first-frame JPEG."""
        return f"{self.cdn}/thumbnails/render_{render_id}.jpg"

    def media(self, src: str) -> str:
        """Absolute URL for a seeded upload path."""
        return src if src.startswith(("http://", "https://")) else f"{self.cdn}/{src}"

    def generation(self, render: RenderRec, *, id_as_int: bool = False) -> dict[str, Any]:
        """A render as GEN's Generation object."""
        status = render.status(self.now)
        created = self.wall_at(render.created_at)
        updated = self.wall_at(render.changed_at(self.now))
        outputs: list[dict[str, Any]] = []
        cost: str | None = None
        if status == "completed":
            cost = str(render.script.cost)
            outputs.append(
                {
                    "id": render.output_id,
                    "url": self.output_url(render.id),
                    "thumbnail_url": self.thumbnail_url(render.id),
                    "object_type": "video",
                    "type": "output",
                }
            )
        elif status in ("failed", "stopped"):
            cost = "0.0"
        return {
            "id": render.id if id_as_int else str(render.id),
            "status": status,
            "user_job_type": "remotion",
            "result": None,
            "failed_reason": (render.script.failed_reason if status == "failed" else None),
            "output_resources": outputs,
            "execution_cost": cost,
            "created_at": iso(created),
            "updated_at": iso(updated),
            "created_at_ts": ms(created),
            "updated_at_ts": ms(updated),
        }

    def default_take(self, cell: CellRec) -> RenderRec | None:
        """The take a cell shows: the newest completed render, else the newest of any status."""
        takes = [self.renders[i] for i in cell.job_ids]
        done = [r for r in takes if r.status(self.now) == "completed"]
        if done:
            return done[-1]
        return takes[-1] if takes else None

    def layer(self, layer: LayerRec) -> dict[str, Any]:
        """A video layer."""
        attributes = dict(layer.attributes)
        if isinstance(attributes.get("src"), str):
            attributes["src"] = self.media(attributes["src"])
        return {
            "id": layer.id,
            "name": layer.name,
            "position": layer.position,
            "type": layer.type,
            "additional_attributes": attributes,
            "created_at_ts": layer.created_ms,
            "updated_at_ts": layer.created_ms,
            "default_user_job": None,
            "user_jobs": [],
            "execution_cost": None,
        }

    def cell(
        self, cell: CellRec, *, id_as_str: bool = False, with_cost: bool = False
    ) -> dict[str, Any]:
        """A cell with its take history (ids of takes as ints inside cells)."""
        take = self.default_take(cell)
        value = cell.value
        if take is not None and take.status(self.now) == "completed":
            value = self.output_url(take.id)
        body: dict[str, Any] = {
            "id": str(cell.id) if id_as_str else cell.id,
            "value": value,
            "additional_attributes": {},
            "cell_role": cell.role,
            "created_at_ts": cell.created_ms,
            "updated_at_ts": ms(self.wall_at(take.changed_at(self.now)))
            if take
            else cell.created_ms,
            "default_user_job": self.generation(take, id_as_int=True) if take else None,
            "user_jobs": [self.generation(self.renders[i], id_as_int=True) for i in cell.job_ids],
            "video_layers": [self.layer(layer) for layer in cell.layers],
        }
        if cell.expose_column_id:
            body["column_id"] = cell.column_id
        if with_cost:
            body["execution_cost"] = self._cell_cost(cell)
        return body

    def _cell_cost(self, cell: CellRec) -> str | None:
        costs = [
            self.renders[i].script.cost
            for i in cell.job_ids
            if self.renders[i].status(self.now) == "completed"
        ]
        return str(sum(costs, Decimal(0))) if costs else None

    def column(self, column: ColumnRec) -> dict[str, Any]:
        """A sheet column."""
        return {
            "id": column.id,
            "title": column.title,
            "temp_title": None,
            "type": column.type,
            "column_role": column.role,
            "description": None,
            "position": column.position,
            "additional_attributes": {},
            "created_at_ts": column.created_ms,
            "updated_at_ts": column.created_ms,
        }

    def row(self, row: RowRec, *, with_cost: bool = False) -> dict[str, Any]:
        """A row with its cells."""
        body: dict[str, Any] = {
            "id": row.id,
            "position": row.position,
            "additional_attributes": {},
            "created_at_ts": row.created_ms,
            "updated_at_ts": row.created_ms,
            "spreadsheet_cells": [self.cell(c, with_cost=with_cost) for c in row.cells],
        }
        if with_cost:
            costs = [self._cell_cost(c) for c in row.cells]
            total = sum((Decimal(c) for c in costs if c is not None), Decimal(0))
            body["execution_cost"] = str(total) if any(costs) else None
        return body

    def engine_summary(self, engine: EngineRec) -> dict[str, Any]:
        """An engine without columns and rows (the list route)."""
        return {
            "id": engine.id,
            "slug": engine.slug,
            "title": engine.title,
            "project_type": "autocontentengine",
            "is_default": engine.is_default,
            "uuid": engine.uuid,
            "status": "active",
            # The OpenAPI types Sheet.created_at as epoch seconds; the docs show ISO strings.
            "created_at": engine.created_s,
            "created_at_ts": engine.created_s * 1000,
            "updated_at_ts": engine.created_s * 1000,
        }

    def engine(self, engine: EngineRec, *, with_cost: bool = False) -> dict[str, Any]:
        """A full sheet: columns, rows, cells, layers."""
        return {
            **self.engine_summary(engine),
            "spreadsheet_columns": [self.column(c) for c in engine.columns],
            "spreadsheet_rows": [self.row(r, with_cost=with_cost) for r in engine.rows],
            "global_variables_sheet": None,
        }

    @staticmethod
    def organization(org: OrgRec) -> dict[str, Any]:
        """An organization with its balance."""
        generic = org.generic
        return {
            "id": org.id,
            "uuid": org.uuid,
            "organization_id": str(org.id),
            "name": org.name,
            "avatar": None,
            "user_role": "owner",
            "credit": number(generic),
            "available_credit": {"generic": number(generic), "aura": number(org.aura)},
            "total_members": 1,
            "credit_plan": {"id": "plan_creator", "name": "Creator", "cycle": "monthly"},
        }

    @staticmethod
    def agent_summary(agent: AgentRec) -> dict[str, Any]:
        """An agent in `GET /agents` (ids as integers)."""
        return {"id": agent.id, "name": agent.name, "workspace_id": agent.org_id}

    @staticmethod
    def agent_detail(agent: AgentRec) -> dict[str, Any]:
        """`GET /agents/{id}` (ids as strings, unlike the list)."""
        return {
            "id": str(agent.id),
            "name": agent.name,
            "description": agent.description,
            "organization_id": str(agent.org_id),
            "time_zone": agent.time_zone,
            "primary_avatar_id": None,
            "primary_avatar_url": None,
            "agent_setup_project_id": str(agent.engine_ids[0]) if agent.engine_ids else None,
            "role": "owner",
            "default_user_voice": None,
        }

    def user_job(self, job: PublishRec) -> dict[str, Any]:
        """`GET /user_jobs/{id}`."""
        status = job.status(self.now)
        return {
            "id": job.id,
            "user_job_type": "publish_content",
            "status": status,
            "result": {"post_id": job.post_id} if status == "completed" else None,
            "failed_reason": job.script.failed_reason if status == "failed" else None,
        }
