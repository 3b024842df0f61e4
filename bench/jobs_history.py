"""Fill a data folder with N jobs and time `genpro jobs --all` (human and --json) on it.

uv run python bench/jobs_history.py [N]   # default 10,000
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.paths import app_paths
from genpro_desktop.core.store import Store

STATES = (JobState.COMPLETED, JobState.FAILED, JobState.DOWNLOADED, JobState.PROCESSING)


async def fill(data_dir: Path, count: int) -> None:
    """Write `count` finished and running jobs of every kind into the history under data_dir."""
    store = Store.default(app_paths({"GENPRO_DATA_DIR": str(data_dir)}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    try:
        for i in range(count):
            created = start + timedelta(minutes=i)
            kind = (JobKind.RENDER, JobKind.DOWNLOAD, JobKind.PUBLISH)[i % 3]
            state = STATES[i % len(STATES)]
            if kind is JobKind.DOWNLOAD and state is JobState.COMPLETED:
                state = JobState.DOWNLOADED
            finished = state is not JobState.PROCESSING
            job = LocalJob(
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
            await store.save_job(job)
    finally:
        await store.aclose()


def timed(args: list[str], env: dict[str, str]) -> float:
    """Seconds one `genpro` run takes (stdout discarded)."""
    begin = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "genpro_desktop.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - begin


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="genpro-bench-jobs-") as folder:
        asyncio.run(fill(Path(folder), count))
        env = {**os.environ, "GENPRO_DATA_DIR": folder, "COLUMNS": "120"}
        print(f"{count} jobs")
        print(f"jobs --all         {timed(['jobs', '--all'], env):6.2f} s")
        print(f"jobs --all --json  {timed(['jobs', '--all', '--json'], env):6.2f} s")
        print(f"jobs (50)          {timed(['jobs'], env):6.2f} s")


if __name__ == "__main__":
    main()
