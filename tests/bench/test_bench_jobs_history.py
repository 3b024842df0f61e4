"""bench/jobs_history.py still runs: a tiny run (two small histories, one round) checks the JSON
lines' shape; no timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "jobs_history.py"


def test_a_tiny_history_run_times_the_cli_and_the_session_reads_at_both_sizes() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "10", "40", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *records, human = done.stdout.strip().splitlines()
    lines = [json.loads(record) for record in records]
    assert all(line["bench"] == "jobs_history" for line in lines)
    assert [(line["kind"], line["jobs"]) for line in lines[:4]] == [
        ("filled", 10),
        ("filled", 40),
        ("run", 10),
        ("run", 40),
    ]
    for run in lines[2:4]:
        assert run["ms"]["cli_jobs"] > 0
        assert run["ms"]["panel_history"] >= 0
        assert run["ms"]["total"] >= run["ms"]["active_jobs"]
    summary = lines[-1]
    assert summary["kind"] == "summary"
    assert summary["sizes"] == [10, 40]
    assert set(summary["ratios"]) >= {"cli_jobs", "cli_jobs_json", "total"}
    assert isinstance(summary["goal_met"], bool)
    assert human.startswith("history 10 -> 40 jobs, median of 1: cli_jobs ")
