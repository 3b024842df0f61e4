"""What a render is expected to cost, shown before it starts (single or batch).

In order: GEN's own price where the server gives one (`GET /pricing_configs`, read tolerantly;
GEN documents no estimate route), else the typical cost of the user's own recent renders (the
local history), else GEN's documented figure (about 50 credits for a 30 s video, gen-api.md 8.1
and 12.4). The answer always says which it is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from genpro_desktop.core.api import GenError
from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.jobs.view import credit_facts, job_title

if TYPE_CHECKING:
    from datetime import datetime

    from genpro_desktop.core.api import GenClient
    from genpro_desktop.core.renders import RowRenders

__all__ = [
    "DOCUMENTED_RENDER_CREDITS",
    "BatchQuestion",
    "CostEstimate",
    "RenderCostEstimator",
    "batch_question",
    "render_again_question",
    "settled_message",
]

logger = logging.getLogger("genpro_desktop.core.render_cost")

DOCUMENTED_RENDER_CREDITS = Decimal("50")

EstimateSource = Literal["gen", "history", "documented"]

TypicalCost = Callable[[JobKind], Awaitable[tuple[Decimal, int] | None]]
"""`Store.typical_execution_cost`: median cost of recent successful jobs and how many."""


@dataclass(frozen=True)
class CostEstimate:
    """Credits one render is expected to cost, and where the figure comes from."""

    credits: Decimal
    kind: EstimateSource
    sample: int = 0  # how many past renders the history figure is from

    @property
    def source(self) -> str:
        """Where the figure comes from, in words."""
        if self.kind == "gen":
            return "GEN estimate"
        if self.kind == "history":
            return f"your last {self.sample} renders"
        return "GEN's documented price"

    def total(self, count: int) -> Decimal:
        """Expected credits for `count` renders."""
        return self.credits * count

    def describe(self, count: int = 1) -> str:
        """E.g. "about 47.5 credits (your last 5 renders)"; for a batch, the total and each."""
        each = _text(self.credits)
        if count == 1:
            return f"about {each} credits ({self.source})"
        total = _text(self.total(count))
        return f"about {total} credits for {count} renders ({each} each, {self.source})"


class RenderCostEstimator:
    """Estimates render costs; GEN's price is asked once per estimator, then remembered."""

    def __init__(self, client: GenClient | None, typical_cost: TypicalCost | None) -> None:
        self._client = client
        self._typical_cost = typical_cost
        self._gen_price: Decimal | None = None
        self._asked_gen = False

    def set_client(self, client: GenClient | None) -> None:
        """Use a new API client (signed in again, other server): ask GEN again."""
        self._client = client
        self._gen_price = None
        self._asked_gen = False

    async def estimate(self) -> CostEstimate:
        """The expected cost of one render (never raises for a server that cannot say)."""
        price = await self._ask_gen()
        if price is not None:
            return CostEstimate(price, "gen")
        if self._typical_cost is not None:
            typical = await self._typical_cost(JobKind.RENDER)
            if typical is not None:
                cost, sample = typical
                return CostEstimate(cost, "history", sample)
        return CostEstimate(DOCUMENTED_RENDER_CREDITS, "documented")

    async def _ask_gen(self) -> Decimal | None:
        if self._client is None or self._asked_gen:
            return self._gen_price
        try:
            self._gen_price = await self._client.renders.price()
        except GenError as exc:
            # An estimate must not block a render: fall back, and ask again next time.
            logger.info("GEN's price list could not be read: %s", exc)
            return None
        self._asked_gen = True
        return self._gen_price


def render_again_question(
    row: RowRenders, estimate: CostEstimate, *, local_date: Callable[[datetime], str] | None = None
) -> str | None:
    """The question to ask before rendering a row that already has a finished video, else None.

    `local_date` formats GEN's time for the user (default: the date in ISO form, local time)."""
    video = row.latest_video
    if video is None:
        return None
    if video.created_at is None:
        since = "an earlier render"
    else:
        moment = video.created_at.astimezone()
        since = local_date(moment) if local_date is not None else moment.date().isoformat()
    return (
        f"This row already has a final video from {since}. "
        f"Render again for about {_text(estimate.credits)} credits?"
    )


