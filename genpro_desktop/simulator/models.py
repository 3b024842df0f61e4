"""In-memory records behind the simulator's wire objects, and the job timelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# Timelines on the simulator clock (seconds after the job was created or continued).
RENDER_PENDING_S = 2.0
RENDER_DONE_S = 8.0
PUBLISH_PENDING_S = 3.0
PUBLISH_DONE_S = 10.0

RENDER_PRECHARGE = Decimal("50")
RENDER_COST = Decimal("47.5")
DEFAULT_RENDER_FAILURE = "Render failed: a layer's media could not be fetched."
DEFAULT_PUBLISH_FAILURE = "TikTok rejected the post: the connected account needs to sign in again."

TERMINAL = frozenset({"completed", "failed", "stopped"})


@dataclass(frozen=True)
class LedgerEntry:
    """One change to an organization's generic credits (negative = spent)."""

    sim_time: float
    kind: str  # precharge | reconcile | refund | adjust
    amount: Decimal
    generation_id: int | None = None


@dataclass
class OrgRec:
    """A workspace/organization and its credits ledger."""

    id: int
    uuid: str
    name: str
    opening_generic: Decimal
    aura: Decimal
    ledger: list[LedgerEntry] = field(default_factory=list)

    @property
    def generic(self) -> Decimal:
        """Current generic balance: the opening balance plus every ledger entry."""
        return self.opening_generic + sum((e.amount for e in self.ledger), Decimal(0))


@dataclass
class AgentRec:
    """An agent; every sheet and user-job route is scoped by its id."""

    id: int
    name: str
    description: str
    org_id: int
    time_zone: str
    engine_ids: list[int] = field(default_factory=list)


@dataclass
class ColumnRec:
    """A sheet column."""

    id: int
    title: str
    type: str
    role: str | None
    position: int
    created_ms: int


@dataclass
class LayerRec:
    """A timeline layer of a video cell."""

    id: int
    name: str
    type: str
    position: int
    attributes: dict[str, Any]
    created_ms: int


@dataclass
class CellRec:
    """A row x column cell; final-video cells collect render generation ids in `job_ids`."""

    id: int
    column_id: int
    row_id: int
    engine_id: int
    value: str | None
    role: str | None
    created_ms: int
    layers: list[LayerRec] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    # The docs define no cell -> column field; one seeded engine leaves it out on purpose.
    expose_column_id: bool = True


@dataclass
class RowRec:
    """A sheet row (one video)."""

    id: int
    position: int
    created_ms: int
    cells: list[CellRec] = field(default_factory=list)


@dataclass
class EngineRec:
    """An Auto Content Engine sheet."""

    id: int
    agent_id: int
    title: str
    slug: str
    uuid: str
    is_default: bool
    created_s: int
    columns: list[ColumnRec] = field(default_factory=list)
    rows: list[RowRec] = field(default_factory=list)
    # Engines built from scratch may lack cell roles; the client must fall back to column order.
    cell_roles: bool = True


@dataclass(frozen=True)
class RenderScript:
    """How the next render (or continue) plays out; see `SimState.script_render`."""

    outcome: str = "completed"
    failed_reason: str | None = None
    cost: Decimal = RENDER_COST
    pending_s: float = RENDER_PENDING_S
    done_s: float = RENDER_DONE_S


@dataclass(frozen=True)
class PublishScript:
    """How the next publish job plays out; see `SimState.script_publish`."""

    outcome: str = "completed"
    failed_reason: str | None = None
    post_id: str | None = None
    pending_s: float = PUBLISH_PENDING_S
    done_s: float = PUBLISH_DONE_S


@dataclass
class RenderRec:
    """A render generation (`user_job_type` remotion) and its current attempt."""

    id: int
    org_id: int
    engine_id: int
    cell_id: int
    output_id: int
    created_at: float
    start: float
    script: RenderScript
    precharge: Decimal = RENDER_PRECHARGE
    stopped_at: float | None = None
    settled: bool = False

    def status(self, now: float) -> str:
        """The status at sim time `now` (stopped wins; otherwise by elapsed time)."""
        if self.stopped_at is not None:
            return "stopped"
        elapsed = now - self.start
        if elapsed < self.script.pending_s:
            return "pending"
        if elapsed < self.script.done_s:
            return "processing"
        return self.script.outcome

    def changed_at(self, now: float) -> float:
        """Sim time of the last status change as of `now`."""
        state = self.status(now)
        if state == "stopped" and self.stopped_at is not None:
            return self.stopped_at
        offsets = {"pending": 0.0, "processing": self.script.pending_s}
        return self.start + offsets.get(state, self.script.done_s)


@dataclass
class PublishRec:
    """A `publish_content` user job."""

    id: int
    agent_id: int
    data: dict[str, Any]
    created_at: float
    script: PublishScript
    post_id: str

    def status(self, now: float) -> str:
        """The status at sim time `now`."""
        elapsed = now - self.created_at
        if elapsed < self.script.pending_s:
            return "pending"
        if elapsed < self.script.done_s:
            return "processing"
        return self.script.outcome
