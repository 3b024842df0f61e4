"""GEN's schedule API (gen-api.md 11.1): multi-platform posts, their progress, edits, cancels.

All calls go through the client's one request path. The publishing host is unconfirmed (docs:
api.gen.pro/v1; GEN's MCP: python.gen.pro), so it is a separate base URL that defaults to the
API base. Uploads (`/social/upload_asset`) stay on the API base, where they are documented.

A server without the schedule API answers its routes with a route-level 404. Any 404 that is
not a schedule-specific refusal (GEN's own error_code, or a `detail` naming a platform) is
checked against `GET /schedule/platforms`: when that route is missing too, the call raises
`ScheduleUnavailableError` (nothing was applied; callers may fall back to `user_jobs`).
"""

from __future__ import annotations

import asyncio
import mimetypes
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from genpro_desktop.core.api._base_client import BaseClient
from genpro_desktop.core.api._clock import Clock, SystemClock
from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.errors import (
    APIStatusError,
    GenError,
    InvalidResponseError,
    NotFoundError,
    ScheduleUnavailableError,
)
from genpro_desktop.core.api.resources._common import parse_list, parse_one, seg
from genpro_desktop.core.api.schedule_types import (
    ConnectedAccounts,
    PlatformRules,
    PostUpdate,
    ScheduleCreated,
    ScheduledPost,
    SchedulePostRequest,
    UploadedAsset,
)

T = TypeVar("T")

# GEN refuses a list window longer than this (gen-api.md 3.6); longer ranges are stitched.
LIST_WINDOW_DAYS = 60
# How long the platform rules (and a missing schedule API) are remembered.
RULES_TTL_S = 3600.0
MAX_IDEMPOTENCY_KEY = 128
# The agent's connected accounts: no REST route is documented (gen-api.md 11.3); this one is
# probed, and a route-level refusal means "GEN does not say".
ACCOUNTS_PATH = "social/accounts"
_ACCOUNTS_ABSENT = frozenset({404, 405, 410, 501})
# error_codes a router or a generic lookup uses: such a 404 alone does not prove the route.
_GENERIC_404_CODES = frozenset({"not_found", "route_not_found", "routing_error", "no_route"})


def is_schedule_refusal(error: NotFoundError) -> bool:
    """True when a 404 is the schedule API's own answer (so the route certainly exists)."""
    code = error.error_code
    if code is not None and code.lower() not in _GENERIC_404_CODES:
        return True
    body = error.body or {}
    detail = body.get("detail")
    if isinstance(detail, dict):
        inner = cast(dict[str, Any], detail)
        return inner.get("platform") is not None or inner.get("post_id") is not None
    return False


def list_windows(start: date, end: date, days: int = LIST_WINDOW_DAYS) -> list[tuple[date, date]]:
    """Split [start, end] (both inclusive) into consecutive windows of at most `days` days."""
    if end < start:
        raise GenError(f"The end date {end} is before the start date {start}.")
    windows: list[tuple[date, date]] = []
    cursor = start
    while cursor <= end:
        last = min(cursor + timedelta(days=days - 1), end)
        windows.append((cursor, last))
        cursor = last + timedelta(days=1)
    return windows


