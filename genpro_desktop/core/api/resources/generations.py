"""`/generations/{id}`: poll, stop and continue. These routes take no agent_id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from genpro_desktop.core.api._retry import RequestKind
from genpro_desktop.core.api.resources._common import Resource, parse_one, seg
from genpro_desktop.core.api.types import Generation, RenderStarted, StopResult

M = TypeVar("M", bound=BaseModel)


class Generations(Resource):
    """Generations (renders included)."""

    async def get(self, generation_id: str) -> Generation:
        """The generation's status, outputs and cost."""
        return await self._base.request(
            "GET",
            f"generations/{seg(generation_id)}",
            kind=RequestKind.READ,
            parse=parse_one(Generation, "generation"),
        )

    async def stop(self, generation_id: str) -> StopResult:
        """Ask GEN to stop the generation (refunds its pre-charge); re-read it to confirm."""
        return await self._base.request(
            "POST",
            f"generations/{seg(generation_id)}/stop",
            kind=RequestKind.ACTION,
            parse=_with_default_id(StopResult, generation_id),
        )

    async def continue_(
        self, generation_id: str, idempotency_key: str | None = None
    ) -> RenderStarted:
        """Continue a stopped generation; charged again."""
        return await self._base.request(
            "POST",
            f"generations/{seg(generation_id)}/continue",
            kind=RequestKind.CHARGED,
            parse=_with_default_id(RenderStarted, generation_id),
            idempotency_key=idempotency_key,
        )


def _with_default_id(model: type[M], generation_id: str) -> Callable[[object], M]:
    """Parse `model`, taking the generation id from the request when the body omits it."""
    inner = parse_one(model, "generation")

    def parse(payload: object) -> M:
        if payload is None:
            payload = {}
        if isinstance(payload, dict):
            fields = dict(cast(dict[str, Any], payload))
            if fields.get("generation_id") is None and fields.get("id") is None:
                fields["generation_id"] = generation_id
            payload = fields
        return inner(payload)

    return parse
