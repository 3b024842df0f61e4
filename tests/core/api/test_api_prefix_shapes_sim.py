"""Sheet prefix detection that does not depend on what GEN's 404 for a missing route looks like.

The simulator answers unknown routes in each shape GEN might use (Rails' JSON, a JSON error
with error_code "not_found", HTML, plain text, empty), and serves only one of the two prefixes.
In both directions the client must land on the served prefix, remember it, and not probe again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import MakeClient, header

from genpro_desktop.core.api import (
    AuthenticationError,
    GenClient,
    NotFoundError,
    PrefixMemory,
)
from genpro_desktop.simulator import (
    ENGINE_IDS,
    UNKNOWN_ROUTE_SHAPES,
    ManualClock,
    Simulator,
    faults,
)

ENGINE = str(ENGINE_IDS[0])
OTHER = {"vidsheet": "autocontentengine", "autocontentengine": "vidsheet"}
ROUTER_SHAPES = [s for s in UNKNOWN_ROUTE_SHAPES if s != "not_found"]


@pytest.fixture(params=UNKNOWN_ROUTE_SHAPES)
def shape(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["autocontentengine", "vidsheet"])
def served(request: pytest.FixtureRequest) -> str:
    """The only prefix the server has."""
    return request.param


@pytest.fixture
def one_prefix(sim_clock: ManualClock, shape: str, served: str) -> Iterator[Simulator]:
    with Simulator(clock=sim_clock, prefixes={served}, unknown_route=shape) as simulator:
        yield simulator


def _paths(sim: Simulator) -> list[str]:
    return [f"{e.method} {e.path} {e.status}" for e in sim.journal.requests]


def _wrong_guess_first(client: GenClient, memory: PrefixMemory, served: str) -> None:
    """Make the client try the prefix the server does not have first: `vidsheet` is tried first
    anyway; for the other direction, a saved snapshot from earlier names `autocontentengine`."""
    if served == "vidsheet":
        memory.load({client.base_url: "autocontentengine"})
    assert memory.confirmed(client.base_url) is None


async def test_auto_finds_the_served_prefix_whatever_the_404_looks_like(
    one_prefix: Simulator, served: str, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(one_prefix.base_url)
    _wrong_guess_first(client, memory, served)
    assert (await client.engines.get(ENGINE)).id == ENGINE
    assert _paths(one_prefix) == [
        f"GET /v1/{OTHER[served]}/{ENGINE} 404",
        f"GET /v1/{served}/{ENGINE} 200",
    ]
    assert memory.confirmed(client.base_url) == served
    # Confirmed: a 404 for a missing cell is GEN's answer, not a reason to probe again.
    one_prefix.journal.clear()
    with pytest.raises(NotFoundError) as info:
        await client.cells.get(ENGINE, "1")
    assert info.value.error_code == "not_found"
    await client.engines.get(ENGINE)
    await client.engines.list()
    assert _paths(one_prefix) == [
        f"GET /v1/{served}/{ENGINE}/cells/1 404",
        f"GET /v1/{served}/{ENGINE} 200",
        f"GET /v1/{served} 200",
    ]


async def test_a_charged_render_finds_the_served_prefix_and_is_charged_once(
    one_prefix: Simulator, served: str, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(one_prefix.base_url, path_prefix=served)
    engine = await client.engines.get(ENGINE)
    cell = engine.final_video_cell(engine.spreadsheet_rows[3])
    assert cell is not None
    await client.aclose()
    client = make_client(one_prefix.base_url)
    _wrong_guess_first(client, memory, served)
    one_prefix.journal.clear()
    renders = len(one_prefix.state.render_records)
    balance = one_prefix.state.balance()
    started = await client.renders.create(ENGINE, cell.id)
    posts = one_prefix.journal.find("POST", r"/render$")
    assert [(p.path.split("/")[2], p.status) for p in posts] == [
        (OTHER[served], 404),
        (served, 201),
    ]
    assert header(posts[0], "Idempotency-Key") == header(posts[1], "Idempotency-Key")
    assert started.generation_id == str(one_prefix.state.last_render_id)
    assert len(one_prefix.state.render_records) == renders + 1
    assert one_prefix.state.balance() == balance - 50
    assert memory.confirmed(client.base_url) == served


@pytest.mark.parametrize("served", ["vidsheet"])
async def test_unconfirmed_a_missing_cell_is_checked_once_and_gens_lookup_error_is_raised(
    one_prefix: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(one_prefix.base_url)
    with pytest.raises(NotFoundError) as info:
        await client.cells.get(ENGINE, "1")
    assert info.value.error_code == "not_found"
    assert info.value.error == "Cell not found"
    assert _paths(one_prefix) == [
        f"GET /v1/vidsheet/{ENGINE}/cells/1 404",
        f"GET /v1/autocontentengine/{ENGINE}/cells/1 404",
    ]
    assert memory.confirmed(client.base_url) is None  # two 404s prove nothing


@pytest.mark.parametrize("code", ["spreadsheet_not_found", "project_not_found"])
async def test_a_sheet_refusal_is_final_and_confirms_the_prefix(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory, code: str
) -> None:
    sim.unknown_route = "not_found"
    sim.faults.add("GET", r"^/v1/vidsheet/", faults.status(404, {"error": "x", "error_code": code}))
    client = make_client(sim.base_url)
    with pytest.raises(NotFoundError) as info:
        await client.engines.get(ENGINE)
    assert info.value.error_code == code
    assert _paths(sim) == [f"GET /v1/vidsheet/{ENGINE} 404"]
    assert memory.confirmed(client.base_url) == "vidsheet"


async def test_a_missing_list_route_is_none_and_is_not_reprobed_once_confirmed(
    sim_clock: ManualClock, shape: str, make_client: MakeClient
) -> None:
    with Simulator(clock=sim_clock, list_route=False, unknown_route=shape) as no_list:
        client = make_client(no_list.base_url)
        assert await client.engines.list() is None
        assert _paths(no_list) == ["GET /v1/vidsheet 404", "GET /v1/autocontentengine 404"]
        await client.engines.get(ENGINE)
        no_list.journal.clear()
        assert await client.engines.list() is None
        assert _paths(no_list) == ["GET /v1/vidsheet 404"]


async def test_a_401_neither_switches_nor_confirms_a_prefix(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(sim.base_url, api_key="gen_pat_wrong")
    with pytest.raises(AuthenticationError):
        await client.engines.get(ENGINE)
    assert _paths(sim) == [f"GET /v1/vidsheet/{ENGINE} 401"]
    assert memory.confirmed(client.base_url) is None


async def test_a_confirmed_prefix_takes_a_coded_404_at_its_word(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory
) -> None:
    client = make_client(sim.base_url)
    await client.engines.get(ENGINE)
    sim.unknown_route = "not_found"
    sim.prefixes = {"autocontentengine"}
    sim.journal.clear()
    with pytest.raises(NotFoundError):
        await client.engines.get(ENGINE)
    assert _paths(sim) == [f"GET /v1/vidsheet/{ENGINE} 404"]
    assert memory.confirmed(client.base_url) == "vidsheet"


@pytest.mark.parametrize("router_shape", ROUTER_SHAPES)
async def test_a_confirmed_prefix_that_disappears_is_left_on_a_404_in_the_routers_shape(
    sim: Simulator, make_client: MakeClient, memory: PrefixMemory, router_shape: str
) -> None:
    client = make_client(sim.base_url)
    await client.engines.get(ENGINE)
    sim.unknown_route = router_shape
    sim.prefixes = {"autocontentengine"}
    sim.journal.clear()
    assert (await client.engines.get(ENGINE)).id == ENGINE
    assert _paths(sim) == [
        f"GET /v1/vidsheet/{ENGINE} 404",
        f"GET /v1/autocontentengine/{ENGINE} 200",
    ]
    assert memory.confirmed(client.base_url) == "autocontentengine"
