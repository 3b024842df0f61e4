"""bench/jobs_frames.py keeps working: one tiny run; its output's shape, no timings judged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "jobs_frames.py"


def test_tiny_jobs_frames_run_prints_every_mode_and_a_summary() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--renders", "12", "--frames", "8", "--heights", "220"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    *records, human = result.stdout.strip().splitlines()
    parsed = [json.loads(line) for line in records]
    assert [(r["compact"], r["mode"]) for r in parsed] == [
        (compact, mode) for compact in (False, True) for mode in ("whole", "bars", "mixed")
    ]
    assert all(r["bench"] == "jobs_frames" and r["frames"] == 8 for r in parsed)
    assert all(r["list_height"] > 0 and r["median_ms"] > 0 for r in parsed)
    assert human.startswith("Jobs list frame, 12 renders (median): 220 px normal: whole ")
