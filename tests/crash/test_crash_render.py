"""SIGKILL `genpro render --wait` (a) while GEN holds the render POST, (b) right after the job id
was stored; then `genpro resume --wait`. Each scenario runs ITERATIONS times in one test.

Invariants: the intent is on disk before the POST; exactly one render POST per intent (counted
by Idempotency-Key in the simulator journal), never a second one from `resume`; a job whose POST
may or may not have been applied ends `outcome_unknown`, one with a stored id completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from crashkit import CELLS, ENGINE, Genpro, LoopReport, hold_variant, idempotency_keys, run_workers

from genpro_desktop.simulator import RENDER_DONE_S, faults

Lanes = Callable[[int], list[Genpro]]
ITERATIONS = 20
WORKERS = 2
RENDER_POST = r"/render$"


def test_kill_while_the_render_post_is_held(lanes: Lanes, report: LoopReport):
    workers = lanes(WORKERS)
    started = time.monotonic()

    def iteration(worker: int, index: int) -> None:
        genpro = workers[worker]
        sim = genpro.sim
        name = f"render-{index}"
        variant, action = hold_variant(index, name)
        sim.faults.add("POST", RENDER_POST, action)
        posts_before = sim.journal.count("POST", RENDER_POST)
        process = genpro.start("render", ENGINE, CELLS[index % len(CELLS)], "--wait", "--json")
        assert sim.faults.wait_held(name, timeout=30), f"{variant}: the POST never arrived"
        process.kill()
        # The intent was durable before the POST left: SUBMITTING, with its key, no GEN id.
        intent = genpro.newest("render")
        assert intent["state"] == "submitting", intent
        assert intent["remote_id"] is None
        assert intent["idempotency_key"]
        sim.faults.release(name, drop=variant == "hold_then_drop")
        assert sim.journal.wait_count("POST", RENDER_POST, posts_before + 1, timeout=30)

        resumed = genpro.run("resume", "--wait", "--json")
        assert resumed.code == 7, resumed.err  # an outcome is unknown: exit 7
        assert "Traceback" not in resumed.err
        by_id = {job["id"]: job for job in resumed.json_lines()}
        job = by_id[intent["id"]]
        assert job["state"] == "outcome_unknown", job
        assert "retry" in job["actions"]
        assert "genpro retry" in resumed.err  # the advice (stdout is JSON only)
        keys = idempotency_keys(sim, "POST", RENDER_POST)
        assert keys.count(intent["idempotency_key"]) == 1, variant  # resume never re-sent it
        assert len(keys) == posts_before + 1
        assert genpro.newest("render")["state"] == "outcome_unknown"

    run_workers(WORKERS, ITERATIONS, iteration)
    for genpro in workers:
        keys = idempotency_keys(genpro.sim, "POST", RENDER_POST)
        assert len(keys) == len(set(keys)), "a render intent was POSTed twice"
        report.posts += len(keys)
        report.processes += genpro.runs
    report.iterations = ITERATIONS
    report.seconds = time.monotonic() - started
    assert report.posts == ITERATIONS


def test_kill_after_the_job_id_was_stored(lanes: Lanes, report: LoopReport):
    workers = lanes(WORKERS)
    started = time.monotonic()

    def iteration(worker: int, index: int) -> None:
        genpro = workers[worker]
        sim = genpro.sim
        posts_before = sim.journal.count("POST", RENDER_POST)
        process = genpro.start("render", ENGINE, CELLS[index % len(CELLS)], "--wait", "--json")
        # Printed once submit_render returned, i.e. after the GEN id was saved.
        line = process.wait_for_line("Render started: generation")
        process.kill()
        stored = genpro.newest("render")
        assert stored["remote_id"]
        assert stored["remote_id"] in line
        assert stored["state"] in ("pending", "processing"), stored

        genpro.clock.advance(RENDER_DONE_S + 1)  # GEN finishes the render while nobody watches
        resumed = genpro.run("resume", "--wait", "--json")
        assert resumed.code == 0, resumed.err
        assert "Traceback" not in resumed.err
        job = {job["id"]: job for job in resumed.json_lines()}[stored["id"]]
        assert job["state"] == "completed", job
        assert job["output_url"].endswith(".mp4")
        assert job["remote_id"] == stored["remote_id"]
        keys = idempotency_keys(sim, "POST", RENDER_POST)
        assert keys.count(stored["idempotency_key"]) == 1
        assert len(keys) == posts_before + 1
        assert genpro.newest("render")["state"] == "completed"

    run_workers(WORKERS, ITERATIONS, iteration)
    for genpro in workers:
        keys = idempotency_keys(genpro.sim, "POST", RENDER_POST)
        assert len(keys) == len(set(keys)), "a render intent was POSTed twice"
        report.posts += len(keys)
        report.processes += genpro.runs
        assert all(job["state"] == "completed" for job in genpro.jobs())
    report.iterations = ITERATIONS
    report.seconds = time.monotonic() - started
    assert report.posts == ITERATIONS


def test_a_confirmed_retry_after_a_crash_reuses_the_idempotency_key(lanes: Lanes):
    """The user checks, then retries: GEN replays the render it already started (one charge)."""
    (genpro,) = lanes(1)
    sim = genpro.sim
    sim.faults.add("POST", RENDER_POST, faults.hold_after_apply("applied"))
    process = genpro.start("render", ENGINE, CELLS[2], "--wait", "--json")
    assert sim.faults.wait_held("applied", timeout=30)
    process.kill()
    sim.faults.release("applied")  # GEN started (and charged) it; the answer went nowhere
    assert sim.journal.wait_count("POST", RENDER_POST, 1, timeout=30)
    resumed = genpro.run("resume", "--json")
    assert resumed.code == 7, resumed.err
    intent = genpro.newest("render")
    assert intent["state"] == "outcome_unknown"

    refused = genpro.run("retry", intent["id"][:8], "--json")  # no terminal, no --yes
    assert refused.code == 2
    assert "--yes" in refused.err
    assert sim.journal.count("POST", RENDER_POST) == 1

    genpro.clock.advance(RENDER_DONE_S + 1)
    # No --wait here: a new wait reads GEN first after the poll plan's early check (~10 real
    # seconds); `resume --wait` below reads a known job at once. (`retry --wait` is covered
    # in-process on a fake clock by tests/cli/test_cli_jobs.py.)
    retried = genpro.run("retry", intent["id"][:8], "--yes", "--json")
    assert retried.code == 0, retried.err
    obj = retried.json_lines()[-1]
    keys = idempotency_keys(sim, "POST", RENDER_POST)
    assert keys == [intent["idempotency_key"]] * 2  # the same key: a replay, not a new render
    precharges = [e for e in sim.state.ledger() if e.kind == "precharge"]
    assert [e.generation_id for e in precharges] == [int(obj["generation_id"])]  # charged once

    finished = genpro.run("resume", "--wait", "--json")  # the replayed render is tracked to its end
    assert finished.code == 0, finished.err
    job = {job["id"]: job for job in finished.json_lines()}[intent["id"]]
    assert job["state"] == "completed", job
    assert job["remote_id"] == str(obj["generation_id"])
    assert genpro.newest("render")["state"] == "completed"
    assert sim.journal.count("POST", RENDER_POST) == 2  # resume sent nothing
