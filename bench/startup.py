"""Start-up: process start to the first painted main window, against a bare PySide6 window.

The app runs in demo mode with a job store holding `--jobs` history jobs (seeded through the
core store API before the runs) and a demo engine of `--rows` x `--columns`, which is listed
first so the app opens it on its own. Each run is a fresh process; the clock starts just before
the process is spawned (`time.perf_counter()`, which is system-wide, so the child's readings
compare with it) and stops at the first paint event of the main window, which the app reports
through its hidden start-up probe (`genpro_desktop.gui.startup_probe`, GENPRO_STARTUP_PROBE).
The app run also reports when the engine was asked for, when its grid model was populated and
when the grid was first painted.

The bare baseline is a Python process that imports the Qt modules the app had imported by its
first paint (learned from the warm-up run), builds a QApplication and a QMainWindow of the
app's size, and notes its first paint the same way. Bare and app runs alternate. Offscreen QPA.

Bytecode: an installed app starts from compiled bytecode (pip compiles at install, Python writes
it on the first start, a PyInstaller bundle ships it). A development shell may forbid writing it
(PYTHONDONTWRITEBYTECODE), and then every start compiles every imported module from source. By
default (`--bytecode cached`) the runs keep their bytecode in a private folder in the temporary
directory (PYTHONPYCACHEPREFIX; the warm-up run fills it), so they measure a second start;
`--bytecode inherit` leaves the environment as it is.

    uv run python bench/startup.py [--runs 7] [--jobs 1000] [--rows 500] [--columns 8]

Prints one JSON object per run, a JSON summary (medians, ratio, goal), then one human line.
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

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.paths import DATA_DIR_ENV, app_paths
from genpro_desktop.core.store import Store

GOAL_RATIO = 1.3  # issue #20 (was 1.5 in #6)
GOAL_GRID_MS = 800  # issue #20: the last engine's grid on screen after the process starts
APP_CODE = "from genpro_desktop.gui.app import main; raise SystemExit(main())"
# The bare window: same Qt modules, same size, same paint detection; nothing else imported.
BARE_CODE = """
import importlib, sys, time
probe, width, height, *modules = sys.argv[1:]
for name in ("QtCore", "QtGui", "QtWidgets", *modules):
    importlib.import_module("PySide6." + name)
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if (event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and watched.window() is window):
            now = time.perf_counter()
            QCoreApplication.instance().removeEventFilter(self)
            with open(probe, "w", encoding="utf-8") as out:
                out.write('{"marks": {"first_paint": %r}}' % now)
            QTimer.singleShot(0, QCoreApplication.quit)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(int(width), int(height))
first_paint = FirstPaint()
app.installEventFilter(first_paint)
window.show()
app.exec()
"""


def history_job(index: int, now: datetime) -> LocalJob:
    """One finished job: mostly completed renders, some failed ones, some downloads."""
    created = now - timedelta(minutes=40 * (index + 1))
    done = created + timedelta(seconds=9)
    engine_id, cell_id = ("9101", "41005") if index % 2 else ("9102", "41035")
    common: dict[str, Any] = {
        "id": new_job_id(),
        "agent_id": "4711",
        "created_at": created,
        "updated_at": done,
        "finished_at": done,
        "engine_id": engine_id,
        "cell_id": cell_id,
        "title": f"History job {index + 1}",
    }
    if index % 5 == 4:
        return LocalJob(
            kind=JobKind.DOWNLOAD,
            state=JobState.DOWNLOADED,
            output_url=f"https://cdn.gen.pro/outputs/render_{index}.mp4",
            target_path=f"/nonexistent/render_{index}.mp4",
            bytes_done=2_000_000,
            bytes_total=2_000_000,
            **common,
        )
    failed = index % 10 == 3
    return LocalJob(
        kind=JobKind.RENDER,
        state=JobState.FAILED if failed else JobState.COMPLETED,
        remote_id=str(700_000 + index),
        idempotency_key=f"bench-{index}",
        execution_cost=Decimal("2.5"),
        failed_reason="Render failed" if failed else None,
        output_url=None if failed else f"https://cdn.gen.pro/outputs/render_{index}.mp4",
        **common,
    )


async def seed_history(data_dir: Path, count: int) -> None:
    """Fill the demo's job store (in `data_dir`) with `count` finished jobs."""
    paths = app_paths({DATA_DIR_ENV: str(data_dir)}).ensure()
    now = datetime.now(UTC)
    async with Store.default(paths) as store:
        await save_jobs_at_once(store, (history_job(index, now) for index in range(count)))


