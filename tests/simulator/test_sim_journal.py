"""The request journal: what was asked, what was answered, and never the key itself."""

from __future__ import annotations

import httpx
import pytest
from simkit import AGENT, final_cell_id

from genpro_desktop.simulator import DEMO_API_KEY, ManualClock, Simulator, faults
from genpro_desktop.simulator.journal import MASK, Journal


def test_entries_record_the_request_and_the_status(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim_clock.advance(5)
    sim.journal.clear()
    body = {"user_job_type": "publish_content", "data": "{}"}
    api.post("/user_jobs", params=AGENT, json=body, headers={"Idempotency-Key": "k"})
    [entry] = sim.journal.requests
    assert (entry.method, entry.path, entry.status) == ("POST", "/v1/user_jobs", 422)
    assert entry.query == {"agent_id": "4711"}
    assert entry.body == '{"user_job_type":"publish_content","data":"{}"}'
    assert entry.headers["Idempotency-Key"] == "k"
    assert entry.sim_time == 5.0
    assert (entry.had_api_key, entry.api_key_ok, entry.fault, entry.is_cdn) == (
        True,
        True,
        None,
        False,
    )


def test_the_key_is_never_stored(api: httpx.Client, sim: Simulator) -> None:
    api.get("/me")
    api.get("/me", headers={"X-API-Key": "gen_pat_leaked_wrong_key"})
    api.get("/me", headers={"Authorization": "Bearer secret-jwt"})
    for entry in sim.journal.requests:
        text = repr(entry)
        assert DEMO_API_KEY not in text
        assert "gen_pat_leaked_wrong_key" not in text
        assert "secret-jwt" not in text
    assert sim.journal.requests[0].headers["X-API-Key"] == MASK
    assert [e.api_key_ok for e in sim.journal.requests] == [True, False, True]


def test_count_find_last_clear(api: httpx.Client, sim: Simulator) -> None:
    cell_id = final_cell_id(api)
    api.post(f"/vidsheet/9101/cells/{cell_id}/render", params=AGENT)
    api.post(f"/autocontentengine/9101/cells/{cell_id}/render", params=AGENT)
    assert sim.journal.count("POST", r"/render$") == 2
    assert sim.journal.count("post", r"/render$") == 2
    assert sim.journal.count("GET", r"/render$") == 0
    assert sim.journal.count() == len(sim.journal) == 3
    assert sim.journal.last("*", r"/render$").path.startswith("/v1/autocontentengine/")
    sim.journal.clear()
    assert sim.journal.count() == 0
    with pytest.raises(LookupError, match="render"):
        sim.journal.last("POST", r"/render$")


def test_faults_are_labelled(api: httpx.Client, sim: Simulator) -> None:
    sim.faults.add("GET", r"/me$", faults.status(429, retry_after=1))
    api.get("/me")
    entry = sim.journal.last("GET", r"/me$")
    assert (entry.status, entry.fault) == (429, "status(429)")


def test_route_level_404_is_journaled(api: httpx.Client, sim: Simulator) -> None:
    api.get("/nowhere")
    assert sim.journal.last().status == 404


def test_standalone_journal() -> None:
    journal = Journal()
    assert journal.requests == []
    assert journal.find() == []
