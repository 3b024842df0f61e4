"""The sheet prefix against the simulator: fixed, auto with fallback, and remembered per URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import MakeClient, header

from genpro_desktop.core.api import NotFoundError, PrefixMemory
from genpro_desktop.simulator import ENGINE_IDS, ManualClock, Simulator, faults

ENGINE = str(ENGINE_IDS[0])


@pytest.fixture
def old_sim(sim_clock: ManualClock) -> Iterator[Simulator]:
    """A server that only knows the earlier `autocontentengine` prefix."""
    with Simulator(clock=sim_clock, prefixes={"autocontentengine"}) as simulator:
        yield simulator


def _paths(sim: Simulator) -> list[str]:
    return [f"{e.method} {e.path} {e.status}" for e in sim.journal.requests]


async def test_auto_falls_back_and_remembers_the_working_prefix(
    old_sim: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(old_sim.base_url)
    assert (await client.engines.get(ENGINE)).id == ENGINE
    assert _paths(old_sim) == [
        f"GET /v1/vidsheet/{ENGINE} 404",
        f"GET /v1/autocontentengine/{ENGINE} 200",
    ]
    assert memory.get(client.base_url) == "autocontentengine"
    old_sim.journal.clear()
    await client.engines.get(ENGINE)
    await client.engines.list()
    assert _paths(old_sim) == [
        f"GET /v1/autocontentengine/{ENGINE} 200",
        "GET /v1/autocontentengine 200",
    ]


async def test_memory_is_shared_by_clients_of_the_same_base_url_only(
    old_sim: Simulator, sim: Simulator, make_client: MakeClient
) -> None:
    await make_client(old_sim.base_url).engines.get(ENGINE)
    old_sim.journal.clear()
    await make_client(old_sim.base_url).engines.get(ENGINE)
    assert _paths(old_sim) == [f"GET /v1/autocontentengine/{ENGINE} 200"]
    await make_client(sim.base_url).engines.get(ENGINE)
    assert _paths(sim) == [f"GET /v1/vidsheet/{ENGINE} 200"]


async def test_a_stale_memory_falls_back_to_the_other_prefix(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(sim.base_url)
    memory.remember(client.base_url, "autocontentengine")
    sim.prefixes = {"vidsheet"}
    await client.engines.get(ENGINE)
    assert _paths(sim) == [
        f"GET /v1/autocontentengine/{ENGINE} 404",
        f"GET /v1/vidsheet/{ENGINE} 200",
    ]
    assert memory.get(client.base_url) == "vidsheet"


async def test_a_charged_render_falls_back_with_the_same_key_and_is_charged_once(
    old_sim: Simulator, make_client: MakeClient
) -> None:
    client = make_client(old_sim.base_url)
    engine = await client.engines.get(ENGINE)
    cell = engine.final_video_cell(engine.spreadsheet_rows[0])
    assert cell is not None
    old_sim.journal.clear()
    client.prefix_memory.clear()
    renders_before = len(old_sim.state.render_records)
    started = await client.renders.create(ENGINE, cell.id)
    posts = old_sim.journal.find("POST", r"/render$")
    assert [(p.path.split("/")[2], p.status) for p in posts] == [
        ("vidsheet", 404),
        ("autocontentengine", 201),
    ]
    assert header(posts[0], "Idempotency-Key") == header(posts[1], "Idempotency-Key")
    assert started.generation_id == str(old_sim.state.last_render_id)
    assert len(old_sim.state.render_records) == renders_before + 1
    assert old_sim.state.balance() == 450


async def test_spreadsheet_not_found_never_falls_back(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(sim.base_url)
    with pytest.raises(NotFoundError) as info:
        await client.engines.get("999999")
    assert info.value.error_code == "spreadsheet_not_found"
    assert not info.value.route_level
    assert _paths(sim) == ["GET /v1/vidsheet/999999 404"]
    assert memory.get(client.base_url) == "vidsheet"  # GEN's own error proves the route


async def test_a_fixed_prefix_is_used_as_is(
    sim: Simulator, old_sim: Simulator, make_client: MakeClient
) -> None:
    fixed = make_client(sim.base_url, path_prefix="autocontentengine")
    await fixed.engines.get(ENGINE)
    assert _paths(sim) == [f"GET /v1/autocontentengine/{ENGINE} 200"]
    wrong = make_client(old_sim.base_url, path_prefix="vidsheet")
    with pytest.raises(NotFoundError) as info:
        await wrong.engines.get(ENGINE)
    assert info.value.route_level
    assert "no such endpoint" in str(info.value)
    assert _paths(old_sim) == [f"GET /v1/vidsheet/{ENGINE} 404"]


async def test_no_prefix_served_at_all_is_a_route_level_not_found(
    sim_clock: ManualClock, make_client: MakeClient
) -> None:
    with Simulator(clock=sim_clock, prefixes=set()) as bare:
        client = make_client(bare.base_url)
        with pytest.raises(NotFoundError) as info:
            await client.cells.get(ENGINE, "1")
        assert info.value.route_level
        assert bare.journal.count("GET") == 2


async def test_a_missing_list_route_means_none(
    sim_clock: ManualClock, make_client: MakeClient
) -> None:
    with Simulator(clock=sim_clock, list_route=False) as no_list:
        client = make_client(no_list.base_url)
        assert await client.engines.list() is None
        assert _paths(no_list) == ["GET /v1/vidsheet 404", "GET /v1/autocontentengine 404"]
        assert (await client.engines.get(ENGINE)).id == ENGINE


async def test_a_405_on_the_list_route_also_means_none(
    sim: Simulator, make_client: MakeClient
) -> None:
    sim.faults.add("GET", r"^/v1/(vidsheet|autocontentengine)$", faults.status(405), times=2)
    assert await make_client(sim.base_url).engines.list() is None


async def test_an_html_404_from_a_proxy_counts_as_a_missing_route(
    sim: Simulator, make_client: MakeClient
) -> None:
    sim.faults.add("GET", r"^/v1/vidsheet/", faults.status(404, "<html>Not Found</html>"))
    assert (await make_client(sim.base_url).engines.get(ENGINE)).id == ENGINE
    assert _paths(sim)[-1] == f"GET /v1/autocontentengine/{ENGINE} 200"