def child_environment(
    root: Path, rows: int, columns: int, platform: str, bytecode: str
) -> dict[str, str]:
    """The app's folders under `root`, the demo knobs, offscreen Qt, where bytecode is kept."""
    env = {k: v for k, v in os.environ.items() if k not in ("GEN_AGENT_ID", "GEN_API_BASE_URL")}
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    env.update(
        {
            "QT_QPA_PLATFORM": platform,
            "XDG_DATA_HOME": str(root / "xdg-data"),
            "XDG_CONFIG_HOME": str(root / "xdg-config"),
            "XDG_CACHE_HOME": str(root / "xdg-cache"),
            DATA_DIR_ENV: str(root / "app"),
            "GENPRO_DEMO_DATA_DIR": str(root / "demo"),
            "GENPRO_DEMO_LARGE_ENGINE": f"{rows}x{columns}",
        }
    )
    return env


def run_child(
    command: list[str], env: dict[str, str], probe: Path, timeout: float
) -> tuple[float, dict[str, Any]]:
    """Spawn one process; return the spawn time and what its probe wrote."""
    probe.unlink(missing_ok=True)
    log_path = probe.with_suffix(".log")
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env={**env, "GENPRO_STARTUP_PROBE": str(probe)}, stdout=log, stderr=log
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise SystemExit(f"{command[2][:40]}... timed out; its output: {log_path}") from None
    if code != 0 or not probe.exists():
        output = log_path.read_text(errors="replace")[-2000:]
        raise SystemExit(f"child exited {code} without a probe report:\n{output}")
    return started, json.loads(probe.read_text(encoding="utf-8"))


def app_record(started: float, report: dict[str, Any]) -> dict[str, Any]:
    """One app run as milliseconds after spawn, plus the engine-grid timings."""
    marks: dict[str, float] = report["marks"]
    since = {name: round((value - started) * 1000, 1) for name, value in marks.items()}
    record: dict[str, Any] = {
        "first_paint_ms": since["first_paint"],
        "session_started_ms": since.get("session_started"),
        "engine_asked_ms": since.get("engine_asked"),
        "engine_populated_ms": since.get("engine_populated"),
        "engine_painted_ms": since.get("engine_painted"),
        # The last engine's grid drawn from its saved copy (written by the warm-up run).
        "snapshot_painted_ms": since.get("snapshot_painted"),
    }
    if "engine_populated" in marks and "engine_painted" in marks:
        asked = marks["engine_asked"]
        record["engine_population_ms"] = round((marks["engine_populated"] - asked) * 1000, 1)
        record["engine_to_painted_ms"] = round((marks["engine_painted"] - asked) * 1000, 1)
    record["grid"] = report.get("grid")
    record["jobs_shown"] = report.get("jobs_shown")
    record["modules_at_first_paint"] = report.get("modules_at_first_paint")
    record["rss_mib"] = report.get("rss_mib")
    record["rss_peak_mib"] = report.get("rss_peak_mib")
    return record


