"""One cell of an engine, with its layers and generation history."""

from __future__ import annotations

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_one, seg
from genpro_desktop.core.api.types import Cell


class Cells(Resource):
    """Cells of an engine."""

    async def get(self, engine_id: str, cell_id: str, agent_id: str | None = None) -> Cell:
        """One cell, including its current take and its take history."""
        agent = self._base.resolve_agent(agent_id)
        return await self._base.sheet_request(
            "GET",
            f"/{seg(engine_id)}/cells/{seg(cell_id)}",
            kind=RequestKind.READ,
            parse=parse_one(Cell, "spreadsheet_cell", "cell"),
            agent_id=agent,
        )
