"""bench/startup.py keeps working: one tiny run of the app and of the bare window.

Checks the output's shape and that the benchmark's set-up reached the app (the seeded history is
shown, the large demo engine is the grid that was timed); it asserts no timings.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "startup.py"


def test_tiny_startup_run_prints_runs_summary_and_a_human_line() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--runs", "1", "--warmup", "0", "--jobs", "12", "--rows", "20", "--columns", "4"),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    *records, human = lines
    parsed = [json.loads(line) for line in records]
    assert all(record["bench"] == "startup" for record in parsed)
    app, bare, summary = parsed
    assert (app["target"], bare["target"]) == ("app", "bare")
    assert app["grid"] == [20, 4]
    assert app["jobs_shown"] == 12
    for key in ("first_paint_ms", "engine_population_ms", "engine_to_painted_ms"):
        assert app[key] > 0
    assert app["engine_asked_ms"] <= app["engine_populated_ms"] <= app["engine_painted_ms"]
    assert bare["first_paint_ms"] > 0
    assert summary["summary"] is True
    assert summary["engine"] == [20, 4]
    assert summary["history_jobs"] == 12
    assert {"QtCore", "QtGui", "QtWidgets"} <= set(summary["qt_modules"])
    assert summary["ratio"] == round(app["first_paint_ms"] / bare["first_paint_ms"], 2)
    assert isinstance(summary["goal_met"], bool)
    assert summary["bytecode"] == "cached"
    assert human.startswith("start-up (median of 1, bytecode cached):")
