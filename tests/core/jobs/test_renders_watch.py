"""Renders started elsewhere join the tracker: RenderWatcher over real sockets (issue 18)."""

from __future__ import annotations

import asyncio
import gc
import warnings

import pytest
from jobs_harness import Harness

from genpro_desktop.core.jobs import JobKind, JobState
from genpro_desktop.core.jobs.view import job_title
from genpro_desktop.core.render_watch import RenderWatcher
from genpro_desktop.simulator import RENDER_COST, RENDER_PRECHARGE, faults


def watcher(harness: Harness, *engines: str, interval: float = 60.0) -> RenderWatcher:
    built = RenderWatcher(
        harness.client,
        harness.tracker,
        harness.scheduler,
        harness.clock,
        harness.store,
        agent_id="4711",
        interval=interval,
    )
    built.set_engines(engines or ("9101",))
    return built


def render_jobs(harness: Harness, remote_id: str) -> list[str]:
    return [
        j.id
        for j in harness.tracker.live_jobs()
        if j.kind is JobKind.RENDER and j.remote_id == remote_id
    ]


async def test_first_scan_adopts_running_renders_only_and_charges_nothing(harness: Harness):
    sim = harness.sim
    elsewhere = str(sim.state.start_render_elsewhere(9101, 4))
    balance = sim.state.balance()
    result = await watcher(harness).scan()
    # The seeded, finished takes of 9101 are history, not jobs; the running one is adopted.
    assert [job.remote_id for job in result.adopted] == [elsewhere]
    job = result.adopted[0]
    assert job.title == "TikTok Talking Avatar, row 4 render"
    # Named like a render started here: engine, row and the start of the row's text.
    assert (job.engine_id, job.engine_title, job.row_number) == ("9101", "TikTok Talking Avatar", 4)
    assert job.row_text
    assert job_title(job).startswith(f"TikTok Talking Avatar · row 4 · “{job.row_text[:10]}")
    done = await harness.settle(job.id)
    assert done.state is JobState.COMPLETED
    assert done.output_url
    assert done.execution_cost == RENDER_COST
    assert sim.journal.count("POST", r".") == 0  # adoption only reads
    # Only GEN's own settlement of that render moved credits; nothing of ours did.
    assert sim.state.balance() == balance + RENDER_PRECHARGE - RENDER_COST


async def test_a_render_that_appears_later_is_adopted_even_if_already_finished(
    harness: Harness,
):
    watch = watcher(harness, "9101", "9102")
    assert (await watch.scan()).adopted == []
    failed = str(harness.sim.state.start_render_elsewhere(9102, 4, outcome="failed"))
    harness.clock.sim_clock.advance(60)  # finished before the next scan
    adopted = (await watch.scan()).adopted
    assert [job.remote_id for job in adopted] == [failed]
    assert (await harness.settle(adopted[0].id)).state is JobState.FAILED
    assert (await watch.scan()).adopted == []  # seen once is enough
    assert render_jobs(harness, failed) == []  # finished: no longer live, but in the store
    assert await harness.store.find_by_remote(JobKind.RENDER, failed) is not None


async def test_our_own_render_is_not_tracked_twice(harness: Harness):
    watch = watcher(harness)
    await watch.scan()
    harness.sim.state.script_render(pending_s=2, done_s=600)  # still live at the second scan
    ours = await harness.submit(3)  # 9101 row 4
    assert ours.remote_id is not None
    result = await watch.scan()
    assert result.adopted == []
    assert render_jobs(harness, ours.remote_id) == [ours.id]


async def test_our_own_render_that_finished_between_scans_is_not_adopted(harness: Harness):
    watch = watcher(harness)
    await watch.scan()
    ours = await harness.submit(3)
    assert (await harness.settle(ours.id)).state is JobState.COMPLETED
    assert ours.remote_id is not None
    assert render_jobs(harness, ours.remote_id) == []  # finished: only in the store now
    assert (await watch.scan()).adopted == []


async def test_a_take_on_a_cell_with_an_unresolved_submission_of_ours_is_held_back(
    harness: Harness,
):
    watch = watcher(harness)
    await watch.scan()
    harness.sim.state.script_render(pending_s=2, done_s=600)  # still live at the last check
    harness.sim.faults.add("POST", r"/render$", faults.apply_then_status(502))
    ours = await harness.submit(3)  # created on GEN, but we never learnt its id
    assert ours.state is JobState.OUTCOME_UNKNOWN
    assert ours.remote_id is None
    result = await watch.scan()
    # GEN's new take may be that very render: adopting it would track it twice.
    assert result.adopted == []
    assert [take.cell_id for take in result.held_back] == [ours.cell_id]
    # Once the user resolves it (retry with the same key: GEN replays), nothing is doubled.
    retried = await harness.tracker.retry(ours.id)
    assert retried.remote_id is not None
    assert retried.remote_id == result.held_back[0].generation_id
    assert (await watch.scan()).adopted == []
    assert render_jobs(harness, retried.remote_id) == [ours.id]
    assert harness.posts_by_key(r"/render$") == {ours.idempotency_key: 2}


