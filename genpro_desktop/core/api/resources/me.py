"""`GET /me`: who the API key belongs to."""

from __future__ import annotations

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_one
from genpro_desktop.core.api.types import Me


class MeResource(Resource):
    """The key's user."""

    async def get(self) -> Me:
        """The user the API key belongs to (a cheap way to check the key)."""
        return await self._base.request("GET", "me", kind=RequestKind.READ, parse=_parse_me)


_parse_me = parse_one(Me, "user", "me")
