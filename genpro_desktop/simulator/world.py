"""The simulator's data, credits ledger, scripting and inspection (operations: state.py).

Job statuses are never stored: they are computed from the clock on each read, and the ledger
is settled lazily (`_tick`) before anything reads a balance or a job.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from genpro_desktop.simulator.clock import SimClock
from genpro_desktop.simulator.models import (
    DEFAULT_PUBLISH_FAILURE,
    DEFAULT_RENDER_FAILURE,
    PUBLISH_DONE_S,
    PUBLISH_PENDING_S,
    RENDER_COST,
    RENDER_DONE_S,
    RENDER_PENDING_S,
    RENDER_PRECHARGE,
    TERMINAL,
    AgentRec,
    CellRec,
    EngineRec,
    LedgerEntry,
    OrgRec,
    PublishRec,
    PublishScript,
    RenderRec,
    RenderScript,
)
from genpro_desktop.simulator.seed import AGENT_ID, ORG_ID, build_large_engine, build_seed
from genpro_desktop.simulator.wire import Wire

IDEMPOTENCY_TTL_S = 24 * 3600.0


@dataclass(frozen=True)
class Reply:
    """A handler result: HTTP status and JSON body; `replayed` marks an idempotent replay."""

    status: int
    body: Any
    replayed: bool = False


def error(status: int, code: str, message: str) -> Reply:
    """GEN's error body: {error, error_code}."""
    return Reply(status, {"error": message, "error_code": code})


def _as_int(raw: str | None) -> int | None:
    # isdigit() alone accepts "²" and other non-ASCII digits that int() rejects.
    if raw is None or not (raw.isascii() and raw.isdigit()):
        return None
    return int(raw)