def median_of(records: list[dict[str, Any]], key: str) -> float | None:
    """The median of `key` over the records that have it."""
    values = [r[key] for r in records if r.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def emit(record: dict[str, Any]) -> None:
    """One JSON line."""
    print(json.dumps({"bench": "startup", **record}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Start-up time of the app against a bare window.")
    parser.add_argument("--runs", type=int, default=7, help="measured runs of each (alternating)")
    parser.add_argument("--warmup", type=int, default=1, help="app runs before measuring")
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[1000],
        help="history jobs in the store (1000); two sizes (1000 100000) alternate in each run",
    )
    parser.add_argument("--rows", type=int, default=500, help="rows of the large demo engine")
    parser.add_argument("--columns", type=int, default=8, help="its columns (at least 3)")
    parser.add_argument("--platform", default="offscreen", help="QT_QPA_PLATFORM for the runs")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per process")
    parser.add_argument(
        "--bytecode",
        choices=("cached", "inherit"),
        default="cached",
        help="cached: keep compiled bytecode between runs, as an installed app has it (default); "
        "inherit: the environment's setting (PYTHONDONTWRITEBYTECODE compiles on every start)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genpro-bench-startup-") as tmp:
        root = Path(tmp)
        env = child_environment(root, args.rows, args.columns, args.platform, args.bytecode)
        envs: dict[int, dict[str, str]] = {}
        for size in args.jobs:
            demo = root / f"demo-{size}"
            asyncio.run(seed_history(demo, size))
            envs[size] = {**env, "GENPRO_DEMO_DATA_DIR": str(demo)}
        probe = root / "probe.json"
        app_command = [sys.executable, "-c", APP_CODE, "--demo"]
        by_size: dict[int, list[dict[str, Any]]] = {size: [] for size in args.jobs}
        app_runs = by_size[args.jobs[0]]
        bare_runs: list[dict[str, Any]] = []
        report: dict[str, Any] = {}
        for _ in range(args.warmup):
            for size in args.jobs:
                _started, report = run_child(app_command, envs[size], probe, args.timeout)
        for run in range(1, args.runs + 1):
            sizes = args.jobs if run % 2 else list(reversed(args.jobs))
            for size in sizes:
                started, report = run_child(app_command, envs[size], probe, args.timeout)
                by_size[size].append(app_record(started, report))
                record = {"run": run, "target": "app", **by_size[size][-1]}
                if len(args.jobs) > 1:
                    record["history_jobs"] = size
                emit(record)
            width, height = report["window_size"]
            bare_command = [
                sys.executable,
                "-c",
                BARE_CODE,
                str(probe),
                str(width),
                str(height),
                *report["qt_modules"],
            ]
            started, bare = run_child(bare_command, env, probe, args.timeout)
            bare_ms = round((bare["marks"]["first_paint"] - started) * 1000, 1)
            bare_runs.append({"first_paint_ms": bare_ms})
            emit({"run": run, "target": "bare", "first_paint_ms": bare_ms})
    app_ms = median_of(app_runs, "first_paint_ms") or 0.0
    bare_ms = median_of(bare_runs, "first_paint_ms") or 0.0
    ratio = round(app_ms / bare_ms, 2) if bare_ms else None
    summary = {
        "summary": True,
        "runs": args.runs,
        "history_jobs": args.jobs[0],
        "engine": [args.rows, args.columns],
        "platform": args.platform,
        "bytecode": args.bytecode,
        "cpus": os.cpu_count(),
        "qt_modules": report.get("qt_modules"),
        "app_first_paint_ms": app_ms,
        "bare_first_paint_ms": bare_ms,
        "ratio": ratio,
        "goal_ratio": GOAL_RATIO,
        "goal_met": ratio is not None and ratio <= GOAL_RATIO,
        "session_started_ms": median_of(app_runs, "session_started_ms"),
        "engine_painted_ms": median_of(app_runs, "engine_painted_ms"),
        "snapshot_painted_ms": median_of(app_runs, "snapshot_painted_ms"),
        "goal_grid_ms": GOAL_GRID_MS,
        "engine_population_ms": median_of(app_runs, "engine_population_ms"),
        "engine_to_painted_ms": median_of(app_runs, "engine_to_painted_ms"),
        "rss_mib": median_of(app_runs, "rss_mib"),
        "rss_peak_mib": median_of(app_runs, "rss_peak_mib"),
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }
    if len(args.jobs) > 1:
        # Goal 4 of issue #20: a long history costs the start-up nothing (<= 1.2 x).
        keys = (
            "first_paint_ms",
            "snapshot_painted_ms",
            "session_started_ms",
            "engine_painted_ms",
            "rss_mib",
        )
        summary["by_history"] = {
            size: {key: median_of(runs, key) for key in keys} for size, runs in by_size.items()
        }
        small, large = by_size[min(args.jobs)], by_size[max(args.jobs)]
        summary["history_ratios"] = {
            key: round((median_of(large, key) or 0) / (median_of(small, key) or 1), 3)
            for key in keys
        }
    emit(summary)
    verdict = "met" if summary["goal_met"] else "missed"
    saved, live = summary["snapshot_painted_ms"], summary["engine_painted_ms"]
    grid_verdict = "met" if saved is not None and saved <= GOAL_GRID_MS else "missed"
    print(
        f"start-up (median of {args.runs}, bytecode {args.bytecode}): app first paint "
        f"{app_ms:.0f} ms vs bare window {bare_ms:.0f} ms = {ratio}x "
        f"(goal <= {GOAL_RATIO}x: {verdict}); "
        f"{args.rows}x{args.columns} engine grid populated {summary['engine_population_ms']} ms "
        f"(painted {summary['engine_to_painted_ms']} ms) after it was asked for; "
        f"grid on screen from the saved copy {saved} ms, from GEN {live} ms after the start "
        f"(goal <= {GOAL_GRID_MS} ms: {grid_verdict}); RSS {summary['rss_mib']} MiB; "
        f"load {summary['load_average']}"
    )


if __name__ == "__main__":
    main()
