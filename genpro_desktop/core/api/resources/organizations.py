"""`GET /organizations` and `GET /organizations/{id}`: where the credit balance lives."""

from __future__ import annotations

import builtins

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_list, parse_one, seg
from genpro_desktop.core.api.types import Organization


class Organizations(Resource):
    """Organizations (workspaces) the user belongs to."""

    async def list(self) -> builtins.list[Organization]:
        """Every organization the user belongs to."""
        return await self._base.request(
            "GET",
            "organizations",
            kind=RequestKind.READ,
            parse=parse_list(Organization, "organizations"),
        )

    async def get(self, organization_id: str) -> Organization:
        """One organization, with `available_credit`."""
        return await self._base.request(
            "GET",
            f"organizations/{seg(organization_id)}",
            kind=RequestKind.READ,
            parse=parse_one(Organization, "organization"),
        )
