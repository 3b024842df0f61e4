"""`GET /workspaces`."""

from __future__ import annotations

import builtins

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_list
from genpro_desktop.core.api.types import Workspace


class Workspaces(Resource):
    """Workspaces the user owns or manages."""

    async def list(self) -> builtins.list[Workspace]:
        """Every workspace where the user is owner or manager."""
        return await self._base.request(
            "GET", "workspaces", kind=RequestKind.READ, parse=parse_list(Workspace, "workspaces")
        )
