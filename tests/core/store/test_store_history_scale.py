"""A long history stays cheap: the session's and `genpro jobs`' reads use indexes and read a
window, never every job (issue #20 goal 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store_helpers import MakeJob

from genpro_desktop.core.jobs.model import TERMINAL_STATES, JobKind, JobState
from genpro_desktop.core.store import SCHEMA_VERSION, Store, database, queries


def _plan(db_path: Path, sql: str, params: tuple[object, ...] = ()) -> str:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    finally:
        conn.close()
    return " | ".join(str(row[3]) for row in rows)


def _damage(db_path: Path, job_id: str) -> None:
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute("UPDATE jobs SET data = '{\"id\": 1' WHERE id = ?", (job_id,))
    finally:
        conn.close()


def test_the_partial_index_and_the_unfinished_query_name_the_same_terminal_states() -> None:
    terminal = ", ".join(f"'{state}'" for state in sorted(s.value for s in TERMINAL_STATES))
    expected = f"state NOT IN ({terminal})"
    assert expected == queries.UNFINISHED
    [partial] = [sql for sql in database.SPEED_INDEXES if "jobs_unfinished_v1" in sql]
    assert partial.endswith(f"WHERE {queries.UNFINISHED}")


async def test_the_session_reads_use_their_indexes(store: Store, db_path: Path) -> None:
    assert store.path == db_path
    active = _plan(db_path, queries._jobs_sql(queries.UNFINISHED))  # pyright: ignore[reportPrivateUsage]
    assert "jobs_unfinished_v1" in active
    durations = _plan(
        db_path,
        "SELECT created_at, finished_at FROM jobs WHERE kind = ? AND state IN (?, ?) "
        "AND finished_at IS NOT NULL ORDER BY finished_at DESC, rowid DESC LIMIT ?",
        ("render", "completed", "downloaded", 20),
    )
    assert "jobs_by_kind_finished" in durations
    assert "TEMP B-TREE" not in durations  # the newest 20 are read, not all of them sorted
    filtered = _plan(
        db_path,
        queries._jobs_sql("kind IN (?) AND state IN (?)", limit=True),  # pyright: ignore[reportPrivateUsage]
        ("render", "completed", 20),
    )
    assert "jobs_by_kind_state_created" in filtered
    assert "TEMP B-TREE" not in filtered


async def test_a_database_made_before_the_indexes_gets_them_without_a_new_version(
    tmp_path: Path,
) -> None:
    path = tmp_path / "genpro.sqlite3"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    try:
        for name in ("jobs_by_kind_finished", "jobs_by_kind_state_created", "jobs_unfinished_v1"):
            conn.execute(f"DROP INDEX {name}")
    finally:
        conn.close()
    Store.open(path).close()
    conn = sqlite3.connect(path)
    try:
        names = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        version = database.read_schema_version(conn)
    finally:
        conn.close()
    assert {"jobs_by_kind_finished", "jobs_by_kind_state_created", "jobs_unfinished_v1"} <= names
    assert version == SCHEMA_VERSION  # an older app still opens it


async def test_unreadable_jobs_in_a_window_keep_every_unfinished_one(
    store: Store, make_job: MakeJob, db_path: Path
) -> None:
    old_finished = make_job(state=JobState.COMPLETED)
    old_running = make_job(state=JobState.PROCESSING, remote_id="gen-9")
    newer = [make_job(state=JobState.COMPLETED) for _ in range(5)]
    newest_damaged = make_job(kind=JobKind.DOWNLOAD, state=JobState.DOWNLOADED)
    for job in (old_finished, old_running, *newer, newest_damaged):
        await store.save_job(job)
    for job in (old_finished, old_running, newest_damaged):
        _damage(db_path, job.id)

    everything = [record.id for record in await store.unreadable_jobs()]
    assert everything == [newest_damaged.id, old_running.id, old_finished.id]
    # The newest 3: the damaged download is in it; the old finished one is not; the old
    # running one is listed although it is old, because it is unfinished.
    window = [record.id for record in await store.unreadable_jobs(newest=3)]
    assert window == [newest_damaged.id, old_running.id]
    # The window follows the list's filters: the newest 3 renders reach back to neither.
    renders = await store.unreadable_jobs(newest=3, kinds=[JobKind.RENDER])
    assert [record.id for record in renders] == [old_running.id]
    unfinished = await store.unreadable_jobs(unfinished_only=True)
    assert [record.id for record in unfinished] == [old_running.id]


async def test_older_history_comes_a_page_at_a_time(
    store: Store, make_job: MakeJob, db_path: Path
) -> None:
    jobs = [make_job(state=JobState.COMPLETED) for _ in range(7)]
    twin = make_job(state=JobState.COMPLETED, created_at=jobs[3].created_at)  # a tie
    for job in (*jobs, twin):
        await store.save_job(job)
    seen: list[str] = []
    page = await store.list_jobs(limit=3)
    while page:
        seen += [job.id for job in page]
        page = await store.list_jobs(limit=3, older_than=page[-1].id)
    # Every job once, in the order of the whole list, the tie included.
    assert seen == [job.id for job in await store.list_jobs()]
    assert len(seen) == len(set(seen)) == 8
    assert await store.list_jobs(limit=3, older_than="no-such-job") == []
    plan = _plan(
        db_path,
        queries._jobs_sql(  # pyright: ignore[reportPrivateUsage]
            "(created_at, rowid) < (SELECT created_at, rowid FROM jobs WHERE id = ?)", limit=True
        ),
        ("x", 3),
    )
    assert "jobs_by_created" in plan
    assert "TEMP B-TREE" not in plan


async def test_a_job_is_found_by_the_start_of_its_id_without_reading_the_others(
    store: Store, make_job: MakeJob, db_path: Path
) -> None:
    jobs = [make_job(id=f"{prefix}{n:028x}") for n, prefix in enumerate(("abcd", "abce", "abcd"))]
    for job in jobs:
        await store.save_job(job)
    _damage(db_path, jobs[1].id)  # an unreadable job that does not match must not matter
    found = await store.jobs_with_id_prefix("abcd")
    assert [job.id for job in found] == [jobs[2].id, jobs[0].id]
    assert [job.id for job in await store.jobs_with_id_prefix(jobs[0].id)] == [jobs[0].id]
    assert await store.jobs_with_id_prefix("ffff") == []
    plan = _plan(
        db_path,
        queries._jobs_sql(  # pyright: ignore[reportPrivateUsage]
            "id >= ? AND id < ? AND substr(id, 1, ?) = ?"
        ),
        ("abcd", "abcd\U0010ffff", 4, "abcd"),
    )
    assert "SEARCH jobs USING INDEX sqlite_autoindex_jobs_1 (id>? AND id<?)" in plan
