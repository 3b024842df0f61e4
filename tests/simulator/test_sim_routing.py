"""Authentication, path prefixes, route-level 404s, agent scoping and discovery routes."""

from __future__ import annotations

import httpx
import pytest
from simkit import AGENT, final_cell_id, http, sheet

from genpro_desktop.simulator import API_ROUTES, DEMO_API_KEY, ManualClock, Simulator

SAMPLE_VALUES = {
    "agent_id": "4711",
    "organization_id": "301",
    "sheet_id": "9101",
    "cell_id": "41005",
    "generation_id": "880001",
    "id": "1",
}
ROUTE_NOT_FOUND = {"status": 404, "error": "Not Found"}


def concrete(path: str, prefix: str = "vidsheet") -> str:
    path = path.replace("{prefix}", prefix)
    for name, value in SAMPLE_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
@pytest.mark.parametrize("key", [None, "gen_pat_wrong", ""])
def test_every_route_needs_the_key(
    anon: httpx.Client, sim: Simulator, method: str, path: str, key: str | None
) -> None:
    headers = {} if key is None else {"X-API-Key": key}
    response = anon.request(method, concrete(path), params=AGENT, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid or missing API key", "error_code": "unauthorized"}
    entry = sim.journal.last(method, r"^/v1/")
    assert entry.had_api_key is (key is not None)
    assert entry.api_key_ok is False


def test_a_custom_key() -> None:
    with (
        Simulator(api_key="gen_pat_other", clock=ManualClock()) as sim,
        http(base_url=sim.base_url) as client,
    ):
        assert client.get("/me", headers={"X-API-Key": DEMO_API_KEY}).status_code == 401
        assert client.get("/me", headers={"X-API-Key": "gen_pat_other"}).status_code == 200
        assert sim.api_key == "gen_pat_other"


def test_both_prefixes_serve_the_same_sheet(api: httpx.Client) -> None:
    assert sheet(api, prefix="vidsheet") == sheet(api, prefix="autocontentengine")


def test_a_disabled_prefix_is_a_route_level_404(clock: ManualClock) -> None:
    with (
        Simulator(clock=clock, prefixes={"autocontentengine"}) as sim,
        http(base_url=sim.base_url, headers={"X-API-Key": DEMO_API_KEY}) as client,
    ):
        for path in ("/vidsheet", "/vidsheet/9101", "/vidsheet/9101/cells/41005"):
            response = client.get(path, params=AGENT)
            assert response.status_code == 404
            assert response.json() == ROUTE_NOT_FOUND
        render = client.post("/vidsheet/9101/cells/41005/render", params=AGENT)
        assert render.json() == ROUTE_NOT_FOUND
        assert client.get("/autocontentengine/9101", params=AGENT).status_code == 200
        # Routing comes before authentication, as in Rails.
        assert client.get("/vidsheet/9101", headers={"X-API-Key": "nope"}).status_code == 404


def test_prefixes_can_be_switched_while_running(api: httpx.Client, sim: Simulator) -> None:
    sim.prefixes = {"vidsheet"}
    assert api.get("/autocontentengine/9101", params=AGENT).json() == ROUTE_NOT_FOUND
    sim.prefixes = {"vidsheet", "autocontentengine"}
    assert api.get("/autocontentengine/9101", params=AGENT).status_code == 200


def test_unknown_prefix_is_rejected() -> None:
    with pytest.raises(ValueError, match="prefix"):
        Simulator(prefixes={"sheets"})


def test_engine_list(api: httpx.Client) -> None:
    engines = api.get("/vidsheet", params=AGENT).json()
    assert [e["id"] for e in engines] == [9101, 9102, 9103]
    assert all("spreadsheet_rows" not in e for e in engines)
    assert [e["is_default"] for e in engines] == [True, False, False]


def test_list_route_off(clock: ManualClock) -> None:
    with (
        Simulator(clock=clock, list_route=False) as sim,
        http(base_url=sim.base_url, headers={"X-API-Key": DEMO_API_KEY}) as client,
    ):
        for prefix in ("vidsheet", "autocontentengine"):
            response = client.get(f"/{prefix}", params=AGENT)
            assert (response.status_code, response.json()) == (404, ROUTE_NOT_FOUND)
        assert client.get("/vidsheet/9101", params=AGENT).status_code == 200
        sim.list_route = True
        assert client.get("/vidsheet", params=AGENT).status_code == 200


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.mark.parametrize("path", ["/nothing", "/v2/me", "/", "/v1", "/v1/me/extra"])
def test_unknown_routes(anon: httpx.Client, sim: Simulator, path: str) -> None:
    response = anon.get(sim.base_url.removesuffix("/v1") + path)
    assert response.status_code == 404
    if path.startswith("/v1"):
        assert response.json() == ROUTE_NOT_FOUND


def test_wrong_method_is_a_route_level_404(api: httpx.Client) -> None:
    assert api.delete("/me").json() == ROUTE_NOT_FOUND


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/vidsheet"),
        ("GET", "/vidsheet/9101"),
        ("GET", "/vidsheet/9101/cells/41005"),
        ("POST", "/vidsheet/9101/cells/41005/render"),
        ("POST", "/user_jobs"),
        ("GET", "/user_jobs/1"),
    ],
)
@pytest.mark.parametrize("agent", [None, "9999", "abc", ""])
def test_agent_scoped_routes_need_a_known_agent(
    api: httpx.Client, method: str, path: str, agent: str | None
) -> None:
    params = {} if agent is None else {"agent_id": agent}
    response = api.request(method, path, params=params)
    assert response.status_code == 422
    assert response.json()["error_code"] == "agent_not_found"


