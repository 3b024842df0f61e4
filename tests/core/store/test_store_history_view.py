"""The desktop's history view reads the whole history (hidden jobs too) a page at a time, with a
search over ids, engine, title, platform and file name (issue 19); "clear finished" is undone by
un-hiding exactly the jobs it hid."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

from store_helpers import T0, MakeJob

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob
from genpro_desktop.core.store import Store, codec


async def test_pages_go_back_through_the_whole_history_hidden_jobs_included(
    store: Store, make_job: MakeJob
) -> None:
    jobs = [make_job(state=JobState.COMPLETED) for _ in range(7)]
    for job in jobs:
        await store.save_job(job)
    await store.hide_jobs([jobs[1].id])

    first = await store.history_page(limit=3)
    second = await store.history_page(limit=3, older_than=first[-1].job.id)
    third = await store.history_page(limit=3, older_than=second[-1].job.id)

    seen = [entry.job.id for entry in (*first, *second, *third)]
    assert seen == [job.id for job in reversed(jobs)]
    assert [entry.hidden for entry in (*first, *second, *third)] == [
        job.id == jobs[1].id for job in reversed(jobs)
    ]


async def test_search_matches_engine_title_platform_file_and_ids_with_every_word(
    store: Store, make_job: MakeJob
) -> None:
    render = make_job(
        state=JobState.COMPLETED, remote_id="880123", engine_id="9101", title="Avatar · row 4"
    )
    download = make_job(
        kind=JobKind.DOWNLOAD,
        state=JobState.DOWNLOADED,
        parent_id=render.id,
        target_path="/home/me/Videos/avatar_row4_880123.mp4",
    )
    post = make_job(kind=JobKind.POST, state=JobState.COMPLETED, platform="instagram")
    other = make_job(state=JobState.FAILED, engine_id="5555", title="Montage · row 1")
    for job in (render, download, post, other):
        await store.save_job(job)

    async def found(text: str) -> list[str]:
        return [entry.job.id for entry in await store.history_page(text)]

    assert await found("avatar") == [download.id, render.id]  # title and file name
    assert await found("AVATAR row") == [download.id, render.id]  # case, every word
    assert await found("9101 row 4") == [render.id]
    assert await found("instagram") == [post.id]
    assert await found("row4_880123.mp4") == [download.id]
    assert await found("880123") == [download.id, render.id]  # GEN id and file name
    assert await found(other.id[:10]) == [other.id]  # an id by its start
    assert await found(other.id[3:12]) == []  # not by a piece of its middle
    assert await found("montage 1") == [other.id]
    assert await found("nothing-like-this") == []
    quoted = make_job(state=JobState.COMPLETED, title='The "best" café · row 2')
    await store.save_job(quoted)
    assert await found('"best"') == [quoted.id]  # escaped in the record, found all the same
    assert await found("café") == [quoted.id]
    assert await store.children_of(render.id) == [download]


async def test_undoing_a_clear_unhides_exactly_the_jobs_it_hid(
    store: Store, make_job: MakeJob
) -> None:
    jobs = [make_job(state=JobState.COMPLETED) for _ in range(4)]
    for job in jobs:
        await store.save_job(job)
    await store.hide_jobs([jobs[0].id])  # removed earlier, on its own
    await store.hide_jobs([jobs[1].id, jobs[2].id])  # one "clear finished"

    await store.unhide_jobs([jobs[1].id, jobs[2].id])

    assert await store.hidden_job_ids() == {jobs[0].id}


def test_a_page_of_a_100000_job_history_reads_quickly(tmp_path: Path) -> None:
    """The first page, a page deep in the history and a common search stay well under a frame
    budget of the history view; a search with no match reads each record once (measured)."""
    path = tmp_path / "big.sqlite3"
    Store.open(path).close()  # migrated schema and indexes
    conn = sqlite3.connect(path)
    rows = []
    for n in range(100_000):
        at = T0 + timedelta(seconds=n)
        job = _bulk_job(n, at)
        rows.append((*codec.job_to_row(job), 1 if n % 3 == 0 else 0))
    with conn:
        conn.executemany(
            f"INSERT INTO jobs ({', '.join(codec.JobRow._fields)}, hidden) "
            f"VALUES ({', '.join('?' for _ in range(len(codec.JobRow._fields) + 1))})",
            rows,
        )
    conn.close()

    async def measure() -> dict[str, float]:
        store = Store.open(path)
        timings: dict[str, float] = {}
        try:
            for name, search, older in (
                ("first page", "", None),
                ("deep page", "", _bulk_id(5_000)),
                ("common search", "row", None),
                ("no match", "zzzz-no-such-thing", None),
            ):
                start = time.perf_counter()
                page = await store.history_page(search, limit=200, older_than=older)
                timings[name] = time.perf_counter() - start
                assert len(page) == (0 if name == "no match" else 200)
        finally:
            await store.aclose()
        return timings

    timings = asyncio.run(measure())
    print({name: round(seconds * 1000, 1) for name, seconds in timings.items()})
    assert timings["first page"] < 0.25
    assert timings["deep page"] < 0.25
    assert timings["common search"] < 0.25
    assert timings["no match"] < 5.0  # a full read, once; generous for a loaded 2-core box


def _bulk_id(n: int) -> str:
    return f"{n:032x}"


def _bulk_job(n: int, at: datetime) -> LocalJob:
    return LocalJob(
        id=_bulk_id(n),
        kind=JobKind.RENDER,
        state=JobState.COMPLETED,
        agent_id="4711",
        created_at=at,
        updated_at=at,
        finished_at=at,
        remote_id=str(800000 + n),
        engine_id="9101",
        title=f"TikTok Talking Avatar · row {n % 50 + 1}",
        output_url=f"https://cdn.example/render_{n}.mp4",
    )
