"""The credits ledger: pre-charge, reconcile, refunds, insufficient credits."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from simkit import AGENT, balance, render_id, start_render

from genpro_desktop.simulator import ManualClock, Simulator


def test_opening_balance_is_served_as_numbers(api: httpx.Client) -> None:
    org = api.get("/organizations/301").json()
    assert org["available_credit"] == {"generic": 500, "aura": 120}
    assert org["credit"] == 500
    assert api.get("/organizations").json() == [org]


def test_precharge_then_reconcile_to_the_actual_cost(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    assert balance(api) == 450
    sim_clock.advance(7.9)
    assert balance(api) == 450
    sim_clock.advance(0.1)
    assert balance(api) == 452.5
    assert [(e.kind, e.amount, e.generation_id) for e in sim.state.ledger()] == [
        ("precharge", Decimal(-50), generation_id),
        ("reconcile", Decimal("2.5"), generation_id),
    ]
    assert sim.state.balance() == Decimal("452.5")


def test_the_ledger_settles_without_anyone_polling_the_generation(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    render_id(api)
    render_id(api, row=4)
    sim_clock.advance(60)
    assert sim.state.balance() == Decimal(405)


def test_a_costlier_render_charges_the_difference(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.state.script_render(cost=60)
    render_id(api)
    sim_clock.advance(8)
    assert balance(api) == 440


def test_failed_render_is_refunded_in_full(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    sim.state.script_render("failed")
    generation_id = render_id(api)
    sim_clock.advance(8)
    assert balance(api) == 500
    assert api.get(f"/generations/{generation_id}").json()["execution_cost"] == "0.0"
    assert [e.kind for e in sim.state.ledger()] == ["precharge", "refund"]


def test_stopped_render_is_refunded_and_continue_charges_again(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    sim_clock.advance(3)
    api.post(f"/generations/{generation_id}/stop")
    assert balance(api) == 500
    sim_clock.advance(10)
    assert balance(api) == 500  # a stopped render never reconciles later
    api.post(f"/generations/{generation_id}/continue")
    assert balance(api) == 450
    sim_clock.advance(8)
    assert balance(api) == 452.5
    kinds = [e.kind for e in sim.state.ledger()]
    assert kinds == ["precharge", "refund", "precharge", "reconcile"]


def test_insufficient_credits_refuse_the_render_without_charging(
    api: httpx.Client, sim: Simulator
) -> None:
    sim.state.set_balance("49.5")
    before = sim.state.last_render_id
    response = start_render(api)
    assert response.status_code == 422
    assert response.json()["error_code"] == "insufficient_credits_for_job"
    assert balance(api) == 49.5
    assert sim.state.last_render_id == before


def test_exactly_the_precharge_is_enough(api: httpx.Client, sim: Simulator) -> None:
    sim.state.set_balance(50)
    assert start_render(api).status_code == 201
    assert balance(api) == 0
    refused = start_render(api, row=4)
    assert refused.json()["error_code"] == "insufficient_credits_for_job"


def test_continue_with_insufficient_credits(
    api: httpx.Client, sim: Simulator, sim_clock: ManualClock
) -> None:
    generation_id = render_id(api)
    api.post(f"/generations/{generation_id}/stop")
    sim.state.set_balance(10)
    response = api.post(f"/generations/{generation_id}/continue")
    assert (response.status_code, response.json()["error_code"]) == (
        422,
        "insufficient_credits_for_job",
    )
    sim_clock.advance(8)
    assert api.get(f"/generations/{generation_id}").json()["status"] == "stopped"


def test_set_balance_records_an_adjustment(sim: Simulator) -> None:
    sim.state.set_balance(1000)
    assert sim.state.balance() == 1000
    assert sim.state.ledger()[-1].kind == "adjust"


def test_seeded_renders_do_not_touch_the_opening_balance(sim: Simulator) -> None:
    assert sim.state.ledger() == []
    assert sim.state.balance() == 500


@pytest.mark.parametrize(
    "path", ["/vidsheet", "/vidsheet/9101", "/autocontentengine/9101/cells/41005"]
)
def test_no_usable_credit_blocks_sheet_reads(api: httpx.Client, sim: Simulator, path: str) -> None:
    sim.state.usable_credit = False
    response = api.get(path, params=AGENT)
    assert (response.status_code, response.json()["error_code"]) == (
        422,
        "usable_gen_credit_required",
    )
    assert api.get("/organizations/301").status_code == 200
