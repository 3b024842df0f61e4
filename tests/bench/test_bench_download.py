"""bench/download.py still runs: a tiny run (8 MiB, one pair per server, the resume) checks the
JSON lines' shape and that every file was verified; no timing is asserted."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "download.py"
SIZE = 8 * 1024 * 1024


@pytest.mark.skipif(shutil.which("curl") is None, reason="the benchmark compares with curl")
def test_a_tiny_download_run_verifies_app_curl_and_the_resume(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--size", "8MiB", "--pairs", "1", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *records, human = done.stdout.strip().splitlines()
    lines = [json.loads(record) for record in records]
    assert all(line["bench"] == "download" for line in lines)
    by_kind = {line["kind"]: line for line in lines}
    assert [(line["kind"], line.get("server")) for line in lines] == [
        ("app", "sim"),
        ("curl", "sim"),
        ("server_summary", "sim"),
        ("app", "plain"),
        ("curl", "plain"),
        ("server_summary", "plain"),
        ("resume", None),
        ("summary", None),
    ]
    for app, curl in ((lines[0], lines[1]), (lines[3], lines[4])):
        for run in (app, curl):
            assert run["pair"] == 1
            assert run["bytes"] == SIZE
            assert run["sha256_ok"] is True
            assert run["seconds"] > 0
            assert run["mb_per_s"] > 0
            assert run["cpu_s"] >= 0
        assert 0 <= app["rss_growth"] == app["rss_peak"] - app["rss_before"]
        assert app["checkpoints"] >= 1  # the first names the version: the tracker's store saw it
        assert app["loop_late_max_ms"] >= app["loop_late_p99_ms"] >= 0
        # The careful user: curl, then sha256sum, then an fsync, each timed.
        assert curl["careful_seconds"] == pytest.approx(
            curl["seconds"] + curl["curl_sha256_s"] + curl["curl_fsync_s"], abs=1e-3
        )
    for server in (lines[2], lines[5]):
        assert server["all_sha256_ok"] is True
        assert server["median_ratio_vs_careful"] >= server["median_ratio"] > 0
        assert server["app_cpu_s_per_gib"] > 0

    resume = by_kind["resume"]
    assert resume["ok"] is True
    assert resume["sha256_ok"] is True
    assert SIZE // 2 <= resume["kept_bytes"] == resume["resumed_from"] < SIZE
    assert resume["range_header"] == f"bytes={resume['kept_bytes']}-"
    assert resume["if_range_sent"] is True
    assert resume["requests"] == 2

    summary = by_kind["summary"]
    assert summary["size"] == SIZE
    assert summary["pairs"] == 1
    assert summary["all_sha256_ok"] is True
    assert summary["resume_ok"] is True
    assert len(summary["ratios"]) == 1
    assert summary["median_ratio"] == summary["ratios"][0] > 0
    assert summary["median_ratio_vs_curl_plus_fsync"] >= summary["median_ratio"]
    assert set(summary["by_server"]) == {"sim", "plain"}
    assert summary["machine"]["cpus"] >= 1
    assert human.startswith("download 8 MiB x 1 pairs: sim: app ")
    assert "; plain: app " in human
    assert list(tmp_path.iterdir()) == []  # the temporary files are gone
