"""How a refused or unsent render/publish becomes an exit code: from the job's fields, with the
message parsed only for jobs stored before `error_code` / `http_status` existed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from genpro_desktop.cli.exit_codes import ExitCode
from genpro_desktop.cli.submission import refusal_error
from genpro_desktop.core.jobs import (
    NOT_SENT_PREFIX,
    NOT_STARTED_PREFIX,
    JobKind,
    JobState,
    LocalJob,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def failed(reason: str, **fields: object) -> LocalJob:
    return LocalJob(
        id="f" * 32,
        kind=JobKind.RENDER,
        state=JobState.FAILED,
        agent_id="4711",
        created_at=NOW,
        updated_at=NOW,
        idempotency_key="k-1",
        failed_reason=reason,
        **fields,  # type: ignore[arg-type]
    )


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
    job = failed(NOT_STARTED_PREFIX + "GEN said no", error_code=code, http_status=status)
    error = refusal_error(job)
    assert error.exit_code == exit_code
    assert error.http_status == status
    # GEN's code when it sent one, else the CLI's own for the status (never null).
    assert error.error_code == (code or "forbidden")


def test_the_fields_win_over_a_message_that_says_otherwise() -> None:
    job = failed(
        NOT_STARTED_PREFIX + "quoted from a caption (spam, HTTP 500)",
        error_code="insufficient_credits",
        http_status=422,
    )
    error = refusal_error(job)
    assert (error.error_code, error.http_status) == ("insufficient_credits", 422)
    assert error.exit_code == ExitCode.API_REFUSED


def test_a_code_without_a_status_is_kept() -> None:
    error = refusal_error(failed(NOT_STARTED_PREFIX + "no agent", error_code="missing_agent"))
    assert error.error_code == "missing_agent"
    assert error.http_status is None
    assert error.exit_code == ExitCode.API_REFUSED


@pytest.mark.parametrize(
    ("reason", "code", "status", "exit_code"),
    [
        (
            NOT_STARTED_PREFIX + "insufficient credits: no (insufficient_credits, HTTP 422)",
            "insufficient_credits",
            422,
            ExitCode.API_REFUSED,
        ),
        (
            NOT_SENT_PREFIX + "Key refused (invalid_api_key, HTTP 401); sign in again, then retry",
            "invalid_api_key",
            401,
            ExitCode.AUTH,
        ),
        # GEN sent no code: the CLI's own for the status (never null).
        (NOT_STARTED_PREFIX + "Slow down (HTTP 429).", "rate_limited", 429, ExitCode.UNREACHABLE),
    ],
)
def test_jobs_stored_by_older_versions_are_read_from_the_message(
    reason: str, code: str | None, status: int, exit_code: ExitCode
) -> None:
    error = refusal_error(failed(reason))
    assert (error.error_code, error.http_status) == (code, status)
    assert error.exit_code == exit_code


def test_a_post_that_never_left_is_unreachable_and_retryable() -> None:
    error = refusal_error(failed(NOT_SENT_PREFIX + "Could not connect to GEN."))
    assert error.exit_code == ExitCode.UNREACHABLE
    assert error.error_code == "unreachable"
    assert error.http_status is None
    assert "genpro retry ffffffff" in (error.hint or "")
