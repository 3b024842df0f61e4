"""GenClient against the simulator over a real socket: every resource method's happy path."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from api_helpers import MakeClient, header

from genpro_desktop.core.api import (
    GenClient,
    JobCannotBeStoppedError,
    JobStatus,
    MissingAgentError,
    NotFoundError,
    PublishContent,
)
from genpro_desktop.simulator import ENGINE_IDS, ManualClock, Simulator, faults

ENGINE = str(ENGINE_IDS[0])


async def _final_cell(client: GenClient) -> str:
    engine = await client.engines.get(ENGINE)
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    return cell.id


async def test_discovery_calls(client: GenClient, sim: Simulator) -> None:
    me = await client.me.get()
    assert me.id
    assert me.created_at is not None
    assert me.created_at.tzinfo is not None
    workspaces = await client.workspaces.list()
    assert [w.name for w in workspaces] == ["Demo Studio"]
    agents = await client.agents.list()
    assert [a.id for a in agents] == ["4711"]
    assert await client.agents.list(workspace_id=workspaces[0].id) == agents
    assert sim.journal.last("GET", r"/v1/agents$").query == {"workspace_id": workspaces[0].id}
    detail = await client.agents.get("4711")
    assert detail.organization_id == workspaces[0].id
    assert detail.agent_setup_project_id == ENGINE
    organizations = await client.organizations.list()
    assert [o.id for o in organizations] == [workspaces[0].id]
    organization = await client.organizations.get(workspaces[0].id)
    assert organization.available_credit is not None
    assert organization.available_credit.generic == Decimal(500)


async def test_every_request_carries_the_key_header_and_never_the_key_in_the_url(
    client: GenClient, sim: Simulator
) -> None:
    await client.me.get()
    await client.engines.list()
    for entry in sim.journal.requests:
        assert entry.had_api_key
        assert entry.api_key_ok
        assert "gen_pat" not in entry.path + json.dumps(entry.query)


async def test_credit_balance_follows_agent_to_organization(
    client: GenClient, sim: Simulator
) -> None:
    balance = await client.credit_balance()
    assert (balance.generic, balance.aura) == (Decimal(500), Decimal(120))
    paths = [e.path for e in sim.journal.requests]
    assert paths == ["/v1/agents/4711", "/v1/organizations/301"]


async def test_engines_and_cells(client: GenClient, sim: Simulator) -> None:
    listed = await client.engines.list()
    assert listed is not None
    assert [e.id for e in listed] == [str(i) for i in ENGINE_IDS]
    engine = await client.engines.get(ENGINE)
    assert engine.id == ENGINE
    assert [c.title for c in sorted(engine.spreadsheet_columns, key=lambda c: c.position or 0)][
        :3
    ] == ["TEXT 1", "TEXT 2", "PROMPT"]
    column = engine.final_video_column()
    assert column is not None
    assert column.title == "FINAL VIDEO"
    cell_id = await _final_cell(client)
    cell = await client.cells.get(ENGINE, cell_id)
    assert cell.id == cell_id
    for entry in sim.journal.requests:
        assert entry.path.startswith("/v1/vidsheet")
        assert entry.query == {"agent_id": "4711"}


async def test_render_poll_and_cost(
    client: GenClient, sim: Simulator, sim_clock: ManualClock
) -> None:
    cell_id = await _final_cell(client)
    started = await client.renders.create(ENGINE, cell_id)
    assert started.status is JobStatus.PENDING
    post = sim.journal.last("POST", r"/render$")
    assert post.query == {"agent_id": "4711"}
    assert uuid.UUID(header(post, "Idempotency-Key") or "")  # a uuid4 was generated
    pending = await client.generations.get(started.generation_id)
    assert pending.status is JobStatus.PENDING
    sim_clock.advance(9)
    done = await client.generations.get(started.generation_id)
    assert done.status is JobStatus.COMPLETED
    assert done.video_url
    assert done.video_url.endswith(".mp4")
    assert done.thumbnail_url
    assert done.execution_cost == Decimal("47.5")
    assert sim.journal.last("GET", r"/generations/").query == {}
    assert (await client.credit_balance()).generic == Decimal("452.5")


async def test_a_given_idempotency_key_is_sent_and_a_repeat_is_not_charged_twice(
    client: GenClient, sim: Simulator
) -> None:
    cell_id = await _final_cell(client)
    first = await client.renders.create(ENGINE, cell_id, idempotency_key="intent-42")
    again = await client.renders.create(ENGINE, cell_id, idempotency_key="intent-42")
    assert first.generation_id == again.generation_id
    keys = [header(e, "Idempotency-Key") for e in sim.journal.find("POST", r"/render$")]
    assert keys == ["intent-42", "intent-42"]
    assert (await client.credit_balance()).generic == Decimal(450)


async def test_stop_and_continue(client: GenClient, sim: Simulator, sim_clock: ManualClock) -> None:
    cell_id = await _final_cell(client)
    started = await client.renders.create(ENGINE, cell_id)
    stopped = await client.generations.stop(started.generation_id)
    assert (stopped.generation_id, stopped.status) == (started.generation_id, JobStatus.STOPPED)
    assert header(sim.journal.last("POST", r"/stop$"), "Idempotency-Key") is None
    resumed = await client.generations.continue_(started.generation_id, idempotency_key="c-1")
    assert (resumed.generation_id, resumed.status) == (started.generation_id, JobStatus.PENDING)
    assert header(sim.journal.last("POST", r"/continue$"), "Idempotency-Key") == "c-1"
    sim_clock.advance(9)
    with pytest.raises(JobCannotBeStoppedError) as info:
        await client.generations.stop(started.generation_id)
    assert "job_cannot_be_stopped" in str(info.value)
    assert sim.journal.count("POST", r"/stop$") == 2


async def test_publish_and_poll(client: GenClient, sim: Simulator, sim_clock: ManualClock) -> None:
    request = PublishContent(media_url=f"{sim.cdn_base_url}/outputs/x.mp4", description="Hi #gen")
    created = await client.user_jobs.create_publish(request)
    post = sim.journal.last("POST", r"/v1/user_jobs$")
    assert post.query == {"agent_id": "4711"}
    body = json.loads(post.body)
    assert body["user_job_type"] == "publish_content"
    assert isinstance(body["data"], str)
    assert json.loads(body["data"]) == request.to_data()
    assert header(post, "Idempotency-Key")
    job = await client.user_jobs.get(created.user_job_id)
    assert job.status is JobStatus.PENDING
    assert job.post_id is None
    sim_clock.advance(11)
    job = await client.user_jobs.get(created.user_job_id)
    assert job.status is JobStatus.COMPLETED
    assert job.post_id
    assert sim.journal.last("GET", r"/user_jobs/").query == {"agent_id": "4711"}


async def test_agent_scoped_calls_without_an_agent_fail_before_any_request(
    sim: Simulator, make_client: MakeClient
) -> None:
    client = make_client(sim.base_url, agent_id=None)
    calls = [
        client.engines.list(),
        client.engines.get(ENGINE),
        client.cells.get(ENGINE, "1"),
        client.renders.create(ENGINE, "1"),
        client.user_jobs.create_publish(PublishContent(media_url="u", description="d")),
        client.user_jobs.get("1"),
        client.credit_balance(),
    ]
    for call in calls:
        with pytest.raises(MissingAgentError, match="agent"):
            await call
    assert len(sim.journal) == 0
    client.agent_id = "4711"
    assert (await client.engines.get(ENGINE)).id == ENGINE


async def test_an_explicit_agent_overrides_the_default(
    sim: Simulator, make_client: MakeClient
) -> None:
    client = make_client(sim.base_url, agent_id="someone-else")
    engine = await client.engines.get(ENGINE, agent_id="4711")
    assert engine.id == ENGINE
    assert sim.journal.last().query == {"agent_id": "4711"}


async def test_an_unknown_status_is_kept_raw(client: GenClient, sim: Simulator) -> None:
    cell_id = await _final_cell(client)
    started = await client.renders.create(ENGINE, cell_id)
    sim.faults.add("GET", r"/generations/", faults.unknown_status("rendering_v2"))
    generation = await client.generations.get(started.generation_id)
    assert generation.status is JobStatus.UNKNOWN
    assert generation.raw_status == "rendering_v2"
    assert not generation.status.is_terminal


async def test_ids_with_path_characters_stay_one_segment(client: GenClient, sim: Simulator) -> None:
    # "../me" must reach the generation lookup (not_found), never resolve to /v1/me.
    with pytest.raises(NotFoundError) as info:
        await client.generations.get("../me")
    assert info.value.error_code == "not_found"
    assert sim.journal.count("GET", r"^/v1/me$") == 0
