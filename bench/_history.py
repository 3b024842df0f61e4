"""A job history of any size, written quickly (one transaction), for the benchmarks.

`Store.save_job` commits (and fsyncs) every job, as the app must; seeding 100,000 jobs that way
takes many minutes on a slow disk, so the benchmarks write them through the same SQL
(`queries.save_job`) inside one transaction. The rows are exactly what the app writes.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterable

from genpro_desktop.core.jobs.model import LocalJob
from genpro_desktop.core.store import Store, queries
from genpro_desktop.core.store.codec import encode_datetime, job_to_row

__all__ = ["save_jobs_at_once"]


async def save_jobs_at_once(store: Store, jobs: Iterable[LocalJob]) -> None:
    """Save every job (with its first state-history entry) in one transaction."""
    rows = [
        (job_to_row(job), queries.StateEntry(job.state, encode_datetime(job.updated_at), None))
        for job in jobs
    ]

    def write_all(conn: sqlite3.Connection) -> None:
        for row, entry in rows:
            queries.save_job(row, entry, conn)

    change: Callable[[sqlite3.Connection], None] = functools.partial(write_all)
    await store._write(change)  # one commit for the whole history (bench only)
