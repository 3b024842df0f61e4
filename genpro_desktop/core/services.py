"""The composition root: builds the core services once and closes them in reverse order."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from genpro_desktop.core.api import DEFAULT_BASE_URL, GenClient, PathPrefix, Secret
from genpro_desktop.core.downloads import Downloader


@dataclass
class AppServices:
    """Every long-lived core service the GUI and the CLI share."""

    client: GenClient
    downloader: Downloader
    _closed: bool = field(default=False, init=False)

    async def aclose(self) -> None:
        """Close services in the reverse order of construction; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.downloader.aclose()
        finally:
            await self.client.aclose()


def build_services(
    *,
    api_key: str | Secret,
    base_url: str = DEFAULT_BASE_URL,
    agent_id: str | None = None,
    path_prefix: PathPrefix = "auto",
    transport: httpx.AsyncBaseTransport | None = None,
) -> AppServices:
    """Build the API client and the credential-free downloader for one signed-in session."""
    client = GenClient(
        api_key=api_key,
        base_url=base_url,
        agent_id=agent_id,
        path_prefix=path_prefix,
        transport=transport,
    )
    return AppServices(client=client, downloader=Downloader())
