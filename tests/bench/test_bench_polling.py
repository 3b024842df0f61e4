"""bench/polling.py still runs: a tiny run of both strategies and a cold case (no timing is
asserted)."""

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
    bench.main(
        ["--renders", "10", "--typical", "60", "--history", "5", "--seed", "3", "--cold", "1"]
    )
    *records, summary = capsys.readouterr().out.strip().splitlines()
    lines = [json.loads(record) for record in records]
    runs = {line["strategy"]: line for line in lines if "strategy" in line and line["learning"]}
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
    # The cold case: the same schedule, planned with exactly one earlier render all along.
    (cold,) = [line for line in lines if "strategy" in line and not line["learning"]]
    assert cold["strategy"] == "predictive"
    assert cold["history"] == 1
    assert cold["schedule"] == runs["fixed2s"]["schedule"]
    assert cold["problems"] == []
    assert cold["typical_in_force_max_s"] is None  # one sample: the UI's median needs three
    compares = [line for line in lines if "compare" in line]
    assert [(c["history"], c["learning"]) for c in compares] == [(5, True), (1, False)]
    assert compares[1]["request_ratio_goal"] == 0.6
    compare = compares[0]
    assert compare["request_ratio_goal"] == pytest.approx(1 / 3, abs=1e-3)
    ratio = (
        runs["predictive"]["requests_per_render_mean"] / runs["fixed2s"]["requests_per_render_mean"]
    )
    assert compare["request_ratio"] == pytest.approx(ratio, abs=1e-3)
    assert summary.startswith("polling: T=60s history 5: ")
    assert "T=60s history 1 frozen: " in summary
    assert not summary.startswith("{")
