"""How a refused or unsent render/publish becomes an exit code: from the job's typed fields
(`failure`, `error_code`, `http_status`); jobs stored before those existed are upgraded once by
the store's migration, never parsed here."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from genpro_desktop.cli.exit_codes import ExitCode
from genpro_desktop.cli.jobview import note
from genpro_desktop.cli.submission import refusal_error
from genpro_desktop.core.jobs import FailureKind, JobKind, JobState, LocalJob
from genpro_desktop.core.store import Store, database
from genpro_desktop.core.store.codec import job_to_row

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOT_SENT = FailureKind.NOT_SENT
REFUSED = FailureKind.REFUSED


def failed(reason: str, failure: FailureKind | None = REFUSED, **fields: object) -> LocalJob:
    return LocalJob(
        id="f" * 32,
        kind=JobKind.RENDER,
        state=JobState.FAILED,
        agent_id="4711",
        created_at=NOW,
        updated_at=NOW,
        idempotency_key="k-1",
        failed_reason=reason,
        failure=failure,
        **fields,  # type: ignore[arg-type]
    )


async def stored_by_version_1(tmp_path: Path, job: LocalJob, old_reason: str) -> LocalJob:
    """`job` as a version-1 database held it (its failure kind only a prefix of `old_reason`),
    read back after the store migrated the file."""
    path = tmp_path / "old.sqlite3"
    document = json.loads(job_to_row(job).data)
    del document["failure"]
    document["failed_reason"] = old_reason
    row = job_to_row(job)._replace(data=json.dumps(document))._asdict()
    del row["failure"]
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
        for statement in database.MIGRATIONS[0]:
            assert isinstance(statement, str)
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (1, '2026-03-01')")
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        conn.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", tuple(row.values()))
    conn.close()
    store = Store.open(path)
    try:
        upgraded = await store.get_job(job.id)
    finally:
        await store.aclose()
    assert upgraded is not None
    return upgraded


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (422, "insufficient_credits", ExitCode.API_REFUSED),
        (401, "invalid_api_key", ExitCode.AUTH),
        (403, None, ExitCode.AUTH),
        (429, "rate_limited", ExitCode.UNREACHABLE),
        (400, "bad_request", ExitCode.API_REFUSED),
    ],
)
def test_the_jobs_own_fields_decide_without_reading_the_message(
    status: int, code: str | None, exit_code: ExitCode
) -> None:
    # The text names nothing (GEN's wording may change); the fields are what counts.
    job = failed("GEN said no", error_code=code, http_status=status)
    error = refusal_error(job)
    assert error.exit_code == exit_code
    assert error.http_status == status
    # GEN's code when it sent one, else the CLI's own for the status (never null).
    assert error.error_code == (code or "forbidden")


def test_the_fields_win_over_a_message_that_says_otherwise() -> None:
    job = failed(
        "quoted from a caption (spam, HTTP 500)",
        error_code="insufficient_credits",
        http_status=422,
    )
    error = refusal_error(job)
    assert (error.error_code, error.http_status) == ("insufficient_credits", 422)
    assert error.exit_code == ExitCode.API_REFUSED


def test_a_code_without_a_status_is_kept() -> None:
    error = refusal_error(failed("no agent", error_code="missing_agent"))
    assert error.error_code == "missing_agent"
    assert error.http_status is None
    assert error.exit_code == ExitCode.API_REFUSED


@pytest.mark.parametrize(
    ("reason", "code", "status", "exit_code"),
    [
        (
            "not started: insufficient credits: no (insufficient_credits, HTTP 422)",
            "insufficient_credits",
            422,
            ExitCode.API_REFUSED,
        ),
        (
            "not sent: Key refused (invalid_api_key, HTTP 401); sign in again, then retry",
            "invalid_api_key",
            401,
            ExitCode.AUTH,
        ),
        # GEN sent no code: the CLI's own for the status (never null).
        ("not started: Slow down (HTTP 429).", "rate_limited", 429, ExitCode.UNREACHABLE),
    ],
)
async def test_jobs_stored_by_older_versions_are_upgraded_from_the_message_once(
    tmp_path: Path, reason: str, code: str | None, status: int, exit_code: ExitCode
) -> None:
    job = await stored_by_version_1(tmp_path, failed(reason.split(": ", 1)[1]), reason)
    assert job.failed_reason == reason.split(": ", 1)[1]  # the prefix is gone from the text
    assert job.failure is (NOT_SENT if reason.startswith("not sent: ") else REFUSED)
    error = refusal_error(job)
    assert (error.error_code, error.http_status) == (code, status)
    assert error.exit_code == exit_code


def test_a_post_that_never_left_is_unreachable_and_retryable() -> None:
    error = refusal_error(failed("Could not connect to GEN.", NOT_SENT))
    assert error.exit_code == ExitCode.UNREACHABLE
    assert error.error_code == "unreachable"
    assert error.http_status is None
    assert "genpro retry ffffffff" in (error.hint or "")


def test_the_failure_kind_is_said_to_people_but_kept_out_of_the_reason() -> None:
    not_sent = failed("Could not connect to GEN.", NOT_SENT)
    refused = failed("GEN said no", REFUSED)
    on_gen = failed("Layer 2 clip could not be fetched", None)
    assert note(not_sent) == "not sent: Could not connect to GEN."
    assert note(refused) == "not started: GEN said no"
    assert note(on_gen) == "Layer 2 clip could not be fetched"
    assert not_sent.failed_reason == "Could not connect to GEN."  # the data has no label
    assert not_sent.can_retry()
    assert refused.can_retry()
    assert not on_gen.can_retry()  # GEN ran it and it failed: a retry would charge again
