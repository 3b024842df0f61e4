"""The async facade: saving, intents, history, terminal stickiness, queries, engines, settings."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from store_helpers import T0, MakeJob

from genpro_desktop.core.jobs.model import TERMINAL_STATES, JobKind, JobState
from genpro_desktop.core.store import StateChange, Store, TerminalStateError


async def test_save_then_get_and_upsert(store: Store, make_job: MakeJob) -> None:
    job = make_job(title="TikTok Talking Avatar · row 3")
    await store.save_job(job)
    assert await store.get_job(job.id) == job
    job.remote_id = "gen-1"
    job.raw_status = "processing"
    job.state = JobState.PROCESSING
    await store.save_job(job)
    assert await store.get_job(job.id) == job
    assert await store.get_job("missing") is None
    assert len(await store.list_jobs()) == 1


async def test_the_save_is_a_snapshot_of_the_job(store: Store, make_job: MakeJob) -> None:
    job = make_job()
    saving = asyncio.ensure_future(store.save_job(job))
    # One loop iteration (not a wait): the save starts, encodes the job, and hands it to the
    # writer thread before the caller changes the object.
    await asyncio.sleep(0)
    job.title = "changed afterwards"
    await saving
    stored = await store.get_job(job.id)
    assert stored is not None
    assert stored.title is None


async def test_record_intent_is_committed_when_it_returns(
    store: Store, make_job: MakeJob, db_path: Path
) -> None:
    job = make_job(state=JobState.SUBMITTING, idempotency_key="idem-1")
    await store.record_intent(job)
    # Another connection (think: a process started after a crash) already sees it.
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute("SELECT state FROM jobs WHERE id = ?", (job.id,)).fetchone()
    finally:
        conn.close()
    assert row == ("submitting",)


async def test_record_intent_requires_the_submitting_state(store: Store, make_job: MakeJob) -> None:
    with pytest.raises(ValueError, match="submitting"):
        await store.record_intent(make_job(state=JobState.PENDING))
    assert await store.list_jobs() == []


@pytest.mark.parametrize("terminal", sorted(TERMINAL_STATES))
async def test_terminal_states_are_sticky(
    store: Store, make_job: MakeJob, terminal: JobState
) -> None:
    job = make_job(state=terminal, failed_reason="boom")
    await store.save_job(job)
    for later in JobState:
        if later is terminal:
            continue
        regressed = dataclasses.replace(job, state=later, title="should not be kept")
        with pytest.raises(TerminalStateError, match=f"already {terminal}") as caught:
            await store.save_job(regressed)
        assert (caught.value.old, caught.value.new) == (terminal.value, later.value)
    assert await store.get_job(job.id) == job
    assert [change.state for change in await store.state_history(job.id)] == [terminal]
    # Updating other fields while staying in the terminal state is allowed.
    job.sha256 = "ab" * 32
    await store.save_job(job)
    assert await store.get_job(job.id) == job


async def test_history_records_each_state_change_once(store: Store, make_job: MakeJob) -> None:
    job = make_job(state=JobState.SUBMITTING)
    await store.record_intent(job)
    steps = [
        (JobState.PENDING, None),
        (JobState.PENDING, None),  # same state: no new entry
        (JobState.PROCESSING, None),
        (JobState.NEEDS_ATTENTION, "taking much longer than usual"),
        (JobState.PROCESSING, None),
        (JobState.FAILED, None),
    ]
    for seconds, (state, reason) in enumerate(steps, start=1):
        job.state = state
        job.updated_at = T0 + timedelta(seconds=seconds)
        job.attention_reason = reason
        if state is JobState.FAILED:
            job.failed_reason = "the engine failed"
        await store.save_job(job)
    await store.save_job(job, detail="explicit detail is not used without a state change")
    history = await store.state_history(job.id)
    assert history == [
        StateChange(JobState.SUBMITTING, T0, None),
        StateChange(JobState.PENDING, T0 + timedelta(seconds=1), None),
        StateChange(JobState.PROCESSING, T0 + timedelta(seconds=3), None),
        StateChange(
            JobState.NEEDS_ATTENTION, T0 + timedelta(seconds=4), "taking much longer than usual"
        ),
        StateChange(JobState.PROCESSING, T0 + timedelta(seconds=5), None),
        StateChange(JobState.FAILED, T0 + timedelta(seconds=6), "the engine failed"),
    ]
    assert await store.state_history("unknown") == []


async def test_an_explicit_detail_goes_into_the_history(store: Store, make_job: MakeJob) -> None:
    job = make_job()
    await store.save_job(job, detail="adopted from genpro status --wait")
    assert (await store.state_history(job.id))[0].detail == "adopted from genpro status --wait"


async def test_find_by_remote_matches_kind_and_id(store: Store, make_job: MakeJob) -> None:
    render = make_job(remote_id="42")
    publish = make_job(JobKind.PUBLISH, remote_id="42")
    await store.save_job(render)
    await store.save_job(publish)
    assert await store.find_by_remote(JobKind.RENDER, "42") == render
    assert await store.find_by_remote(JobKind.PUBLISH, "42") == publish
    assert await store.find_by_remote(JobKind.RENDER, "43") is None


async def test_list_jobs_is_newest_first_with_filters_and_limit(
    store: Store, make_job: MakeJob
) -> None:
    jobs = [
        make_job(JobKind.RENDER, JobState.COMPLETED),
        make_job(JobKind.DOWNLOAD, JobState.DOWNLOADING),
        make_job(JobKind.PUBLISH, JobState.PENDING),
        make_job(JobKind.RENDER, JobState.FAILED),
        make_job(JobKind.RENDER, JobState.PROCESSING),
    ]
    for job in reversed(jobs):  # insertion order must not matter
        await store.save_job(job)
    newest_first = [job.id for job in reversed(jobs)]
    assert [job.id for job in await store.list_jobs()] == newest_first
    assert [job.id for job in await store.list_jobs(limit=2)] == newest_first[:2]
    assert await store.list_jobs(limit=0) == []
    renders = await store.list_jobs(kinds=[JobKind.RENDER])
    assert [job.id for job in renders] == [jobs[4].id, jobs[3].id, jobs[0].id]
    finished = await store.list_jobs(
        kinds={JobKind.RENDER}, states=[JobState.COMPLETED, JobState.FAILED]
    )
    assert [job.id for job in finished] == [jobs[3].id, jobs[0].id]
    assert await store.list_jobs(kinds=[]) == []
    with pytest.raises(ValueError, match="limit"):
        await store.list_jobs(limit=-1)


async def test_active_jobs_include_parked_and_exclude_terminal(
    store: Store, make_job: MakeJob
) -> None:
    by_state = {state: make_job(state=state) for state in JobState}
    for job in by_state.values():
        await store.save_job(job)
    active = await store.active_jobs()
    assert {job.state for job in active} == set(JobState) - TERMINAL_STATES
    assert JobState.OUTCOME_UNKNOWN in {job.state for job in active}
    assert [job.created_at for job in active] == sorted(job.created_at for job in active)


async def test_publish_duplicates_exclude_failed_dismissed_and_stopped(
    store: Store, make_job: MakeJob
) -> None:
    key = "d" * 64
    counted = [
        make_job(JobKind.PUBLISH, state, dedupe_key=key)
        for state in (JobState.SUBMITTING, JobState.PENDING, JobState.COMPLETED)
    ]
    ignored = [
        make_job(JobKind.PUBLISH, state, dedupe_key=key)
        for state in (JobState.FAILED, JobState.DISMISSED, JobState.STOPPED)
    ]
    other_key = make_job(JobKind.PUBLISH, JobState.PENDING, dedupe_key="e" * 64)
    not_publish = make_job(JobKind.RENDER, JobState.PENDING, dedupe_key=key)
    for job in [*counted, *ignored, other_key, not_publish]:
        await store.save_job(job)
    duplicates = await store.find_publish_duplicates(key)
    assert [job.id for job in duplicates] == [job.id for job in reversed(counted)]


async def test_typical_duration_is_the_median_of_the_last_twenty_successes(
    store: Store, make_job: MakeJob
) -> None:
    async def finished(kind: JobKind, state: JobState, seconds: float, start_minute: int) -> None:
        start = T0 + timedelta(minutes=start_minute)
        job = make_job(kind, state, created_at=start, updated_at=start)
        job.finished_at = start + timedelta(seconds=seconds)
        await store.save_job(job)

    assert await store.typical_duration(JobKind.RENDER) is None
    await finished(JobKind.RENDER, JobState.COMPLETED, 10, 0)
    await finished(JobKind.RENDER, JobState.COMPLETED, 30, 1)
    assert await store.typical_duration(JobKind.RENDER) is None  # fewer than 3
    await finished(JobKind.RENDER, JobState.FAILED, 999, 2)  # failures do not count
    await finished(JobKind.PUBLISH, JobState.COMPLETED, 999, 3)  # other kinds do not count
    await store.save_job(make_job(JobKind.RENDER, JobState.COMPLETED))  # no finished_at
    await finished(JobKind.RENDER, JobState.COMPLETED, 20, 4)
    assert await store.typical_duration(JobKind.RENDER) == pytest.approx(20.0)
    # 20 newer jobs of 100 s push the old ones out of the sample.
    for minute in range(10, 30):
        await finished(JobKind.RENDER, JobState.COMPLETED, 100, minute)
    assert await store.typical_duration(JobKind.RENDER) == pytest.approx(100.0)
    for minute in range(40, 43):
        await finished(JobKind.DOWNLOAD, JobState.DOWNLOADED, 4.5, minute)
    assert await store.typical_duration(JobKind.DOWNLOAD) == pytest.approx(4.5)


async def test_many_tasks_save_concurrently_through_one_writer(
    store: Store, make_job: MakeJob
) -> None:
    jobs = [make_job(state=JobState.SUBMITTING, execution_cost=Decimal("50")) for _ in range(120)]

    async def lifecycle(index: int) -> None:
        job = jobs[index]
        await store.record_intent(job)
        for state in (JobState.PENDING, JobState.PROCESSING, JobState.COMPLETED):
            job.state = state
            await store.save_job(job)
            await store.list_jobs(limit=5)  # reads interleave with writes

    await asyncio.gather(*(lifecycle(index) for index in range(len(jobs))))
    stored = await store.list_jobs()
    assert len(stored) == len(jobs)
    assert {job.state for job in stored} == {JobState.COMPLETED}
    for job in jobs[:10]:
        assert len(await store.state_history(job.id)) == 4


async def test_two_stores_on_one_file_do_not_lock_each_other_out(
    store: Store, db_path: Path, make_job: MakeJob
) -> None:
    other = Store.open(db_path)
    try:
        jobs = [make_job() for _ in range(40)]
        await asyncio.gather(
            *((store if index % 2 else other).save_job(job) for index, job in enumerate(jobs))
        )
        assert len(await store.list_jobs()) == len(jobs)
    finally:
        await other.aclose()


async def test_saved_engines_per_agent(store: Store) -> None:
    assert await store.saved_engines("4711") == []
    await store.save_engine("4711", "e2")
    await store.save_engine("4711", "e1")
    await store.save_engine("4711", "e2")  # again: no duplicate, order kept
    await store.save_engine("99", "e3")
    assert await store.saved_engines("4711") == ["e2", "e1"]
    assert await store.saved_engines("99") == ["e3"]
    await store.forget_engine("4711", "e2")
    await store.forget_engine("4711", "never-saved")
    assert await store.saved_engines("4711") == ["e1"]


async def test_settings_hold_json_values(store: Store) -> None:
    assert await store.get_setting("auto_download") is None
    await store.set_setting("auto_download", True)
    await store.set_setting("columns", {"widths": [120, 80], "sort": "created"})
    await store.set_setting("auto_download", False)
    assert await store.get_setting("auto_download") is False
    assert await store.get_setting("columns") == {"widths": [120, 80], "sort": "created"}
    await store.set_setting("columns", None)
    assert await store.get_setting("columns") is None
    with pytest.raises(TypeError):
        await store.set_setting("bad", object())
    with pytest.raises(ValueError, match="JSON compliant"):
        await store.set_setting("bad", float("nan"))
    assert await store.get_setting("bad") is None


async def test_an_unreadable_publish_is_listed_and_still_counts_as_a_duplicate(
    store: Store, make_job: MakeJob, db_path: Path
) -> None:
    job = make_job(
        kind=JobKind.PUBLISH, state=JobState.PENDING, remote_id="uj-7", dedupe_key="key-1"
    )
    await store.save_job(job)
    conn = sqlite3.connect(db_path)
    try:
        with conn:  # a newer version's state, and a record this version cannot decode
            conn.execute(
                "UPDATE jobs SET state = 'archived', data = '{\"id\": 1' WHERE id = ?", (job.id,)
            )
    finally:
        conn.close()
    assert await store.list_jobs() == []
    [record] = await store.unreadable_jobs()
    assert (record.id, record.kind, record.state, record.remote_id, record.dedupe_key) == (
        job.id,
        "publish",
        "archived",
        "uj-7",
        "key-1",
    )
    assert record.created_at == job.created_at
    [duplicate] = await store.find_publish_duplicates("key-1")
    assert duplicate.id == job.id
    assert duplicate.remote_id == "uj-7"
    assert await store.find_publish_duplicates("other-key") == []


async def test_a_post_is_a_duplicate_through_any_platform_still_live(
    store: Store, make_job: MakeJob
) -> None:
    from genpro_desktop.core.jobs.model import PostPlatform

    post = make_job(
        JobKind.POST,
        JobState.PROCESSING,
        dedupe_key="k-tiktok",
        post_platforms=(
            PostPlatform("tiktok", "published", dedupe_key="k-tiktok"),
            PostPlatform("youtube", "publishing", dedupe_key="k-youtube"),
            PostPlatform("x", "skipped", dedupe_key="k-x"),
        ),
    )
    await store.save_job(post)
    assert [j.id for j in await store.find_publish_duplicates("k-youtube")] == [post.id]
    assert [j.id for j in await store.find_publish_duplicates("k-tiktok")] == [post.id]
    assert await store.find_publish_duplicates("k-x") == []  # GEN left it out
    # YouTube failed: posting that video there again is not a duplicate; TikTok still is.
    post.post_platforms = (
        post.post_platforms[0],
        PostPlatform("youtube", "failed", dedupe_key="k-youtube"),
    )
    post.state = JobState.COMPLETED
    await store.save_job(post)
    assert await store.find_publish_duplicates("k-youtube") == []
    assert [j.id for j in await store.find_publish_duplicates("k-tiktok")] == [post.id]
    assert (await store.get_job(post.id)) == post


def test_a_version_1_database_gains_the_post_keys_table(db_path: Path) -> None:
    from genpro_desktop.core.store import database

    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute(database._VERSION_TABLE)  # pyright: ignore[reportPrivateUsage]
        for statement in database.MIGRATIONS[0]:
            assert isinstance(statement, str)  # version 1 is plain SQL
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, '2026-01-01T00:00:00+00:00')")
    conn.close()
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_version")]
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert versions == [1, 2, 3]  # 3: typed failures and hidden jobs (issue 15)
    assert "job_dedupe_keys" in tables