def test_unknown_sheet_and_cell(api: httpx.Client) -> None:
    response = api.get("/vidsheet/424242", params=AGENT)
    assert (response.status_code, response.json()["error_code"]) == (404, "spreadsheet_not_found")
    response = api.get("/vidsheet/9101/cells/1", params=AGENT)
    assert (response.status_code, response.json()["error_code"]) == (404, "not_found")


def test_discovery(api: httpx.Client) -> None:
    me = api.get("/me").json()
    assert set(me) == {"id", "email", "name", "username", "created_at"}
    assert api.get("/workspaces").json() == [{"id": 301, "name": "Demo Studio"}]
    assert api.get("/agents").json() == [{"id": 4711, "name": "Demo Creator", "workspace_id": 301}]
    assert api.get("/agents", params={"workspace_id": "301"}).json()[0]["id"] == 4711
    assert api.get("/agents", params={"workspace_id": "999"}).json() == []
    agent = api.get("/agents/4711").json()
    assert (agent["id"], agent["organization_id"]) == ("4711", "301")
    assert agent["agent_setup_project_id"] == "9101"


def test_unknown_agent_and_organization_are_422(api: httpx.Client) -> None:
    response = api.get("/agents/1")
    assert (response.status_code, response.json()["error_code"]) == (422, "agent_not_found")
    response = api.get("/organizations/1")
    assert response.json()["error_code"] == "organization_not_found"


def test_with_execution_cost(api: httpx.Client) -> None:
    plain = sheet(api)
    assert "execution_cost" not in plain["spreadsheet_rows"][0]
    costed = api.get("/vidsheet/9101", params={**AGENT, "with_execution_cost": "true"}).json()
    first = costed["spreadsheet_rows"][0]
    assert first["execution_cost"] == "47.5"
    assert first["spreadsheet_cells"][4]["execution_cost"] == "47.5"
    assert first["spreadsheet_cells"][0]["execution_cost"] is None
    assert costed["spreadsheet_rows"][4]["execution_cost"] is None


def test_cell_route_matches_the_sheet(api: httpx.Client) -> None:
    cell_id = final_cell_id(api, row=0)
    cell = api.get(f"/autocontentengine/9101/cells/{cell_id}", params=AGENT).json()
    assert cell["cell_role"] == "final_video"
    assert cell["default_user_job"]["status"] == "completed"
