"""SIGKILL `genpro publish --wait` while GEN holds the publish POST; then `genpro resume --wait`.

Publishing is not idempotent on TikTok's side: a second POST is a second post. Invariants: the
intent is on disk before the POST; at most one publish POST per intent (journal, by
Idempotency-Key), none from `resume`; the job ends `outcome_unknown` (exit 7) for the user to
check; publishing the same post again is refused by the duplicate guard without a request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from crashkit import Genpro, LoopReport, hold_variant, idempotency_keys, run_workers

Lanes = Callable[[int], list[Genpro]]
ITERATIONS = 20
WORKERS = 2
PUBLISH_POST = r"/user_jobs$"
MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"


def _caption(index: int) -> str:
    return f"Crash test {index} #gen"


def test_kill_while_the_publish_post_is_held(lanes: Lanes, report: LoopReport):
    workers = lanes(WORKERS)
    started = time.monotonic()

    def iteration(worker: int, index: int) -> None:
        genpro = workers[worker]
        sim = genpro.sim
        name = f"publish-{index}"
        variant, action = hold_variant(index, name)
        sim.faults.add("POST", PUBLISH_POST, action)
        posts_before = sim.journal.count("POST", PUBLISH_POST)
        args = (
            "--legacy",
            "--media-url",
            MEDIA,
            "--description",
            _caption(index),
            "--wait",
            "--json",
        )
        process = genpro.start("publish", *args)
        assert sim.faults.wait_held(name, timeout=30), f"{variant}: the POST never arrived"
        process.kill()
        intent = genpro.newest("publish")
        assert intent["state"] == "submitting", intent
        assert intent["remote_id"] is None
        assert intent["idempotency_key"]
        sim.faults.release(name, drop=variant == "hold_then_drop")
        assert sim.journal.wait_count("POST", PUBLISH_POST, posts_before + 1, timeout=30)

        resumed = genpro.run("resume", "--wait", "--json")
        assert resumed.code == 7, resumed.err
        assert "Traceback" not in resumed.err
        job = {job["id"]: job for job in resumed.json_lines()}[intent["id"]]
        assert job["state"] == "outcome_unknown", job
        assert "Check TikTok" in resumed.err
        keys = idempotency_keys(sim, "POST", PUBLISH_POST)
        assert keys.count(intent["idempotency_key"]) == 1, variant
        assert len(keys) == posts_before + 1

    run_workers(WORKERS, ITERATIONS, iteration)
    for worker, genpro in enumerate(workers):
        # Trying the same post again is refused locally: nothing is sent.
        sim = genpro.sim
        before = sim.journal.count("POST", PUBLISH_POST)
        again = genpro.run(
            "publish", "--legacy", "--media-url", MEDIA, "--description", _caption(worker)
        )
        assert again.code == 2, again.err
        assert "--allow-duplicate" in again.err
        assert sim.journal.count("POST", PUBLISH_POST) == before
        keys = idempotency_keys(sim, "POST", PUBLISH_POST)
        assert len(keys) == len(set(keys)), "a publish intent was POSTed twice"
        report.posts += len(keys)
        report.processes += genpro.runs
    report.iterations = ITERATIONS
    report.seconds = time.monotonic() - started
    assert report.posts == ITERATIONS
