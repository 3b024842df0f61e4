"""bench/polling.py still runs: a tiny run of both strategies (no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "polling.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_polling", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_a_tiny_polling_run_prints_both_strategies_a_comparison_and_a_summary(
    capsys: pytest.CaptureFixture[str],
):
    bench = load_bench()
    bench.main(["--renders", "10", "--typical", "60", "--history", "5", "--seed", "3"])
    *records, summary = capsys.readouterr().out.strip().splitlines()
    lines = [json.loads(record) for record in records]
    runs = {line["strategy"]: line for line in lines if "strategy" in line}
    assert set(runs) == {"predictive", "fixed2s"}
    for run in runs.values():
        assert run["renders"] == 10
        assert run["outliers"] == 1
        assert run["problems"] == []
        assert 0 <= run["delay_p50_s"] <= run["delay_p95_s"] <= run["delay_max_s"]
        # Learned from the seeded history (60 s each), then from the run's own renders.
        assert run["typical_in_force_min_s"] <= 60.0 <= run["typical_in_force_max_s"]
    # Both strategies saw the same durations.
    assert runs["predictive"]["schedule"] == runs["fixed2s"]["schedule"]
    # The fixed baseline reads every 2 s: about one read per 2 s of render, at least.
    assert runs["fixed2s"]["requests_per_render_mean"] >= 60 * 0.7 / 2
    assert runs["fixed2s"]["delay_max_s"] <= 2.0
    (compare,) = [line for line in lines if "compare" in line]
    ratio = (
        runs["predictive"]["requests_per_render_mean"] / runs["fixed2s"]["requests_per_render_mean"]
    )
    assert compare["request_ratio"] == pytest.approx(ratio, abs=1e-3)
    assert summary.startswith("polling: T=60s: ")
    assert not summary.startswith("{")
