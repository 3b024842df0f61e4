"""What the CLI says when a render or publish POST did not start a job on GEN.

The tracker records the outcome of every submission on the local job (it never raises for a
refused or lost POST); these helpers turn that outcome into the documented exit code: 7 when the
outcome is unknown (nothing was re-sent), 4 when GEN refused, 3 for a rejected key, 5 when the
request never left this computer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from genpro_desktop.cli.exit_codes import CliError, ExitCode
from genpro_desktop.cli.jobview import short_id
from genpro_desktop.core.jobs.model import FailureKind, JobKind, JobState, LocalJob

if TYPE_CHECKING:
    from genpro_desktop.core.jobs.events import JobEvent
    from genpro_desktop.core.services import AppServices


@contextmanager
def note_new_job(services: AppServices, hint: CliError) -> Iterator[None]:
    """Put the new job's id and idempotency key into the Ctrl-C report once it is recorded."""

    def on_event(event: JobEvent) -> None:
        if event.type == "job_added" and event.job is not None and "job_id" not in hint.extra:
            hint.extra.update(job_id=event.job.id, idempotency_key=event.job.idempotency_key)

    unsubscribe = services.events.subscribe(on_event)
    try:
        yield
    finally:
        unsubscribe()


def raise_if_not_started(job: LocalJob, *, check: str) -> None:
    """Turn a submission that did not start into the matching exit code (7, 4, 3 or 5)."""
    noun = "render" if job.kind is JobKind.RENDER else "post"
    if job.state is JobState.OUTCOME_UNKNOWN:
        reason = job.attention_reason or "GEN's answer was lost"
        raise CliError(
            f"{reason[:1].upper()}{reason[1:].rstrip('.')}. The {noun} may have started; "
            "nothing was re-sent.",
            ExitCode.OUTCOME_UNKNOWN,
            error_code="outcome_unknown",
            hint=f"Check {check}. Then `genpro retry {short_id(job.id)}` re-sends it with the "
            f"same idempotency key ({job.idempotency_key}), or `genpro dismiss "
            f"{short_id(job.id)}`.",
            extra={"idempotency_key": job.idempotency_key, "job_id": job.id},
        )
    if job.state is JobState.FAILED and job.remote_id is None:
        raise refusal_error(job)
    if job.remote_id is None and not job.is_terminal:
        # No GEN id and no recorded outcome: the submission broke; never report it as started.
        raise CliError(
            f"The {noun} was not started: {job.attention_reason or 'the submission broke'}.",
            ExitCode.INTERNAL,
            error_code="internal_error",
            hint=f"`genpro jobs` shows job {short_id(job.id)}; check GEN before retrying.",
            extra={"job_id": job.id, "idempotency_key": job.idempotency_key},
        )


def refusal_error(job: LocalJob) -> CliError:
    """A POST that GEN refused or that never left, as exit 4 / 3 / 5 with GEN's error code."""
    reason = job.failed_reason or "it was not started"
    code, status = job.error_code, job.http_status
    extra = {"job_id": job.id}
    if code == "internal_error":
        return CliError(
            f"Not sent: {reason}",
            ExitCode.INTERNAL,
            error_code=code,
            hint=f"This is a bug; nothing reached GEN. `genpro retry {short_id(job.id)}` "
            "sends it again.",
            extra=extra,
        )
    if status in (401, 403):
        return CliError(
            reason,
            ExitCode.AUTH,
            error_code=code,
            http_status=status,
            hint="Check the key with `genpro login`, or set GEN_API_KEY.",
            extra=extra,
        )
    if status is not None and (status == 429 or status >= 500):
        return CliError(reason, ExitCode.UNREACHABLE, error_code=code, http_status=status)
    if status is not None:
        return CliError(reason, ExitCode.API_REFUSED, error_code=code, http_status=status)
    if job.failure is FailureKind.NOT_SENT:
        return CliError(
            f"Not sent: {reason}",
            ExitCode.UNREACHABLE,
            error_code="unreachable",
            hint=f"Nothing reached GEN; `genpro retry {short_id(job.id)}` sends it again.",
            extra=extra,
        )
    return CliError(reason, ExitCode.API_REFUSED, error_code=code or "refused", extra=extra)
