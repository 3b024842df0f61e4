"""Schema step of issue 15: typed failure kinds and hidden jobs as columns, upgraded from the
text prefixes and the desktop's capped list of hidden ids that older versions stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from store_helpers import MakeJob

from genpro_desktop.core.jobs.model import FailureKind, JobKind, JobState, LocalJob
from genpro_desktop.core.store import Store, database
from genpro_desktop.core.store.codec import job_to_row

OLD_HIDDEN_SETTING = "desktop.hidden_jobs"


def write_version_1(path: Path, rows: list[dict[str, object]], settings: dict[str, str]) -> None:
    """A database exactly as version 1 of the schema left it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        for statement in database.MIGRATIONS[0]:
            assert isinstance(statement, str)
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, '2026-03-01')")
        for row in rows:
            names = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            conn.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", tuple(row.values()))
        for key, value in settings.items():
            conn.execute("INSERT INTO settings VALUES (?, ?)", (key, value))
    conn.close()


def old_row(job: LocalJob, *, data: str | None = None) -> dict[str, object]:
    """`job` as version 1 stored it: no `failure` field or column."""
    document = json.loads(job_to_row(job).data)
    del document["failure"]
    row = job_to_row(job)._replace(data=data or json.dumps(document))._asdict()
    del row["failure"]
    return row


def columns(path: Path, job_id: str) -> tuple[object, object]:
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT failure, hidden FROM jobs WHERE id = ?", (job_id,)).fetchone()
    conn.close()
    return tuple(found)


async def test_old_prefixes_become_failure_kinds_and_only_exact_ones(
    db_path: Path, make_job: MakeJob
) -> None:
    def failed(reason: str) -> LocalJob:
        return make_job(state=JobState.FAILED, failed_reason=reason, idempotency_key="k")

    not_sent = failed("not sent: Could not connect to GEN.")
    refused = failed("not started: GEN said no (bad_request, HTTP 400)")
    on_gen = failed("Layer 2 clip could not be fetched")  # GEN's own failure: no kind
    capital = failed("Not sent: a reason GEN wrote")  # not this app's prefix
    broken = make_job(state=JobState.FAILED)
    write_version_1(
        db_path,
        [
            old_row(not_sent),
            old_row(refused),
            old_row(on_gen),
            old_row(capital),
            old_row(broken, data="{not json"),
        ],
        {},
    )
    store = Store.open(db_path)
    try:
        upgraded = {job.id: job for job in await store.list_jobs()}
        assert len(await store.unreadable_jobs()) == 1  # kept as it was, still reported
    finally:
        await store.aclose()
    assert upgraded[not_sent.id].failure is FailureKind.NOT_SENT
    assert upgraded[not_sent.id].failed_reason == "Could not connect to GEN."
    assert upgraded[not_sent.id].can_retry()
    assert upgraded[refused.id].failure is FailureKind.REFUSED
    assert upgraded[refused.id].failed_reason == "GEN said no (bad_request, HTTP 400)"
    assert (upgraded[refused.id].error_code, upgraded[refused.id].http_status) == (
        "bad_request",
        400,
    )
    assert upgraded[on_gen.id].failure is None
    assert not upgraded[on_gen.id].can_retry()
    assert upgraded[capital.id].failure is None
    assert upgraded[capital.id].failed_reason == "Not sent: a reason GEN wrote"
    assert columns(db_path, not_sent.id) == ("not_sent", 0)
    assert columns(db_path, refused.id) == ("refused", 0)
    assert columns(db_path, on_gen.id) == (None, 0)


async def test_old_hidden_ids_become_the_column_and_the_setting_goes(
    db_path: Path, make_job: MakeJob
) -> None:
    jobs = [make_job(state=JobState.COMPLETED) for _ in range(3)]
    hidden = [jobs[0].id, jobs[2].id, "gone-from-history"]
    write_version_1(
        db_path, [old_row(job) for job in jobs], {OLD_HIDDEN_SETTING: json.dumps(hidden)}
    )
    store = Store.open(db_path)
    try:
        assert await store.hidden_job_ids() == {jobs[0].id, jobs[2].id}
        assert await store.get_setting(OLD_HIDDEN_SETTING) is None
    finally:
        await store.aclose()


async def test_hidden_is_kept_by_later_saves_and_is_not_capped(
    store: Store, make_job: MakeJob
) -> None:
    jobs = [make_job(kind=JobKind.DOWNLOAD, state=JobState.QUEUED) for _ in range(1_200)]
    for job in jobs:
        await store.save_job(job)
    await store.hide_jobs(job.id for job in jobs)
    await store.hide_jobs([])  # nothing to hide changes nothing
    job = jobs[0]
    job.state = JobState.FAILED
    await store.save_job(job)  # the tracker saves whole records: hidden is not one of its fields
    assert await store.hidden_job_ids() == {job.id for job in jobs}
    assert (await store.get_job(job.id)) is not None  # history keeps hidden jobs
