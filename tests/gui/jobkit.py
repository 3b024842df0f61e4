"""Small builders of `LocalJob`s for model and delegate tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from genpro_desktop.core.jobs import JobKind, JobState, LocalJob, new_job_id

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def make_job(
    state: JobState = JobState.PENDING,
    *,
    kind: JobKind = JobKind.RENDER,
    minutes: float = 0.0,
    **fields: Any,
) -> LocalJob:
    """A job created `minutes` after T0, in `state`."""
    created = T0 + timedelta(minutes=minutes)
    defaults: dict[str, Any] = {
        "remote_id": "880100" if kind is not JobKind.DOWNLOAD else None,
        "idempotency_key": "key-" + new_job_id()[:8],
        "engine_id": "9101",
        "cell_id": "41005",
        "title": f"TikTok Talking Avatar · row {int(minutes) + 1}",
    }
    defaults.update(fields)
    return LocalJob(
        id=new_job_id(),
        kind=kind,
        state=state,
        agent_id="4711",
        created_at=created,
        updated_at=created,
        **defaults,
    )


def finished(job: LocalJob, state: JobState, **fields: Any) -> LocalJob:
    """A copy of `job` that ended in `state` a few seconds later."""
    done = job.created_at + timedelta(seconds=9)
    values = {**job.__dict__, "state": state, "updated_at": done, "finished_at": done, **fields}
    return LocalJob(**values)


def moved(job: LocalJob, state: JobState, **fields: Any) -> LocalJob:
    """A copy of `job` in another (non-terminal) state."""
    values = {**job.__dict__, "state": state, **fields}
    if "execution_cost" in values and isinstance(values["execution_cost"], str):
        values["execution_cost"] = Decimal(values["execution_cost"])
    return LocalJob(**values)
