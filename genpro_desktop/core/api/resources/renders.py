"""Rendering a row's final video: `POST /{prefix}/{engine}/cells/{cell}/render` (CHARGED)."""

from __future__ import annotations

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_one, seg
from genpro_desktop.core.api.types import RenderStarted


class Renders(Resource):
    """Final-video renders."""

    async def create(
        self,
        engine_id: str,
        cell_id: str,
        *,
        agent_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> RenderStarted:
        """Start rendering the final-video cell; charges credits. Never resent automatically."""
        agent = self._base.resolve_agent(agent_id)
        return await self._base.sheet_request(
            "POST",
            f"/{seg(engine_id)}/cells/{seg(cell_id)}/render",
            kind=RequestKind.CHARGED,
            parse=parse_one(RenderStarted, "generation"),
            agent_id=agent,
            idempotency_key=idempotency_key,
        )
