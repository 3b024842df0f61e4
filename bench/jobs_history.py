"""Scale of the local job history: the same reads with 1,000 and with 100,000 jobs.

For each size a data folder is filled (`_history.save_jobs_at_once`: rows exactly as the app
writes them; the newest 3 are still running), then, alternating between the sizes `--runs`
times:

- `genpro jobs` (the default view, newest 50) and `genpro jobs --json`, each a fresh process,
  timed from start to exit;
- the session's reads: what the desktop app's session asks the store for when it opens (the
  tracker's `active_jobs` + `unreadable_jobs` + typical durations, the Jobs panel's hidden-jobs
  ids + newest `HISTORY_LIMIT` jobs, the render cost estimate), in-process, timed
  together and one by one.

The ratio of the medians (largest size / smallest) is the figure of merit (goal <= 1.2).
Prints one JSON object per line, then a human summary.

    uv run python bench/jobs_history.py [--sizes 1000 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from _history import save_jobs_at_once

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.store import Store

GOAL_RATIO = 1.2
STATES = (JobState.COMPLETED, JobState.FAILED, JobState.DOWNLOADED, JobState.COMPLETED)
RUNNING = 3
HISTORY_LIMIT = 300  # gui/jobs_presenter.py
COST_HISTORY = 20  # gui/browser_presenter.py


def history_job(i: int, start: datetime, count: int) -> LocalJob:
    """Job number `i` of `count`: renders, downloads and publishes, finished but the newest
    `RUNNING` (how many run does not grow with the history)."""
    created = start + timedelta(minutes=i)
    kind = (JobKind.RENDER, JobKind.DOWNLOAD, JobKind.PUBLISH)[i % 3]
    state = STATES[i % len(STATES)]
    if kind is JobKind.DOWNLOAD and state is JobState.COMPLETED:
        state = JobState.DOWNLOADED
    if kind is not JobKind.DOWNLOAD and state is JobState.DOWNLOADED:
        state = JobState.COMPLETED
    if i >= count - RUNNING:
        state = JobState.QUEUED if kind is JobKind.DOWNLOAD else JobState.PROCESSING
    finished = state not in (JobState.PROCESSING, JobState.QUEUED)
    return LocalJob(
        id=new_job_id(),
        kind=kind,
        state=state,
        agent_id="4711",
        created_at=created,
        updated_at=created + timedelta(seconds=40),
        finished_at=created + timedelta(seconds=40) if finished else None,
        remote_id=str(880000 + i),
        engine_id="9101",
        cell_id=str(41000 + i),
        title=f"Row {i} of a long engine title",
        failed_reason="GEN said no" if state is JobState.FAILED else None,
        execution_cost=Decimal("47.5"),
    )


async def fill(data_dir: Path, count: int) -> None:
    """Write `count` jobs into the history under `data_dir`, in one transaction."""
    store = Store.default(app_paths({"GENPRO_DATA_DIR": str(data_dir)}).ensure())
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        await save_jobs_at_once(store, (history_job(i, start, count) for i in range(count)))
    finally:
        await store.aclose()


async def session_reads(data_dir: Path) -> dict[str, float]:
    """Seconds each store read of a session's opening takes (and their total)."""
    store = Store.default(app_paths({"GENPRO_DATA_DIR": str(data_dir)}))
    times: dict[str, float] = {}

    async def timed(name: str, read: Any) -> None:
        begin = time.perf_counter()
        await read
        times[name] = time.perf_counter() - begin

    try:
        await timed("active_jobs", store.active_jobs())
        await timed("unreadable_jobs", store.unreadable_jobs(unfinished_only=True))
        for kind in JobKind:
            await timed(f"typical_duration_{kind.value}", store.typical_duration(kind))
            await timed(f"recent_durations_{kind.value}", store.recent_durations(kind))
        await timed("hidden_jobs", store.hidden_job_ids())
        await timed("panel_history", store.list_jobs(limit=HISTORY_LIMIT))
        await timed("typical_cost", store.typical_execution_cost(JobKind.RENDER))
        await timed(
            "cost_history",
            store.list_jobs(
                kinds=[JobKind.RENDER], states=[JobState.COMPLETED], limit=COST_HISTORY
            ),
        )
    finally:
        await store.aclose()
    times["total"] = sum(times.values())
    return times


def cli_seconds(args: list[str], env: dict[str, str]) -> float:
    """Seconds one `genpro` run takes (output discarded)."""
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "genpro_desktop.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - begin


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps({"bench": "jobs_history", **record}), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    results: dict[int, dict[str, list[float]]] = {size: {} for size in args.sizes}
    with tempfile.TemporaryDirectory(prefix="genpro-bench-jobs-") as folder:
        folders = {size: Path(folder) / str(size) for size in args.sizes}
        for size, data_dir in folders.items():
            begin = time.perf_counter()
            asyncio.run(fill(data_dir, size))
            _emit({"kind": "filled", "jobs": size, "seconds": time.perf_counter() - begin})
        for run in range(args.runs):
            order = args.sizes if run % 2 == 0 else list(reversed(args.sizes))
            for size in order:
                env = {**os.environ, "GENPRO_DATA_DIR": str(folders[size]), "COLUMNS": "120"}
                # Compiled once and kept, as an installed app has it (else compiling the CLI's
                # modules, ~1 s here, swamps what is measured).
                env.pop("PYTHONDONTWRITEBYTECODE", None)
                env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
                record: dict[str, float] = {
                    "cli_jobs": cli_seconds(["jobs"], env),
                    "cli_jobs_json": cli_seconds(["jobs", "--json"], env),
                }
                record.update(asyncio.run(session_reads(folders[size])))
                for name, seconds in record.items():
                    results[size].setdefault(name, []).append(seconds)
                shown = {k: round(v * 1000, 2) for k, v in record.items()}
                _emit({"kind": "run", "jobs": size, "run": run + 1, "ms": shown})
    small, large = min(args.sizes), max(args.sizes)
    medians = {
        size: {name: statistics.median(values) for name, values in by_name.items()}
        for size, by_name in results.items()
    }
    ratios = {
        name: round(medians[large][name] / medians[small][name], 3)
        for name in medians[small]
        if medians[small][name] > 0
    }
    headline = ("cli_jobs", "cli_jobs_json", "total")
    summary = {
        "bench": "jobs_history",
        "kind": "summary",
        "sizes": args.sizes,
        "runs": args.runs,
        "median_ms": {
            size: {k: round(v * 1000, 2) for k, v in m.items()} for size, m in medians.items()
        },
        "ratios": ratios,
        "goal_met": all(ratios[name] <= GOAL_RATIO for name in headline),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(summary), flush=True)
    print(
        f"history {small:,} -> {large:,} jobs, median of {args.runs}: "
        + ", ".join(
            f"{name} {medians[small][name] * 1000:.0f} -> {medians[large][name] * 1000:.0f} ms "
            f"({ratios[name]:.2f} x)"
            for name in headline
        )
        + f" (goal <= {GOAL_RATIO} x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
