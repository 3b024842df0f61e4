"""SIGKILL `genpro publish --wait` while GEN holds the schedule-API create POST; then
`genpro resume --wait`.

A post is not idempotent on the platforms' side: a second create is a second post. Invariants:
the intent (with its Idempotency-Key) is on disk before the POST; exactly one create POST per
intent (journal, by key), none from `resume`; the post ends `outcome_unknown` (exit 7) with
what to check; the same post again is refused by the duplicate guard without a request.
"""

from __future__ import annotations

from collections.abc import Callable

from crashkit import HOLD_VARIANTS, Genpro, LoopReport, hold_variant, idempotency_keys

Lanes = Callable[[int], list[Genpro]]
CREATE = r"/schedule/with-post$"
MEDIA = "https://cdn.gen.pro/outputs/render_880001.mp4"


def _args(index: int) -> tuple[str, ...]:
    return (
        "--media-url",
        MEDIA,
        "--description",
        f"Crash post {index} #gen",
        "--platform",
        "tiktok,instagram",
        "--tiktok-privacy",
        "public",
    )


def test_kill_while_the_create_post_is_held(lanes: Lanes, report: LoopReport):
    (genpro,) = lanes(1)
    sim = genpro.sim
    for index, variant in enumerate(HOLD_VARIANTS):
        name = f"post-{index}"
        _, action = hold_variant(index, name)
        sim.faults.add("POST", CREATE, action)
        before = sim.journal.count("POST", CREATE)
        process = genpro.start("publish", *_args(index), "--wait", "--json")
        assert sim.faults.wait_held(name, timeout=30), f"{variant}: the POST never arrived"
        process.kill()
        intent = genpro.newest("post")
        assert intent["state"] == "submitting", intent
        assert intent["remote_id"] is None
        assert intent["idempotency_key"]
        assert [p["platform"] for p in intent["post_platforms"]] == ["tiktok", "instagram"]
        sim.faults.release(name, drop=variant == "hold_then_drop")
        assert sim.journal.wait_count("POST", CREATE, before + 1, timeout=30)

        resumed = genpro.run("resume", "--wait", "--json")
        assert resumed.code == 7, resumed.err
        assert "Traceback" not in resumed.err
        job = {job["id"]: job for job in resumed.json_lines()}[intent["id"]]
        assert job["state"] == "outcome_unknown", job
        assert "may or may not have been queued" in resumed.err
        assert f"genpro retry {intent['id'][:8]}" in resumed.err
        keys = idempotency_keys(sim, "POST", CREATE)
        assert keys.count(intent["idempotency_key"]) == 1, variant
        assert len(keys) == before + 1
        report.posts += 1

        again = genpro.run("publish", *_args(index))
        assert again.code == 2, again.err
        assert "--allow-duplicate" in again.err
        assert sim.journal.count("POST", CREATE) == before + 1
    report.iterations = len(HOLD_VARIANTS)
    report.processes = genpro.runs
