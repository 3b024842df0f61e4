"""`GenClient`: the async GEN API client (one httpx.AsyncClient per base URL)."""

from __future__ import annotations

import httpx

from genpro_desktop.core.api._base_client import BaseClient
from genpro_desktop.core.api._clock import Clock
from genpro_desktop.core.api._constants import DEFAULT_BASE_URL
from genpro_desktop.core.api._prefix import PathPrefix, PrefixMemory
from genpro_desktop.core.api._retry import RetryPolicy
from genpro_desktop.core.api._security import Secret
from genpro_desktop.core.api.errors import GenError, InvalidResponseError
from genpro_desktop.core.api.resources import (
    Agents,
    Cells,
    Engines,
    Generations,
    MeResource,
    Organizations,
    Renders,
    Schedule,
    UserJobs,
    Workspaces,
)
from genpro_desktop.core.api.types import CreditBalance


class GenClient:
    """The GEN API client; close it with `aclose()` or use it as an async context manager."""

    def __init__(
        self,
        *,
        api_key: str | Secret,
        base_url: str = DEFAULT_BASE_URL,
        agent_id: str | None = None,
        path_prefix: PathPrefix = "auto",
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        user_agent: str | None = None,
        prefix_memory: PrefixMemory | None = None,
        publish_base_url: str | None = None,
    ) -> None:
        """`publish_base_url`: where the schedule API lives when not on `base_url` (GEN's MCP
        uses https://python.gen.pro; the docs say the API base, which is the default)."""
        secret = api_key if isinstance(api_key, Secret) else Secret(api_key)
        _check_key(secret)

        def connect(url: str) -> BaseClient:
            """One connection pool; the publish API's, when it has its own base URL, shares
            everything else (key, agent, retry policy, prefix memory) with the main one."""
            return BaseClient(
                api_key=secret,
                base_url=url,
                agent_id=agent_id,
                path_prefix=path_prefix,
                transport=transport,
                retry=retry,
                clock=clock,
                user_agent=user_agent,
                prefix_memory=prefix_memory,
            )

        self._base = connect(base_url)
        self.me = MeResource(self._base)
        self.workspaces = Workspaces(self._base)
        self.agents = Agents(self._base)
        self.organizations = Organizations(self._base)
        self.engines = Engines(self._base)
        self.cells = Cells(self._base)
        self.generations = Generations(self._base)
        self.renders = Renders(self._base)
        self.user_jobs = UserJobs(self._base)
        self._publish: BaseClient | None = None
        if publish_base_url is not None and publish_base_url.rstrip("/") != self.base_url:
            self._publish = connect(publish_base_url)
        self.schedule = Schedule(self._base, self._publish, clock)

    @property
    def base_url(self) -> str:
        """The normalised API base URL, e.g. `https://api.gen.pro/v1`."""
        return self._base.base_url

    @property
    def agent_id(self) -> str | None:
        """The default agent for agent-scoped calls."""
        return self._base.agent_id

    @agent_id.setter
    def agent_id(self, value: str | None) -> None:
        """Change the default agent (None: agent-scoped calls need an explicit agent_id)."""
        self._base.agent_id = value

    @property
    def path_prefix(self) -> str:
        """The sheet prefix setting: auto, vidsheet or autocontentengine."""
        return self._base.path_prefix

    @property
    def prefix_memory(self) -> PrefixMemory:
        """Where the working sheet prefix is remembered per base URL."""
        return self._base.prefix_memory

    async def credit_balance(self, agent_id: str | None = None) -> CreditBalance:
        """The agent's workspace balance: agent -> organization -> available_credit (or credit)."""
        agent = await self.agents.get(self._base.resolve_agent(agent_id))
        if agent.organization_id is None:
            raise InvalidResponseError(
                f"GEN did not say which organization agent {agent.id} belongs to, "
                "so its credit balance is unknown."
            )
        organization = await self.organizations.get(agent.organization_id)
        if organization.available_credit is not None:
            return organization.available_credit
        if organization.credit is not None:
            return CreditBalance(generic=organization.credit)
        raise InvalidResponseError(
            f"GEN sent no credit balance for organization {organization.id}."
        )

    async def aclose(self) -> None:
        """Close the connection pool; the client cannot be used afterwards."""
        await self._base.aclose()
        if self._publish is not None:
            await self._publish.aclose()

    async def __aenter__(self) -> GenClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"GenClient(base_url={self.base_url!r})"


# GEN's keys are a few dozen characters; anything this long is a pasted file or the wrong text.
MAX_API_KEY_LENGTH = 512


def _check_key(secret: Secret) -> None:
    """Refuse a key that cannot be sent as a header value (empty, spaces, control chars) or
    that is far longer than any API key."""
    value = secret.reveal()
    if len(value) > MAX_API_KEY_LENGTH:
        raise GenError(
            f"The API key is {len(value):,} characters long, far more than a GEN key (at most "
            f"{MAX_API_KEY_LENGTH}); copy it again from gen.pro (Settings -> API Keys)."
        )
    if not value or any(not (0x21 <= ord(ch) <= 0x7E) for ch in value):
        raise GenError(
            "The API key is empty or contains spaces or unusual characters; "
            "copy it again from gen.pro (Settings -> API Keys)."
        )
