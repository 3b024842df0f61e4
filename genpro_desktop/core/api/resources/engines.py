"""Engines (vidsheets) under the sheet prefix; all agent-scoped."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TypeVar

from genpro_desktop.core.api._prefix import might_be_missing_route
from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.errors import APIStatusError
from genpro_desktop.core.api.resources._common import (
    Resource,
    has_id,
    parse_list,
    parse_list_raw,
    parse_one,
    seg,
)
from genpro_desktop.core.api.types import Engine, EngineSummary, Generation

T = TypeVar("T")


class Engines(Resource):
    """An agent's engines."""

    async def list(self, agent_id: str | None = None) -> builtins.list[EngineSummary] | None:
        """The agent's engines, or None when the server has no listing route (gen-api.md 5.5)."""
        parse = parse_list(EngineSummary, "spreadsheets", "engines", "projects")
        return await self._read_if_served("", parse, agent_id)

    async def get(self, engine_id: str, agent_id: str | None = None) -> Engine:
        """One engine with its columns, rows, cells and layers."""
        agent = self._base.resolve_agent(agent_id)
        return await self._base.sheet_request(
            "GET",
            f"/{seg(engine_id)}",
            kind=RequestKind.READ,
            parse=parse_one(Engine, "spreadsheet", "engine"),
            agent_id=agent,
        )

    async def generations(
        self, engine_id: str, agent_id: str | None = None
    ) -> builtins.list[Generation] | None:
        """The engine's generations as GEN's per-sheet route lists them, or None without one.

        `GET /{prefix}/{id}/generations` exists behind GEN's MCP server but is not in the public
        reference (its shape is unknown), so items are read tolerantly (any without an id are
        skipped) and a missing route is not an error.
        """
        return await self._read_if_served(
            f"/{seg(engine_id)}/generations", _generation_items, agent_id
        )

    async def _read_if_served(
        self, path: str, parse: Callable[[object], T], agent_id: str | None
    ) -> T | None:
        """GET a sheet route the server may not have: None when it answers 404/405 for it."""
        agent = self._base.resolve_agent(agent_id)
        try:
            return await self._base.sheet_request(
                "GET", path, kind=RequestKind.READ, parse=parse, agent_id=agent, allow_405=True
            )
        except APIStatusError as exc:
            if might_be_missing_route(exc, allow_405=True):
                return None
            raise


def _generation_items(payload: object) -> builtins.list[Generation]:
    items = parse_list_raw(payload, "generations", "user_jobs", "jobs")
    return [Generation.model_validate(item) for item in items if has_id(item)]
