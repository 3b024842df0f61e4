"""The answer for a path GEN has no route for, in each shape a GEN deployment might give."""

from __future__ import annotations

import httpx
import pytest
from simkit import AGENT

from genpro_desktop.simulator import UNKNOWN_ROUTE_SHAPES, ManualClock, Simulator


def _looks_like(response: httpx.Response, shape: str) -> None:
    assert response.status_code == 404
    kind = response.headers.get("Content-Type", "").split(";")[0]
    match shape:
        case "rails":
            assert response.json() == {"status": 404, "error": "Not Found"}
        case "not_found":
            assert response.json() == {"error": "Not Found", "error_code": "not_found"}
        case "html":
            assert kind == "text/html"
            assert response.text.startswith("<!DOCTYPE html>")
        case "text":
            assert kind == "text/plain"
            assert response.text == "Not Found"
        case "empty":
            assert response.content == b""
        case _:
            pytest.fail(f"no check for {shape}")


@pytest.mark.parametrize("shape", UNKNOWN_ROUTE_SHAPES)
def test_every_shape_for_unknown_paths_and_switched_off_prefixes(
    api: httpx.Client, sim: Simulator, shape: str
) -> None:
    sim.unknown_route = shape
    sim.prefixes = {"vidsheet"}
    sim.list_route = False
    _looks_like(api.get("/nope"), shape)
    _looks_like(api.delete("/me"), shape)
    _looks_like(api.get("/autocontentengine/9101", params=AGENT), shape)
    _looks_like(api.get("/vidsheet", params=AGENT), shape)
    # The routes that exist still answer as before, object lookups included.
    assert api.get("/vidsheet/9101", params=AGENT).status_code == 200
    missing = api.get("/vidsheet/9101/cells/1", params=AGENT)
    assert missing.json() == {"error": "Cell not found", "error_code": "not_found"}


def test_the_shape_is_set_at_construction_and_checked(sim_clock: ManualClock) -> None:
    with Simulator(clock=sim_clock, unknown_route="empty") as sim:
        assert sim.unknown_route == "empty"
        with pytest.raises(ValueError, match="unknown_route"):
            sim.unknown_route = "teapot"
        assert sim.unknown_route == "empty"
    with pytest.raises(ValueError, match="unknown_route"):
        Simulator(unknown_route="teapot")


def test_the_default_is_rails_json(api: httpx.Client, sim: Simulator) -> None:
    assert sim.unknown_route == "rails"
    _looks_like(api.get("/nope"), "rails")