async def test_an_engine_that_cannot_be_read_is_reported_and_retried_next_scan(
    harness: Harness,
):
    watch = watcher(harness, "9101", "424242")
    result = await watch.scan()
    assert set(result.failed) == {"424242"}
    elsewhere = str(harness.sim.state.start_render_elsewhere(9101, 5))
    assert [j.remote_id for j in (await watch.scan()).adopted] == [elsewhere]


async def test_closing_an_engine_stops_watching_it(harness: Harness):
    watch = watcher(harness, "9101")
    await watch.scan()
    watch.set_engines([])
    harness.sim.state.start_render_elsewhere(9101, 5)
    before = harness.sim.journal.count("GET", r"/9101$")
    assert (await watch.scan()).adopted == []
    assert harness.sim.journal.count("GET", r"/9101$") == before


async def test_background_task_scans_on_its_cadence_and_stops_on_close(harness: Harness):
    watch = watcher(harness, "9101", interval=60.0)
    watch.start()
    watch.start()  # idempotent
    elsewhere = str(harness.sim.state.start_render_elsewhere(9101, 5))
    await asyncio.wait_for(harness.clock.until(harness.clock.now() + 150), 15)
    assert render_jobs(harness, elsewhere) or (
        await harness.store.find_by_remote(JobKind.RENDER, elsewhere)
    )
    await watch.aclose()
    assert not watch.running
    reads = harness.sim.journal.count("GET", r"/vidsheet/9101$")
    # One read per minute of (fake) time at most: no request storm.
    assert 1 <= reads <= harness.clock.now() / 60.0 + 1
    with pytest.raises(RuntimeError, match="closed"):
        watch.start()


async def test_without_a_sheet_generations_route_it_is_asked_once(harness: Harness):
    watch = watcher(harness)
    await watch.scan()
    elsewhere = str(harness.sim.state.start_render_elsewhere(9101, 4))
    assert [j.remote_id for j in (await watch.scan()).adopted] == [elsewhere]
    assert harness.sim.journal.count("GET", r"/9101/generations$") == 1


async def test_the_sheet_generations_route_adds_renders_once_and_only_renders(harness: Harness):
    sim = harness.sim
    cells = {
        row.position: {cell.column_id: cell.id for cell in row.cells}
        for row in sim.state.engine_records[9101].rows
    }
    columns = {c.role: c.id for c in sim.state.engine_records[9101].columns}
    in_cells = sim.state.start_render_elsewhere(9101, 4)  # listed by both
    other = sim.state.start_render_elsewhere(9102, 4)  # listed by the route only
    listing = {
        "generations": [
            {
                "id": in_cells,
                "status": "pending",
                "user_job_type": "remotion",
                "cell_id": cells[4][columns["final_video"]],
            },
            {"id": str(other), "status": "pending", "user_job_type": "remotion"},
            # A clip generation on the row's VIDEO cell: not a render, never adopted.
            {
                "id": 777001,
                "status": "processing",
                "user_job_type": "kling",
                "spreadsheet_cell_id": cells[4][columns["video"]],
            },
            {"status": "pending"},  # no id: skipped
        ]
    }
    sim.faults.add("GET", r"/9101/generations$", faults.status(200, listing), times=3)
    result = await watcher(harness).scan()
    assert sorted(j.remote_id or "" for j in result.adopted) == sorted([str(in_cells), str(other)])
    titles = {j.remote_id: j.title for j in result.adopted}
    assert titles[str(other)] == "TikTok Talking Avatar render"  # no row known for it
    assert titles[str(in_cells)] == "TikTok Talking Avatar, row 4 render"
    assert sim.journal.count("GET", r"/generations/777001$") == 0
    assert sim.journal.count("POST", r".") == 0


async def test_an_adopted_render_knows_its_engine_and_cell(harness: Harness):
    elsewhere = str(harness.sim.state.start_render_elsewhere(9101, 4))
    job = (await watcher(harness).scan()).adopted[0]
    assert job.remote_id == elsewhere
    assert job.engine_id == "9101"
    assert job.cell_id  # so the grid shows it on row 4's final-video cell
    stored = await harness.store.find_by_remote(JobKind.RENDER, elsewhere)
    assert stored is not None
    assert (stored.engine_id, stored.cell_id) == (job.engine_id, job.cell_id)


def test_start_without_a_running_loop_leaves_no_coroutine_behind(harness: Harness):
    # A Qt processEvents can step a GUI coroutine while the qasync loop is not running:
    # start() then refuses before `_run()` exists (asyncio.create_task(self._run()) created the
    # coroutine first and left it never awaited; Python warned at garbage collection).
    watch = watcher(harness)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="no running event loop"):
            watch.start()
        gc.collect()
    assert not watch.running
