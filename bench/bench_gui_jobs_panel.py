"""How responsive the desktop app stays with 200 active jobs in the Jobs panel.

Builds the real Jobs dock (model, delegate, animated bars) in a shown window on qasync's loop,
fills it with 200 active jobs (renders pending/processing, downloads in progress) and streams
tracker-shaped events into it: every render changes every ~2 s, every download reports progress
10 times a second (the downloader's throttle). Meanwhile a probe asks the loop to wake it every
10 ms and records how late each wake-up is. Lateness is what a user feels as lag: a click, a key
press or a repaint waits that long.

    QT_QPA_PLATFORM=offscreen uv run python bench/bench_gui_jobs_panel.py [--jobs 200]
        [--downloads 40] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync
from PySide6.QtWidgets import QApplication, QMainWindow

from genpro_desktop.core.downloads import DownloadProgress
from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.jobs.events import EventHub, JobEvent
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.jobs_panel import JobsPanel

PROBE_INTERVAL = 0.010
DOWNLOAD_SIZE = 48_000_000


def make_jobs(count: int, downloads: int) -> list[LocalJob]:
    """`count` active jobs: `downloads` of them downloading, the rest renders."""
    now = datetime.now(UTC)
    jobs: list[LocalJob] = []
    for n in range(count):
        created = now - timedelta(seconds=n * 3)
        kind = JobKind.DOWNLOAD if n < downloads else JobKind.RENDER
        state = JobState.DOWNLOADING if kind is JobKind.DOWNLOAD else JobState.PENDING
        jobs.append(
            LocalJob(
                id=new_job_id(),
                kind=kind,
                state=state,
                agent_id="4711",
                created_at=created,
                updated_at=created,
                remote_id=None if kind is JobKind.DOWNLOAD else str(880_000 + n),
                engine_id="9101",
                cell_id=str(41_000 + n),
                title=f"TikTok Talking Avatar · row {n + 1}",
                bytes_total=DOWNLOAD_SIZE if kind is JobKind.DOWNLOAD else None,
            )
        )
    return jobs


async def stream_render_updates(hub: EventHub, renders: list[LocalJob], stop: float) -> int:
    """Each render flips between pending and processing about every 2 s."""
    sent = 0
    rng = random.Random(7)
    per_tick = max(1, len(renders) // 20)  # 20 ticks a second -> each job every ~2 s
    while time.perf_counter() < stop:
        for job in rng.sample(renders, min(per_tick, len(renders))):
            state = JobState.PROCESSING if job.state is JobState.PENDING else JobState.PENDING
            job.state = state
            hub.emit(JobEvent("job_updated", replace(job)))
            sent += 1
        await asyncio.sleep(0.05)
    return sent


async def stream_download_progress(hub: EventHub, downloads: list[LocalJob], stop: float) -> int:
    """Every download reports progress 10 times a second, like the throttled downloader."""
    sent = 0
    done = dict.fromkeys((job.id for job in downloads), 0)
    while time.perf_counter() < stop:
        for job in downloads:
            done[job.id] = min(DOWNLOAD_SIZE, done[job.id] + 250_000)
            progress = DownloadProgress(done[job.id], DOWNLOAD_SIZE, 2_500_000.0, 12.0)
            hub.emit(JobEvent("download_progress", job, progress=progress))
            sent += 1
        await asyncio.sleep(0.1)
    return sent


async def probe(stop: float) -> list[float]:
    """Lateness (ms) of each 10 ms wake-up."""
    lateness: list[float] = []
    while time.perf_counter() < stop:
        asked = time.perf_counter()
        await asyncio.sleep(PROBE_INTERVAL)
        lateness.append(max(0.0, (time.perf_counter() - asked - PROBE_INTERVAL) * 1000))
    return lateness


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(jobs_count: int, downloads_count: int, seconds: float) -> None:
    window = QMainWindow()
    model = JobListModel()
    panel = JobsPanel(model, window)
    window.setCentralWidget(panel)
    window.resize(1280, 800)
    window.show()
    jobs = make_jobs(jobs_count, downloads_count)
    model.set_jobs(jobs)
    model.set_typical_duration(JobKind.RENDER, 9.0)
    panel.select_job(jobs[-1].id)
    hub = EventHub()
    hub.subscribe(model.apply)
    renders = [job for job in jobs if job.kind is JobKind.RENDER]
    downloads = [job for job in jobs if job.kind is JobKind.DOWNLOAD]

    await asyncio.sleep(0.5)  # first layout and paint, not measured
    baseline_stop = time.perf_counter() + 2.0
    idle = await probe(baseline_stop)
    stop = time.perf_counter() + seconds
    started = time.perf_counter()
    lateness, render_events, progress_events = await asyncio.gather(
        probe(stop),
        stream_render_updates(hub, renders, stop),
        stream_download_progress(hub, downloads, stop),
    )
    elapsed = time.perf_counter() - started
    events = render_events + progress_events
    print(f"jobs in the panel: {model.rowCount()} active ({len(downloads)} downloading)")
    print(f"events applied: {events} in {elapsed:.1f} s ({events / elapsed:.0f}/s)")
    print(
        "idle loop lateness (ms):   "
        f"p50 {statistics.median(idle):.2f}  p95 {percentile(idle, 0.95):.2f}  "
        f"max {max(idle):.2f}"
    )
    print(
        "loaded loop lateness (ms): "
        f"p50 {statistics.median(lateness):.2f}  p95 {percentile(lateness, 0.95):.2f}  "
        f"max {max(lateness):.2f}  ({len(lateness)} wake-ups)"
    )
    window.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--downloads", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app
    print(f"platform: {QApplication.platformName()}, Python {sys.version.split()[0]}")
    qasync.run(run(args.jobs, args.downloads, args.seconds))


if __name__ == "__main__":
    main()
