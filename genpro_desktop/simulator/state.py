"""SimState: the operations behind each route, on top of the World's data and ledger.

Every method is thread-safe and returns a `Reply` (HTTP status + JSON body), so the aiohttp
handlers stay thin and tests can also drive the state directly.

Scripting outcomes (from a test):

    sim.state.script_render("failed", failed_reason="Layer 2 clip could not be fetched")
    sim.state.script_render(cost="60", done_s=30)          # slow, more expensive render
    sim.state.script_publish("failed", failed_reason="TikTok session expired", times=2)
    sim.state.set_balance(10)                              # next render: insufficient credits
    sim.state.usable_credit = False                        # 422 usable_gen_credit_required
    sim.state.active_credit_purchase = False               # 422 no_active_credit_purchase
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genpro_desktop.simulator.models import (
    RENDER_PRECHARGE,
    TERMINAL,
    PublishRec,
    PublishScript,
    RenderRec,
)
from genpro_desktop.simulator.publish import validate_publish_data
from genpro_desktop.simulator.wire import Wire, iso
from genpro_desktop.simulator.world import Reply, World, _as_int, error

__all__ = ["Reply", "SimState", "error"]


class SimState(World):
    """The simulated GEN account: discovery, sheets, renders, credits and publish jobs."""

    # -- discovery ---------------------------------------------------------------------

    def me(self) -> Reply:
        """GET /me."""
        user = dict(self._user)
        created = datetime.fromtimestamp(user.pop("created_at_s"), UTC)
        return Reply(200, {**user, "created_at": iso(created)})

    def workspaces(self) -> Reply:
        """GET /workspaces (ids as integers)."""
        with self._lock:
            return Reply(200, [{"id": o.id, "name": o.name} for o in self.org_records.values()])

    def agents(self, workspace_id: str | None = None) -> Reply:
        """GET /agents[?workspace_id]."""
        with self._lock:
            found = [
                Wire.agent_summary(a)
                for a in self.agent_records.values()
                if workspace_id is None or str(a.org_id) == workspace_id
            ]
            return Reply(200, found)

    def agent(self, agent_id: str) -> Reply:
        """GET /agents/{id}: 422 agent_not_found when unknown (as the OpenAPI says)."""
        with self._lock:
            agent = self._agent(agent_id)
            return agent if isinstance(agent, Reply) else Reply(200, Wire.agent_detail(agent))

    def organizations(self) -> Reply:
        """GET /organizations."""
        with self._tick():
            return Reply(200, [Wire.organization(o) for o in self.org_records.values()])

    def organization(self, org_id: str) -> Reply:
        """GET /organizations/{id}: 422 organization_not_found when unknown."""
        with self._tick():
            org = self.org_records.get(_as_int(org_id) or -1)
            if org is None:
                return error(422, "organization_not_found", "Organization not found")
            return Reply(200, Wire.organization(org))

    # -- sheets ------------------------------------------------------------------------

    def engines(self, agent_id: str | None) -> Reply:
        """GET /{prefix}?agent_id: the agent's engines without columns and rows."""
        with self._tick() as now:
            agent = self._usable_agent(agent_id)
            if isinstance(agent, Reply):
                return agent
            wire = self._wire(now)
            return Reply(
                200, [wire.engine_summary(self.engine_records[i]) for i in agent.engine_ids]
            )

    def engine(self, agent_id: str | None, engine_id: str, *, with_cost: bool = False) -> Reply:
        """GET /{prefix}/{sheet_id}?agent_id: the full sheet."""
        with self._tick() as now:
            sheet = self._sheet(agent_id, engine_id)
            if isinstance(sheet, Reply):
                return sheet
            return Reply(200, self._wire(now).engine(sheet, with_cost=with_cost))

    def cell(self, agent_id: str | None, engine_id: str, cell_id: str) -> Reply:
        """GET /{prefix}/{sheet_id}/cells/{cell_id}?agent_id (cell id as a string)."""
        with self._tick() as now:
            found = self._sheet_cell(agent_id, engine_id, cell_id)
            if isinstance(found, Reply):
                return found
            _, cell = found
            return Reply(200, self._wire(now).cell(cell, id_as_str=True))

    # -- renders -----------------------------------------------------------------------

    def render(
        self, agent_id: str | None, engine_id: str, cell_id: str, idempotency_key: str | None = None
    ) -> Reply:
        """POST /{prefix}/{sheet_id}/cells/{cell_id}/render: pre-charges and starts a render."""
        scope = f"render:{engine_id}:{cell_id}"
        with self._tick() as now:
            if replayed := self._replay(scope, idempotency_key, now):
                return replayed
            found = self._sheet_cell(agent_id, engine_id, cell_id)
            if isinstance(found, Reply):
                return found
            sheet, cell = found
            column = next(c for c in sheet.columns if c.id == cell.column_id)
            if column.role != "final_video":
                return error(422, "validation_error", "Only a final video cell can be rendered")
            org = self.org_records[self.agent_records[sheet.agent_id].org_id]
            generation_id = next(self._ids["generation"])
            if refused := self._charge(org, now, generation_id):
                return refused
            self.render_records[generation_id] = RenderRec(
                generation_id,
                org.id,
                sheet.id,
                cell.id,
                next(self._ids["output"]),
                now,
                now,
                self._next_render_script(),
            )
            cell.job_ids.append(generation_id)
            reply = Reply(201, {"generation_id": generation_id, "status": "pending"})
            return self._remember(scope, idempotency_key, now, reply)

    def generation(self, generation_id: str) -> Reply:
        """GET /generations/{id} (id as a string, as the OpenAPI types it)."""
        with self._tick() as now:
            render = self.render_records.get(_as_int(generation_id) or -1)
            if render is None:
                return error(404, "not_found", "Generation not found")
            return Reply(200, self._wire(now).generation(render))

    def stop(self, generation_id: str) -> Reply:
        """POST /generations/{id}/stop: full refund; 422 job_cannot_be_stopped once finished."""
        with self._tick() as now:
            render = self.render_records.get(_as_int(generation_id) or -1)
            if render is None:
                return error(404, "not_found", "Generation not found")
            if render.status(now) in TERMINAL:
                return error(
                    422,
                    "job_cannot_be_stopped",
                    f"This generation is already {render.status(now)} and cannot be stopped.",
                )
            render.stopped_at = now
            self._refund(render, now)
            return Reply(200, {"generation_id": str(render.id), "status": "stopped"})

    def continue_(self, generation_id: str, idempotency_key: str | None = None) -> Reply:
        """POST /generations/{id}/continue: only when stopped; charged again."""
        scope = f"continue:{generation_id}"
        with self._tick() as now:
            if replayed := self._replay(scope, idempotency_key, now):
                return replayed
            render = self.render_records.get(_as_int(generation_id) or -1)
            if render is None:
                return error(404, "not_found", "Generation not found")
            if render.status(now) != "stopped":
                return error(422, "validation_error", "Only a stopped generation can be continued.")
            if refused := self._charge(self.org_records[render.org_id], now, render.id):
                return refused
            render.script = self._next_render_script()
            render.start, render.stopped_at, render.settled = now, None, False
            render.precharge = RENDER_PRECHARGE
            reply = Reply(200, {"generation_id": str(render.id), "status": "pending"})
            return self._remember(scope, idempotency_key, now, reply)

    # -- publishing --------------------------------------------------------------------

    def create_user_job(
        self, agent_id: str | None, payload: Any, idempotency_key: str | None = None
    ) -> Reply:
        """POST /user_jobs?agent_id with {user_job_type: publish_content, data: "<json>"}."""
        with self._tick() as now:
            agent = self._agent(agent_id)
            if isinstance(agent, Reply):
                return agent
            scope = f"user_jobs:{agent.id}"
            if replayed := self._replay(scope, idempotency_key, now):
                return replayed
            if not isinstance(payload, dict):
                return error(422, "validation_error", "The request body must be a JSON object.")
            kind = payload.get("user_job_type")
            if kind != "publish_content":
                return error(422, "validation_error", f"Unsupported user_job_type {kind!r}.")
            if not self.active_credit_purchase:
                return error(
                    422, "no_active_credit_purchase", "Publishing needs an active credit purchase."
                )
            data, problems = validate_publish_data(payload.get("data"), self.clock.wall())
            if problems:
                body = error(422, "validation_error", "Validation failed: " + "; ".join(problems))
                return Reply(422, {**body.body, "details": problems})
            job_id = next(self._ids["user_job"])
            script = self._publish_scripts.popleft() if self._publish_scripts else PublishScript()
            post_id = script.post_id or f"74592341{job_id:05d}"
            self.publish_records[job_id] = PublishRec(job_id, agent.id, data, now, script, post_id)
            reply = Reply(201, {"user_job_id": job_id})
            return self._remember(scope, idempotency_key, now, reply)

    def user_job(self, agent_id: str | None, user_job_id: str) -> Reply:
        """GET /user_jobs/{id}?agent_id."""
        with self._tick() as now:
            agent = self._agent(agent_id)
            if isinstance(agent, Reply):
                return agent
            job = self.publish_records.get(_as_int(user_job_id) or -1)
            if job is None or job.agent_id != agent.id:
                return error(404, "not_found", "User job not found")
            return Reply(200, self._wire(now).user_job(job))
