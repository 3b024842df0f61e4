"""Fixtures for the store tests: a real SQLite file in tmp_path and a LocalJob factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from store_helpers import T0, MakeJob

from genpro_desktop.core.jobs.model import JobKind, JobState, LocalJob, new_job_id
from genpro_desktop.core.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "genpro.sqlite3"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    opened = Store.open(db_path)
    try:
        yield opened
    finally:
        await opened.aclose()


@pytest.fixture
def make_job() -> MakeJob:
    """Build jobs whose created_at increases by one second per job (so 'newest' is well defined)."""
    ticks = count()

    def make(
        kind: JobKind = JobKind.RENDER, state: JobState = JobState.PENDING, **fields: Any
    ) -> LocalJob:
        created = T0 + timedelta(seconds=next(ticks))
        values: dict[str, Any] = {
            "id": new_job_id(),
            "kind": kind,
            "state": state,
            "agent_id": "4711",
            "created_at": created,
            "updated_at": created,
        }
        values.update(fields)
        return LocalJob(**values)

    return make
