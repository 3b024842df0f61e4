"""bench/responsiveness.py keeps working: a tiny run (N = 0 and 3, 1 s each), shape only.

The benchmark drives the real app against a simulator child process; this checks the output
lines and that the load really reached the app (renders active, a download job streaming), never
how late the heartbeat was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "responsiveness.py"
LATENESS_KEYS = ("p50_ms", "p99_ms", "max_ms", "mean_ms")


def test_a_tiny_run_prints_one_line_per_n_with_ratios_then_a_summary() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("GEN_API_KEY", None)
    done = subprocess.run(
        [sys.executable, str(BENCH), "--jobs", "0,3", "--seconds", "1", "--video-mib", "8"],
        capture_output=True,
        text=True,
        timeout=150,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *records, summary = done.stdout.strip().splitlines()
    lines = [json.loads(record) for record in records]
    assert [line["jobs"] for line in lines] == [0, 3]
    for line in lines:
        assert line["bench"] == "responsiveness"
        assert line["heartbeat_ms"] == 5
        assert line["samples"] > 50  # a 5 ms timer over about a second
        assert 0 <= line["p50_ms"] <= line["p99_ms"] <= line["max_ms"]
        assert all(isinstance(line[key], float) for key in LATENESS_KEYS)
        assert isinstance(line["goal_met"], bool)
        assert line["machine"]["qpa"] == "offscreen"
        # The download streamed as a real job the whole time and reported its progress.
        assert line["download_jobs_started"] >= 1
        assert line["download_progress_events"] >= 1
        assert line["download_mb_s"] > 0
    baseline, loaded = lines
    # The renders, and the download unless a tiny file just finished and is being restarted.
    assert baseline["active_jobs_in_panel"] in (0, 1)
    assert loaded["active_jobs_in_panel"] in (3, 4)
    assert loaded["renders_still_active"] == 3
    if baseline["p99_ms"] > 0:  # a ratio to zero is reported as null
        assert baseline["ratio_p99"] == 1.0
        assert loaded["ratio_p99"] == round(loaded["p99_ms"] / baseline["p99_ms"], 2)
    assert summary.startswith("heartbeat lateness")
    assert "N=0:" in summary
    assert "N=3:" in summary