ROWS_NAMED = 12
"""A batch question names this many rows, then says how many more."""


@dataclass(frozen=True)
class BatchQuestion:
    """The confirmation of a batch render: the question and what it will do to the balance."""

    text: str
    details: str
    balance_after: Decimal | None
    over_balance: bool  # the expected cost is more than the balance


def _rows_text(rows: list[int]) -> str:
    """ "rows 2, 3 and 5"; past `ROWS_NAMED`, "rows 1, 2, ... 12 and 8 more" (1-based)."""
    numbers = [str(row) for row in rows]
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if len(numbers) > ROWS_NAMED:
        return f"rows {', '.join(numbers[:ROWS_NAMED])} and {len(numbers) - ROWS_NAMED} more"
    return f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"


def batch_question(
    engine: str,
    rows: list[int],
    with_video: list[int],
    estimate: CostEstimate,
    balance: Decimal | None,
) -> BatchQuestion:
    """What the batch confirmation says: which rows (1-based), the expected cost, the balance
    after, and how many of the rows already have a final video (a new render makes a new take
    and costs again)."""
    count = len(rows)
    expected = estimate.total(count)
    text = f"Render {count} videos of {engine}: {_rows_text(rows)}?"
    lines = [f"Expected cost: {estimate.describe(count)}."]
    after: Decimal | None = None
    over = False
    if balance is None:
        lines.append("Balance after: unknown (GEN did not say what the balance is).")
    else:
        after = balance - expected
        over = after < 0
        if over:
            lines.append(
                f"Your balance is {_text(balance)} credits, less than that: GEN starts renders "
                "while credits last and refuses the rest (insufficient credits)."
            )
        else:
            lines.append(f"Balance after: about {_text(after)} credits (now {_text(balance)}).")
    if with_video:
        some = "it" if len(with_video) == 1 else "them"
        lines.append(
            f"Warning: {len(with_video)} of these rows already "
            f"{'has' if len(with_video) == 1 else 'have'} a final video "
            f"({_rows_text(with_video)}); rendering {some} again makes a new take and costs "
            "again."
        )
    lines.append(
        "GEN reserves each render's estimate when it starts and charges the real cost when it "
        "finishes; a failed or stopped render is refunded in full."
    )
    return BatchQuestion(text, "\n".join(lines), after, over)


def settled_message(jobs: list[LocalJob], balance: Decimal | None) -> str:
    """The status line once renders finished and the balance was read again:
    "Engine · row 3: charged 47.5 credits (reserved ~50) · balance 952.5 credits"."""
    shown = "unknown" if balance is None else f"{_text(balance)} credits"
    facts = [(job, credit_facts(job)) for job in jobs]
    if len(jobs) == 1:
        job, fact = facts[0]
        title = job_title(job)
        if fact is None:
            return f"{title}: {job.state.value} · balance {shown}"
        if fact.refunded:
            return f"{title} {job.state.value}: its reserved credits are refunded · balance {shown}"
        if fact.charged is None:
            return f"{title}: GEN did not report the cost · balance {shown}"
        held = f" (reserved ~{_text(fact.reserved)})" if fact.reserved is not None else ""
        return f"{title}: charged {_text(fact.charged)} credits{held} · balance {shown}"
    charged = sum((f.charged for _j, f in facts if f is not None and f.charged), Decimal(0))
    refunded = sum(1 for _j, f in facts if f is not None and f.refunded)
    unreported = sum(
        1 for j, f in facts if f is not None and f.charged is None and j.state is JobState.COMPLETED
    )
    parts = [f"{len(jobs)} renders finished: charged {_text(charged)} credits"]
    if refunded:
        parts.append(f"{refunded} refunded")
    if unreported:
        parts.append(f"{unreported} without a reported cost")
    return f"{', '.join(parts)} · balance {shown}"


def _text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
