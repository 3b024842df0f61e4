"""The async GEN API client: httpx + pydantic, and nothing else from genpro_desktop.

Importing this package loads none of it: each public name's module is imported on first use
(PEP 562), so `from genpro_desktop.core.api import DEFAULT_BASE_URL` does not load httpx or
pydantic (the desktop app paints its window before it needs them). Still measured to matter:
see core/lazy_exports.py for the figures (first paint 2.2x a bare window lazily, 6-7x eagerly).
The resource groups (`core.api.resources`) are not re-exported: they are reached as the
client's attributes (`client.renders`, `client.schedule`, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from genpro_desktop.core.api._clock import Clock, SystemClock
    from genpro_desktop.core.api._constants import DEFAULT_BASE_URL
    from genpro_desktop.core.api._prefix import PREFIX_MEMORY, PathPrefix, PrefixMemory
    from genpro_desktop.core.api._retry import RequestKind, RetryPolicy, parse_retry_after
    from genpro_desktop.core.api._security import (
        RedactingFilter,
        Secret,
        install_redaction,
        is_loopback_host,
        validate_base_url,
    )
    from genpro_desktop.core.api.client import GenClient
    from genpro_desktop.core.api.errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        FieldProblem,
        GenError,
        InsufficientCreditsError,
        InvalidResponseError,
        JobCannotBeStoppedError,
        MissingAgentError,
        NotFoundError,
        OutcomeUnknownError,
        PermissionDeniedError,
        PlatformValidationError,
        RateLimitedError,
        ScheduleUnavailableError,
        ServerError,
        UnprocessableError,
        UnsafeURLError,
    )
    from genpro_desktop.core.api.schedule_types import (
        ConnectedAccount,
        ConnectedAccounts,
        NormalizedStatus,
        PlatformRules,
        PostPlatformStatus,
        PostUpdate,
        ScheduleCreated,
        ScheduledPost,
        SchedulePostRequest,
        UploadedAsset,
    )
    from genpro_desktop.core.api.types import (
        Agent,
        AgentDetail,
        Cell,
        Column,
        CreditBalance,
        CreditPlan,
        Engine,
        EngineSummary,
        Generation,
        JobStatus,
        Layer,
        Me,
        Organization,
        OutputResource,
        PublishContent,
        PublishJobCreated,
        RenderStarted,
        Row,
        StopResult,
        UserJob,
        Workspace,
    )

# Plain `sorted()` order (tests/test_architecture.py checks it), not ruff's isort-style order.
__all__ = [  # noqa: RUF022
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Agent",
    "AgentDetail",
    "AuthenticationError",
    "Cell",
    "Clock",
    "Column",
    "ConnectedAccount",
    "ConnectedAccounts",
    "CreditBalance",
    "CreditPlan",
    "DEFAULT_BASE_URL",
    "Engine",
    "EngineSummary",
    "FieldProblem",
    "GenClient",
    "GenError",
    "Generation",
    "InsufficientCreditsError",
    "InvalidResponseError",
    "JobCannotBeStoppedError",
    "JobStatus",
    "Layer",
    "Me",
    "MissingAgentError",
    "NormalizedStatus",
    "NotFoundError",
    "Organization",
    "OutcomeUnknownError",
    "OutputResource",
    "PREFIX_MEMORY",
    "PathPrefix",
    "PermissionDeniedError",
    "PlatformRules",
    "PlatformValidationError",
    "PostPlatformStatus",
    "PostUpdate",
    "PrefixMemory",
    "PublishContent",
    "PublishJobCreated",
    "RateLimitedError",
    "RedactingFilter",
    "RenderStarted",
    "RequestKind",
    "RetryPolicy",
    "Row",
    "ScheduleCreated",
    "SchedulePostRequest",
    "ScheduleUnavailableError",
    "ScheduledPost",
    "Secret",
    "ServerError",
    "StopResult",
    "SystemClock",
    "UnprocessableError",
    "UnsafeURLError",
    "UploadedAsset",
    "UserJob",
    "Workspace",
    "install_redaction",
    "is_loopback_host",
    "parse_retry_after",
    "validate_base_url",
]

# The submodule behind each public name (`__all__` lists the same names).
_SUBMODULES: dict[str, tuple[str, ...]] = {
    "_clock": ("Clock", "SystemClock"),
    "_constants": ("DEFAULT_BASE_URL",),
    "_prefix": ("PREFIX_MEMORY", "PathPrefix", "PrefixMemory"),
    "_retry": ("RequestKind", "RetryPolicy", "parse_retry_after"),
    "_security": (
        "RedactingFilter",
        "Secret",
        "install_redaction",
        "is_loopback_host",
        "validate_base_url",
    ),
    "client": ("GenClient",),
    "errors": (
        "APIConnectionError",
        "APIStatusError",
        "APITimeoutError",
        "AuthenticationError",
        "FieldProblem",
        "GenError",
        "InsufficientCreditsError",
        "InvalidResponseError",
        "JobCannotBeStoppedError",
        "MissingAgentError",
        "NotFoundError",
        "OutcomeUnknownError",
        "PermissionDeniedError",
        "PlatformValidationError",
        "RateLimitedError",
        "ScheduleUnavailableError",
        "ServerError",
        "UnprocessableError",
        "UnsafeURLError",
    ),
    "schedule_types": (
        "ConnectedAccount",
        "ConnectedAccounts",
        "NormalizedStatus",
        "PlatformRules",
        "PostPlatformStatus",
        "PostUpdate",
        "ScheduleCreated",
        "SchedulePostRequest",
        "ScheduledPost",
        "UploadedAsset",
    ),
    "types": (
        "Agent",
        "AgentDetail",
        "Cell",
        "Column",
        "CreditBalance",
        "CreditPlan",
        "Engine",
        "EngineSummary",
        "Generation",
        "JobStatus",
        "Layer",
        "Me",
        "Organization",
        "OutputResource",
        "PublishContent",
        "PublishJobCreated",
        "RenderStarted",
        "Row",
        "StopResult",
        "UserJob",
        "Workspace",
    ),
}
_HOME = {name: module for module, names in _SUBMODULES.items() for name in names}

# Outside TYPE_CHECKING so that type checkers resolve names only through the imports above.
# The same hooks as `core.lazy_exports` builds for the other core packages, written out here
# because the API client imports nothing from the rest of the project (test_architecture).
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """Import the submodule behind a public name on first use (PEP 562), then keep it."""
        module = _HOME.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
