"""`GET /agents` and `GET /agents/{id}`."""

from __future__ import annotations

import builtins

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_list, parse_one, seg
from genpro_desktop.core.api.types import Agent, AgentDetail


class Agents(Resource):
    """The user's agents."""

    async def list(self, workspace_id: str | None = None) -> builtins.list[Agent]:
        """Agents the user can use, optionally only those of one workspace."""
        params = {"workspace_id": workspace_id} if workspace_id is not None else None
        return await self._base.request(
            "GET",
            "agents",
            kind=RequestKind.READ,
            parse=parse_list(Agent, "agents"),
            params=params,
        )

    async def get(self, agent_id: str) -> AgentDetail:
        """One agent in full (its organization_id leads to the credit balance)."""
        return await self._base.request(
            "GET",
            f"agents/{seg(agent_id)}",
            kind=RequestKind.READ,
            parse=parse_one(AgentDetail, "agent"),
        )
