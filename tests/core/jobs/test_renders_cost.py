"""The expected cost of a render before it starts (issue 18): GEN, history, documented."""

from __future__ import annotations

from decimal import Decimal

from jobs_harness import Harness

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.render_cost import DOCUMENTED_RENDER_CREDITS, RenderCostEstimator
from genpro_desktop.simulator import faults


def estimator(harness: Harness) -> RenderCostEstimator:
    return RenderCostEstimator(harness.client, harness.store.typical_execution_cost)


async def render(harness: Harness, index: int, cost: str) -> None:
    harness.sim.state.script_render(cost=cost)
    job = await harness.submit(index)
    assert (await harness.settle(job.id)).state is JobState.COMPLETED


async def test_without_gen_price_or_history_the_documented_figure(harness: Harness):
    estimate = await estimator(harness).estimate()
    assert estimate.credits == DOCUMENTED_RENDER_CREDITS
    assert estimate.source == "GEN's documented price"
    assert estimate.describe() == "about 50 credits (GEN's documented price)"
    assert estimate.describe(4) == (
        "about 200 credits for 4 renders (50 each, GEN's documented price)"
    )
    # The simulator, like GEN's docs, has no price route: one read, refused as a missing route.
    assert harness.sim.journal.count("GET", r"/pricing_configs$") == 1
    assert harness.sim.journal.count("POST", r".") == 0


async def test_three_finished_renders_give_the_typical_cost(harness: Harness):
    await render(harness, 3, "40")
    await render(harness, 4, "47.5")
    two = await estimator(harness).estimate()
    assert two.kind == "documented"  # two renders are too few to say
    await render(harness, 8, "60")
    failed = harness.sim.state
    failed.script_render("failed")
    job = await harness.submit(9)
    assert (await harness.settle(job.id)).state is JobState.FAILED  # refunded: not a price
    estimate = await estimator(harness).estimate()
    assert (estimate.credits, estimate.sample) == (Decimal("47.5"), 3)
    assert estimate.source == "your last 3 renders"
    assert await harness.store.typical_execution_cost(JobKind.PUBLISH) is None


async def test_gen_price_wins_and_is_asked_once(harness: Harness):
    prices = {
        "pricing_configs": [
            {"name": "video_from_text", "credits": 250},
            {"user_job_type": "remotion", "credits": "45"},
        ]
    }
    harness.sim.faults.add("GET", r"/pricing_configs$", faults.status(200, prices), times=5)
    cost = estimator(harness)
    first = await cost.estimate()
    assert (first.credits, first.source) == (Decimal("45"), "GEN estimate")
    assert (await cost.estimate()).credits == Decimal("45")
    assert harness.sim.journal.count("GET", r"/pricing_configs$") == 1


async def test_a_price_list_without_a_render_entry_falls_back(harness: Harness):
    body = {"items": [{"name": "text", "credits": 3}, {"render_speed": "fast"}]}
    harness.sim.faults.add("GET", r"/pricing_configs$", faults.status(200, body))
    assert (await estimator(harness).estimate()).kind == "documented"


async def test_a_failing_price_route_never_blocks_the_estimate(harness: Harness):
    harness.sim.faults.add("GET", r"/pricing_configs$", faults.status(500), times=10)
    cost = estimator(harness)
    assert (await cost.estimate()).kind == "documented"
    # Not remembered as "no price": asked again next time, when the server may answer.
    harness.sim.faults.clear()
    harness.sim.faults.add("GET", r"/pricing_configs$", faults.status(200, {"remotion": 48}))
    assert (await cost.estimate()).credits == Decimal("48")