class Schedule:
    """The schedule resource of `GenClient` (`client.schedule`)."""

    def __init__(
        self, base: BaseClient, publish: BaseClient | None = None, clock: Clock | None = None
    ) -> None:
        self._base = base
        self._publish = publish or base
        self._clock: Clock = clock or SystemClock()
        self._rules: tuple[float, PlatformRules] | None = None
        self._missing_since: float | None = None
        self._rules_lock = asyncio.Lock()

    @property
    def base_url(self) -> str:
        """Where the schedule routes are sent."""
        return self._publish.base_url

    # -- rules -------------------------------------------------------------------------

    async def platforms(self, *, refresh: bool = False) -> PlatformRules:
        """`GET /schedule/platforms` (no auth): GEN's live rules, cached for RULES_TTL_S."""
        async with self._rules_lock:
            now = self._clock.now()
            if not refresh and self._rules is not None and now - self._rules[0] < RULES_TTL_S:
                return self._rules[1]
            if (
                not refresh
                and self._missing_since is not None
                and now - self._missing_since < RULES_TTL_S
            ):
                raise self._unavailable(None)
            try:
                rules = await self._publish.request(
                    "GET",
                    "schedule/platforms",
                    kind=RequestKind.READ,
                    parse=PlatformRules.model_validate,
                )
            except NotFoundError as exc:
                self._missing_since = now
                raise self._unavailable(exc) from exc
            self._missing_since = None
            self._rules = (now, rules)
            return rules

    async def available(self) -> bool:
        """Whether this server has the schedule API (False: use the legacy user_jobs path)."""
        try:
            await self.platforms()
        except ScheduleUnavailableError:
            return False
        return True

    # -- posts -------------------------------------------------------------------------

    async def create(
        self,
        request: SchedulePostRequest,
        *,
        idempotency_key: str | None = None,
        timezone_offset_hours: int | None = None,
    ) -> ScheduleCreated:
        """`POST /schedule/with-post` (PUBLISH: never resent once it may have reached GEN).

        The Idempotency-Key (at most 128 characters) is the caller's, or a fresh one that is
        attached to any error raised (`exc.idempotency_key`) for a user-confirmed retry.
        """
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise GenError(
                f"An idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY} characters long."
            )
        body = request.to_body()
        body["agent_id"] = self._base.resolve_agent(request.agent_id)
        return await self._guard(
            lambda: self._publish.request(
                "POST",
                "schedule/with-post",
                kind=RequestKind.PUBLISH,
                parse=parse_one(ScheduleCreated),
                json_body=body,
                idempotency_key=idempotency_key,
                headers=_tz(timezone_offset_hours),
            )
        )

    async def get(
        self, post_id: str | int, *, timezone_offset_hours: int | None = None
    ) -> ScheduledPost:
        """`GET /schedule/post/{id}`: the post and each platform's progress."""
        return await self._guard(
            lambda: self._publish.request(
                "GET",
                f"schedule/post/{seg(post_id)}",
                kind=RequestKind.READ,
                parse=parse_one(ScheduledPost, "post", "data"),
                headers=_tz(timezone_offset_hours),
            )
        )

    async def list(
        self,
        start: date,
        end: date,
        *,
        agent_id: str | None = None,
        timezone_offset_hours: int | None = None,
    ) -> list[ScheduledPost]:
        """`GET /schedule/posts` over [start, end], in windows of at most 60 days, stitched.

        Posts are returned once each (a post seen in two windows is kept from the first),
        in the order GEN listed them.
        """
        agent = self._base.resolve_agent(agent_id)
        seen: dict[str, ScheduledPost] = {}
        for first, last in list_windows(start, end):
            params = {
                "agent_id": agent,
                "start_date": first.isoformat(),
                "end_date": last.isoformat(),
            }
            page = await self._guard(
                lambda params=params: self._publish.request(
                    "GET",
                    "schedule/posts",
                    kind=RequestKind.READ,
                    parse=parse_list(ScheduledPost, "posts"),
                    params=params,
                    headers=_tz(timezone_offset_hours),
                )
            )
            for post in page:
                seen.setdefault(post.id, post)
        return list(seen.values())

    async def edit(self, post_id: str | int, update: PostUpdate) -> ScheduledPost:
        """`PATCH /schedule/post/{id}`; GEN refuses once sent or for a `now` post (422).

        ACTION: not resent automatically once it may have reached GEN.
        """
        body = update.to_body()
        if not body:
            raise GenError("Nothing to change: the edit names no field.")
        return await self._guard(
            lambda: self._publish.request(
                "PATCH",
                f"schedule/post/{seg(post_id)}",
                kind=RequestKind.ACTION,
                parse=parse_one(ScheduledPost, "post", "data"),
                json_body=body,
            )
        )

    async def cancel(self, post_id: str | int) -> None:
        """`DELETE /schedule/post/{id}` (ACTION: not resent automatically)."""
        await self._guard(
            lambda: self._publish.request(
                "DELETE",
                f"schedule/post/{seg(post_id)}",
                kind=RequestKind.ACTION,
                parse=lambda _payload: None,
            )
        )

    # -- connected accounts ------------------------------------------------------------

    async def accounts(self, *, agent_id: str | None = None) -> ConnectedAccounts | None:
        """The agent's connected social accounts, or None when GEN does not say.

        The route is undocumented: a missing route (404, 405, 410, 501) or an answer naming no
        platform is None ("unknown"), never "nothing connected". 401/403 still raise.
        """
        agent = self._base.resolve_agent(agent_id)
        try:
            found = await self._base.request(
                "GET",
                ACCOUNTS_PATH,
                kind=RequestKind.READ,
                parse=ConnectedAccounts.model_validate,
                params={"agent_id": agent},
            )
        except APIStatusError as exc:
            if exc.status_code in _ACCOUNTS_ABSENT:
                return None
            raise
        except InvalidResponseError:
            return None  # an HTML page or text: whatever answered, it was not the accounts
        return found if found.known else None

    # -- assets ------------------------------------------------------------------------

    async def upload_asset(
        self, path: Path, *, agent_id: str | None = None, content_type: str | None = None
    ) -> UploadedAsset:
        """`POST /social/upload_asset` (multipart `file`, `agent_id`): a local video or cover.

        The returned `public_url` goes into `media_url` or `thumbnail_url`. ACTION: not resent
        once the upload may have reached GEN (a second copy would land in the agent's Assets).
        """
        agent = self._base.resolve_agent(agent_id)
        kind = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError as exc:
            raise GenError(f"Could not open {path.name} for upload: {exc.strerror}.") from exc
        try:
            result = await self._base.request(
                "POST",
                "social/upload_asset",
                kind=RequestKind.ACTION,
                parse=parse_one(UploadedAsset, "asset", "data"),
                multipart=({"agent_id": agent}, {"file": (path.name, handle, kind)}),
            )
        finally:
            await asyncio.to_thread(handle.close)
        if result.public_url is None:
            raise GenError("GEN accepted the upload but sent no URL for it.")
        return result

    # -- internals ---------------------------------------------------------------------

    async def _guard(self, call: Callable[[], Awaitable[T]]) -> T:
        """Run `call`; a 404 that proves the schedule routes are missing -> unavailable."""
        try:
            return await call()
        except NotFoundError as exc:
            if is_schedule_refusal(exc):
                raise
            try:
                await self.platforms()
            except ScheduleUnavailableError as missing:
                raise missing from exc
            except GenError:
                raise exc from None
            raise

    def _unavailable(self, cause: NotFoundError | None) -> ScheduleUnavailableError:
        return ScheduleUnavailableError(
            f"This GEN server ({self._publish.base_url}) has no schedule API; "
            "only the TikTok publish path (user_jobs) can be used.",
            status_code=404,
            error=None if cause is None else cause.error,
            error_code=None if cause is None else cause.error_code,
            body=None if cause is None else cause.body,
        )


def _tz(hours: int | None) -> Mapping[str, str] | None:
    return None if hours is None else {"X-Timezone-Offset": str(hours)}