class World:
    """Workspaces, agents, organizations (with credits), engines, renders and user jobs."""

    def __init__(self, clock: SimClock, seed: int = 7) -> None:
        self.clock = clock
        self._lock = threading.RLock()
        data = build_seed(seed, clock.now(), clock.wall().timestamp())
        self.org_records: dict[int, OrgRec] = data.orgs
        self.agent_records: dict[int, AgentRec] = data.agents
        self.engine_records: dict[int, EngineRec] = data.engines
        self.render_records: dict[int, RenderRec] = data.renders
        self.publish_records: dict[int, PublishRec] = {}
        self.uploads: set[str] = data.uploads
        self._user = data.user
        self._ids = data.ids
        self._render_scripts: deque[RenderScript] = deque()
        # Renders GEN's web app or MCP server starts later: (sim time, engine id, row, script).
        self._elsewhere: list[tuple[float, int, int, RenderScript]] = []
        self._publish_scripts: deque[PublishScript] = deque()
        self._idempotency: dict[tuple[str, str], tuple[float, Reply]] = {}
        self.cdn_base_url = "http://127.0.0.1/cdn"
        # When False every sheet route answers 422 usable_gen_credit_required, reads included.
        self.usable_credit = True
        # When False publishing answers 422 no_active_credit_purchase.
        self.active_credit_purchase = True
        # CDN content versions per media path ("outputs/render_7.mp4"); absent = version 1.
        self.media_versions: dict[str, int] = {}
        # Output URL versions per render; above 1 the URL carries "?v=N" and older URLs get 403.
        self.url_versions: dict[int, int] = {}
        # Big files served from disk (benchmarks): name -> path, at {cdn}/files/{name}.
        self.media_files: dict[str, Path] = {}
        # When set, every render's output URL serves this file instead of the sample MP4.
        self.render_output_file: Path | None = None

    # -- scripting (tests) -------------------------------------------------------------

    def add_large_engine(self, rows: int, columns: int) -> int:
        """Add a `rows` x `columns` engine, listed first for the demo agent (benchmarks)."""
        engine = build_large_engine(rows, columns, int(self.clock.wall().timestamp()))
        with self._lock:
            self.engine_records[engine.id] = engine
            self.agent_records[AGENT_ID].engine_ids.insert(0, engine.id)
        return engine.id

    def script_render(
        self,
        outcome: str = "completed",
        *,
        failed_reason: str | None = None,
        cost: Decimal | str | float | None = None,
        pending_s: float = RENDER_PENDING_S,
        done_s: float = RENDER_DONE_S,
        times: int = 1,
    ) -> None:
        """Queue how the next `times` renders (or continues) end; unscripted ones complete."""
        if outcome not in ("completed", "failed"):
            raise ValueError("a render can only be scripted to end 'completed' or 'failed'")
        if not 0 <= pending_s <= done_s:
            raise ValueError("need 0 <= pending_s <= done_s")
        reason = failed_reason or (DEFAULT_RENDER_FAILURE if outcome == "failed" else None)
        price = RENDER_COST if cost is None else Decimal(str(cost))
        script = RenderScript(outcome, reason, price, pending_s, done_s)
        with self._lock:
            self._render_scripts.extend([script] * times)

    def script_publish(
        self,
        outcome: str = "completed",
        *,
        failed_reason: str | None = None,
        post_id: str | None = None,
        pending_s: float = PUBLISH_PENDING_S,
        done_s: float = PUBLISH_DONE_S,
        times: int = 1,
    ) -> None:
        """Queue how the next `times` publish jobs end; unscripted ones complete."""
        if outcome not in ("completed", "failed"):
            raise ValueError("a publish job can only be scripted to end 'completed' or 'failed'")
        reason = failed_reason or (DEFAULT_PUBLISH_FAILURE if outcome == "failed" else None)
        script = PublishScript(outcome, reason, post_id, pending_s, done_s)
        with self._lock:
            self._publish_scripts.extend([script] * times)

    def start_render_elsewhere(
        self,
        engine_id: int | str,
        row: int = 1,
        *,
        outcome: str = "completed",
        cost: Decimal | str | float | None = None,
    ) -> int:
        """Start a render of row `row` (1-based) the way GEN's web app or MCP server would: not
        through the API client, charged like any render. Returns its generation id."""
        script = self._elsewhere_script(outcome, cost)
        with self._tick() as now:
            started = self._start_elsewhere(now, int(engine_id), row, script)
        if started is None:
            raise ValueError(f"engine {engine_id} row {row} cannot be rendered (or no credits)")
        return started

    def schedule_render_elsewhere(
        self, at_s: float, engine_id: int | str, row: int = 1, *, outcome: str = "completed"
    ) -> None:
        """Have a render start elsewhere at sim time `at_s` (the demo: a few minutes in)."""
        script = self._elsewhere_script(outcome, None)
        with self._lock:
            self._elsewhere.append((at_s, int(engine_id), row, script))
            self._elsewhere.sort(key=lambda planned: planned[0])

    def schedule_demo_renders_elsewhere(self) -> None:
        """The demo's renders started elsewhere while the app runs: two, a few minutes in."""
        now = self.clock.now()
        first, second = sorted(self.engine_records)[:2]
        self.schedule_render_elsewhere(now + 180.0, first, 3)
        self.schedule_render_elsewhere(now + 300.0, second, 3, outcome="failed")

    @staticmethod
    def _elsewhere_script(outcome: str, cost: Decimal | str | float | None) -> RenderScript:
        if outcome not in ("completed", "failed"):
            raise ValueError("a render can only end 'completed' or 'failed'")
        reason = DEFAULT_RENDER_FAILURE if outcome == "failed" else None
        price = RENDER_COST if cost is None else Decimal(str(cost))
        return RenderScript(outcome, reason, price)

    def _start_elsewhere(
        self, at: float, engine_id: int, row: int, script: RenderScript
    ) -> int | None:
        engine = self.engine_records.get(engine_id)
        if engine is None or not 1 <= row <= len(engine.rows):
            return None
        column = next((c for c in engine.columns if c.role == "final_video"), None)
        if column is None:
            return None
        cell = next((c for c in engine.rows[row - 1].cells if c.column_id == column.id), None)
        if cell is None:
            return None
        org = self.org_records[self.agent_records[engine.agent_id].org_id]
        generation_id = next(self._ids["generation"])
        if self._charge(org, at, generation_id) is not None:
            return None  # GEN refuses the web app too when the workspace is out of credits
        output_id = next(self._ids["output"])
        render = RenderRec(generation_id, org.id, engine.id, cell.id, output_id, at, at, script)
        self.render_records[generation_id] = render
        cell.job_ids.append(generation_id)
        return generation_id

    def clear_scripts(self) -> None:
        """Drop every queued render and publish script."""
        with self._lock:
            self._render_scripts.clear()
            self._publish_scripts.clear()

    # -- inspection (tests) ------------------------------------------------------------

    def balance(self, org_id: int = ORG_ID) -> Decimal:
        """The organization's generic credits now (settling jobs that finished)."""
        with self._tick():
            return self.org_records[org_id].generic

    def ledger(self, org_id: int = ORG_ID) -> list[LedgerEntry]:
        """Every credit movement so far, oldest first."""
        with self._tick():
            return list(self.org_records[org_id].ledger)

    def set_balance(self, generic: Decimal | str | float, org_id: int = ORG_ID) -> None:
        """Top up or drain the generic balance to exactly `generic` (an `adjust` entry)."""
        with self._tick() as now:
            org = self.org_records[org_id]
            delta = Decimal(str(generic)) - org.generic
            org.ledger.append(LedgerEntry(now, "adjust", delta))

    def render_status(self, generation_id: int | str) -> str:
        """The status a client would read for a generation now."""
        with self._tick() as now:
            return self.render_records[int(generation_id)].status(now)

    def user_job_status(self, user_job_id: int | str) -> str:
        """The status a client would read for a publish job now."""
        with self._tick() as now:
            return self.publish_records[int(user_job_id)].status(now)

    @property
    def last_render_id(self) -> int:
        """Id of the newest generation."""
        with self._lock:
            return max(self.render_records)

    def publish_data(self, user_job_id: int | str) -> dict[str, Any]:
        """The decoded `data` a publish job was created with."""
        with self._lock:
            return dict(self.publish_records[int(user_job_id)].data)

    def media_ready(self, generation_id: int | str) -> datetime | None:
        """When the render's output appeared on the CDN, or None if it has no output."""
        with self._tick() as now:
            render = self.render_records.get(_as_int(str(generation_id)) or -1)
            if render is None or render.status(now) != "completed":
                return None
            return self._wall_at(render.changed_at(now))

    def change_media(self, path: str) -> int:
        """Publish a new version of CDN file `path` (new bytes, ETag, Last-Modified); returns it."""
        with self._lock:
            version = self.media_versions.get(path, 1) + 1
            self.media_versions[path] = version
            return version

    def media_version(self, path: str) -> int:
        """The content version the CDN serves for `path` (1 until `change_media`)."""
        with self._lock:
            return self.media_versions.get(path, 1)

    def expire_output_url(self, generation_id: int | str) -> int:
        """Expire the render's output URL: old URLs answer 403, GETs hand out `?v=N+1`."""
        with self._lock:
            render_id = _as_int(str(generation_id)) or -1
            version = self.url_versions.get(render_id, 1) + 1
            self.url_versions[render_id] = version
            return version

    def url_version(self, generation_id: int | str) -> int:
        """The current output URL version of a render (1 = the plain URL)."""
        with self._lock:
            return self.url_versions.get(_as_int(str(generation_id)) or -1, 1)

    # -- internals ---------------------------------------------------------------------

    @contextmanager
    def _tick(self) -> Iterator[float]:
        """Hold the lock and settle the ledger for every job that ended by `now`."""
        with self._lock:
            now = self.clock.now()
            while self._elsewhere and self._elsewhere[0][0] <= now:
                at, engine_id, row, script = self._elsewhere.pop(0)
                self._start_elsewhere(at, engine_id, row, script)
            for render in self.render_records.values():
                if render.settled:
                    continue
                status = render.status(now)
                if status in TERMINAL:
                    refund = render.precharge
                    kind = "refund"
                    if status == "completed":
                        refund, kind = render.precharge - render.script.cost, "reconcile"
                    self.org_records[render.org_id].ledger.append(
                        LedgerEntry(render.changed_at(now), kind, refund, render.id)
                    )
                    render.settled = True
            yield now

    def _wall_at(self, sim_time: float) -> datetime:
        return self.clock.wall() - timedelta(seconds=self.clock.now() - sim_time)

    def _wire(self, now: float) -> Wire:
        return Wire(
            cdn_base_url=self.cdn_base_url,
            now=now,
            wall_at=self._wall_at,
            renders=self.render_records,
            url_versions=self.url_versions,
        )

    def _replay(self, scope: str, key: str | None, now: float) -> Reply | None:
        if not key:
            return None
        hit = self._idempotency.get((scope, key))
        if hit is None or now - hit[0] > IDEMPOTENCY_TTL_S:
            return None
        return replace(hit[1], replayed=True)

    def _remember(self, scope: str, key: str | None, now: float, reply: Reply) -> Reply:
        if key and 200 <= reply.status < 300:
            self._idempotency[(scope, key)] = (now, reply)
        return reply

    def _agent(self, agent_id: str | None) -> AgentRec | Reply:
        agent = self.agent_records.get(_as_int(agent_id) or -1)
        if agent is None:
            return error(422, "agent_not_found", "Agent not found")
        return agent

    def _usable_agent(self, agent_id: str | None) -> AgentRec | Reply:
        """The agent, when the engine endpoints may be used at all (GEN wants usable credit)."""
        agent = self._agent(agent_id)
        if isinstance(agent, Reply):
            return agent
        if not self.usable_credit:
            return error(
                422, "usable_gen_credit_required", "GEN credits are required to use the API."
            )
        return agent

    def _sheet(self, agent_id: str | None, engine_id: str) -> EngineRec | Reply:
        agent = self._usable_agent(agent_id)
        if isinstance(agent, Reply):
            return agent
        engine = self.engine_records.get(_as_int(engine_id) or -1)
        if engine is None or engine.id not in agent.engine_ids:
            return error(404, "spreadsheet_not_found", "Spreadsheet not found")
        return engine

    def _sheet_cell(
        self, agent_id: str | None, engine_id: str, cell_id: str
    ) -> tuple[EngineRec, CellRec] | Reply:
        """The engine and its cell `cell_id`, or GEN's refusal."""
        sheet = self._sheet(agent_id, engine_id)
        if isinstance(sheet, Reply):
            return sheet
        wanted = _as_int(cell_id)
        for row in sheet.rows:
            for cell in row.cells:
                if cell.id == wanted:
                    return sheet, cell
        return error(404, "not_found", "Cell not found")

    def _charge(self, org: OrgRec, now: float, generation_id: int) -> Reply | None:
        if org.generic < RENDER_PRECHARGE:
            return error(
                422,
                "insufficient_credits_for_job",
                f"Not enough credits for this job: {org.generic} available, "
                f"{RENDER_PRECHARGE} required.",
            )
        org.ledger.append(LedgerEntry(now, "precharge", -RENDER_PRECHARGE, generation_id))
        return None

    def _refund(self, render: RenderRec, now: float) -> None:
        """Give back the whole pre-charge (stop) and mark the render settled."""
        self.org_records[render.org_id].ledger.append(
            LedgerEntry(now, "refund", render.precharge, render.id)
        )
        render.settled = True

    def _next_render_script(self) -> RenderScript:
        return self._render_scripts.popleft() if self._render_scripts else RenderScript()
