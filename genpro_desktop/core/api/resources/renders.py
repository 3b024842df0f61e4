"""Rendering a row's final video: `POST /{prefix}/{engine}/cells/{cell}/render` (CHARGED)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from genpro_desktop.core.api._prefix import might_be_missing_route
from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.errors import APIStatusError
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

    async def price(self) -> Decimal | None:
        """GEN's current price of one render in credits, from `GET /pricing_configs`.

        GEN documents that route as its price list but not its shape (gen-api.md 12.1, 18), so
        the answer is searched for an entry naming a render (`remotion`, `render`) with a
        credits figure. None when the server has no such route or no entry reads as one.
        """
        try:
            payload = await self._base.request(
                "GET", "pricing_configs", kind=RequestKind.READ, parse=lambda raw: raw
            )
        except APIStatusError as exc:
            if might_be_missing_route(exc, allow_405=True):
                return None
            raise
        return _render_price(payload)


_NAME_KEYS = ("user_job_type", "job_type", "name", "key", "slug", "type", "action", "title")
_PRICE_KEYS = ("credits", "credit_cost", "credits_cost", "cost_credits", "price_credits", "cost")
_RENDER_WORDS = ("remotion", "render")


def _render_price(payload: object, depth: int = 0) -> Decimal | None:
    """The first credits figure of an entry naming a render, searched depth-first."""
    if depth > 6:
        return None
    if isinstance(payload, list):
        for item in cast(list[object], payload):
            found = _render_price(item, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(payload, dict):
        return None
    fields = cast(dict[str, Any], payload)
    for key, value in fields.items():
        # {"remotion": 50} or {"render": {"credits": 50}}
        if any(word in str(key).lower() for word in _RENDER_WORDS):
            direct = _credits(value)
            if direct is None and isinstance(value, dict):
                value_fields = cast(dict[str, Any], value)
                direct = next(
                    (c for k in _PRICE_KEYS if (c := _credits(value_fields.get(k))) is not None),
                    None,
                )
            if direct is not None:
                return direct
    names = " ".join(str(fields.get(k, "")) for k in _NAME_KEYS).lower()
    if any(word in names for word in _RENDER_WORDS):
        for key in _PRICE_KEYS:
            found = _credits(fields.get(key))
            if found is not None:
                return found
    for value in fields.values():
        if isinstance(value, dict | list):
            found = _render_price(cast(object, value), depth + 1)
            if found is not None:
                return found
    return None


def _credits(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number > 0 else None
