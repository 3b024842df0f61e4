"""What one animation frame of the Jobs list costs, bars-only against a whole repaint (issue #20).

While renders run, the list's bars animate 16 times a second. A frame used to repaint the whole
list (every visible row's picture, its texts, the batch header); now it repaints only the strips
where the moving bars are, and every fourth frame repaints the rows whole (running times move
on). This benchmark builds the real `JobsPanel` offscreen with `--renders` running renders in one
batch and one download, and for each list height (`--heights`) and row mode times `--frames`
synchronous repaints of each kind, side by side in one run:

- `whole`: the viewport repainted whole (what every frame did before);
- `bars`: the region an animation frame now updates (`JobListView.animate_bars`);
- `mixed`: what the panel's timer does now, three bars-only frames for each whole one.

Prints one JSON object per height and mode, then a one-line summary (medians, ms per frame).

    uv run python bench/jobs_frames.py [--renders 500] [--frames 300] [--heights 220 500]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QApplication

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, RenderOrigin, new_job_id
from genpro_desktop.gui.models.job_list_model import JobListModel
from genpro_desktop.gui.widgets.jobs_panel import WHOLE_FRAME_EVERY, JobsPanel

START = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def job(kind: JobKind, state: JobState, seconds: float, **fields: Any) -> LocalJob:
    """A job created `seconds` after START."""
    created = START + timedelta(seconds=seconds)
    return LocalJob(
        id=new_job_id(),
        kind=kind,
        state=state,
        agent_id="4711",
        created_at=created,
        updated_at=created,
        engine_id="9101",
        **fields,
    )


def panel_with(renders: int, height: int, compact: bool) -> JobsPanel:
    """The real Jobs panel showing `renders` running renders of one batch and a download."""
    jobs = [
        job(
            JobKind.RENDER,
            JobState.PROCESSING,
            row * 0.01,
            remote_id=str(880100 + row),
            **RenderOrigin("Spring launch", row, f"Summer sale {row}", batch_id="b1").fields(),
        )
        for row in range(1, renders + 1)
    ]
    jobs.append(job(JobKind.DOWNLOAD, JobState.DOWNLOADING, 60.0, title="Spring launch · row 1"))
    model = JobListModel(elapsed=lambda _job: 42.0)
    panel = JobsPanel(model)
    panel.delegate.set_compact(compact)
    model.set_jobs(jobs)
    panel.resize(960, height)
    panel.show()
    panel._animation.stop()
    for _ in range(5):
        QApplication.processEvents()
    panel.list_view.executeDelayedItemsLayout()
    return panel


def frame_times(panel: JobsPanel, frames: int, mode: str) -> list[float]:
    """Milliseconds per synchronous repaint of the region a frame of `mode` updates."""
    view = panel.list_view
    viewport = view.viewport()
    viewport.repaint()  # a whole paint first: it records where the bars are
    times: list[float] = []
    for tick in range(1, frames + 1):
        panel.delegate.phase = (tick % 27) / 27
        whole = mode == "whole" or (mode == "mixed" and tick % WHOLE_FRAME_EVERY == 0)
        region = QRegion(viewport.rect()) if whole else QRegion(view._bars)
        started = time.perf_counter()
        viewport.repaint(region)
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 0 (figures are reported, not judged)."""
    parser = argparse.ArgumentParser(description="One animation frame of the Jobs list.")
    parser.add_argument("--renders", type=int, default=500)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--heights", type=int, nargs="+", default=[220, 500])
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app
    summary: list[str] = []
    for height in args.heights:
        for compact in (False, True):
            panel = panel_with(args.renders, height, compact)
            medians: dict[str, float] = {}
            for mode in ("whole", "bars", "mixed"):
                times = frame_times(panel, args.frames, mode)
                medians[mode] = statistics.median(times)
                record = {
                    "bench": "jobs_frames",
                    "renders": args.renders,
                    "list_height": panel.list_view.viewport().height(),
                    "compact": compact,
                    "mode": mode,
                    "frames": len(times),
                    "median_ms": round(medians[mode], 3),
                    "p90_ms": round(sorted(times)[int(len(times) * 0.9)], 3),
                    "mean_ms": round(statistics.fmean(times), 3),
                }
                print(json.dumps(record), flush=True)
            panel.close()
            panel.deleteLater()
            QApplication.processEvents()
            rows = "compact" if compact else "normal"
            summary.append(
                f"{height} px {rows}: whole {medians['whole']:.2f} / bars {medians['bars']:.2f} / "
                f"mixed {medians['mixed']:.2f} ms"
            )
    print(f"Jobs list frame, {args.renders} renders (median): " + "; ".join(summary), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
