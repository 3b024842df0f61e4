"""Credits in the CLI over the simulator (issue 19): `render`/`status`/`stop` and `jobs` show
GEN's reservation and how it was settled, next to the unchanged `execution_cost`."""

from __future__ import annotations

import json
from typing import Any

from clikit import Cli

from genpro_desktop.simulator import RENDER_COST, RENDER_PRECHARGE, Simulator

ENGINE = "9101"
FRESH_CELL = "41017"  # row 3 of engine 9101: never rendered


def _jobs(cli: Cli) -> list[dict[str, Any]]:
    listing = cli("jobs", "--all", "--json")
    assert listing.code == 0
    return [json.loads(line) for line in listing.out.splitlines() if line.strip()]


def test_a_completed_render_reports_the_reservation_and_the_charge(cli: Cli, sim: Simulator):
    before = sim.state.balance()
    obj = cli("render", ENGINE, FRESH_CELL, "--wait", "--json").only_json()
    assert obj["execution_cost"] == str(RENDER_COST)
    assert obj["credits"] == {
        "reserved": str(RENDER_PRECHARGE),
        "reserved_is_estimate": True,
        "charged": "47.5",
        "returned": "2.5",
        "refunded": False,
        "settled": True,
        "summary": "reserved ~50, charged 47.5",
    }
    # The simulator's ledger agrees: GEN held 50, gave 2.5 back.
    assert sim.state.balance() == before - RENDER_COST
    human = cli("status", obj["generation_id"])
    assert human.code == 0
    text = " ".join(human.out.split())
    assert "Cost 47.5 credits" in text
    assert "GEN reserved ~50 credits when the render started and charged 47.5" in text
    (row,) = [r for r in _jobs(cli) if r["remote_id"] == obj["generation_id"]]
    assert row["execution_cost"] == "47.5"  # unchanged field, still there
    assert row["credits"] == obj["credits"]


def test_a_stopped_render_says_it_was_refunded(cli: Cli, sim: Simulator):
    sim.state.script_render(pending_s=2, done_s=600)
    before = sim.state.balance()
    started = cli("render", ENGINE, FRESH_CELL, "--json").only_json()
    assert started["credits"]["summary"] == "reserved ~50"
    assert started["credits"]["settled"] is False
    stopped = cli("stop", started["generation_id"], "--json").only_json()
    assert stopped["status"] == "stopped"
    assert stopped["credits"]["refunded"] is True
    assert stopped["credits"]["charged"] == "0"
    assert sim.state.balance() == before  # GEN refunded the whole reservation
    # The local job learns it on its next tracking read.
    followed = cli("status", started["generation_id"], "--wait", "--json")
    assert followed.code == 1  # stopped
    assert followed.only_json()["credits"]["summary"] == "stopped: reserved ~50, refunded"
    (row,) = [r for r in _jobs(cli) if r["remote_id"] == started["generation_id"]]
    assert row["credits"]["summary"] == "stopped: reserved ~50, refunded"


def test_other_jobs_have_no_credits(cli: Cli, tmp_path: object):
    cli("render", ENGINE, FRESH_CELL, "--wait", "--download", f"{tmp_path}/", "--json")
    kinds = {str(r["kind"]): r["credits"] for r in _jobs(cli)}
    assert kinds["download"] is None
    assert kinds["render"] is not None
